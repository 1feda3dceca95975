// check --all's shared host reads: each host fact read once however many namespaces ask, each
// caller getting the same value and the same error lines a lone check would; the per-namespace
// queries answered from one batch of lookups and one conntrack dump. The reads underneath are a
// counting stand-in fed from a recorded healthy snapshot (the real ones spawn; the integration
// test check-all-scale runs them for real).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConntrackFacts, NetSnapshot, RouteLookup } from '../../../src/model/snapshot.js';
import { parseConntrack } from '../../../src/parse/conntrack.js';
import { sharedHostReader, type BulkReads } from '../../../src/system/shared-reads.js';
import type { HostQueries, HostReader } from '../../../src/system/snapshot.js';

const recorded = (JSON.parse(readFileSync(new URL('../../fixtures/snapshots/healthy.json', import.meta.url), 'utf8')) as { snapshot: NetSnapshot }).snapshot;

const CONNTRACK = [
  'icmp     1 29 src=192.168.0.2 dst=198.51.100.8 type=8 code=0 id=7 src=198.51.100.8 dst=10.0.0.2 type=0 code=0 id=7 mark=0 use=1',
  'udp      17 20 src=192.168.0.3 dst=198.51.100.53 sport=4000 dport=53 [UNREPLIED] src=198.51.100.53 dst=10.0.0.2 sport=53 dport=4000 mark=0 use=1',
  'icmp     1 25 src=192.168.0.2 dst=198.51.100.9 type=8 code=0 id=8 src=198.51.100.9 dst=10.0.0.2 type=0 code=0 id=8 mark=0 use=1',
].join('\n');

function lookupOf(args: readonly string[]): RouteLookup {
  return { ok: true, dev: args.includes('iif') ? 'eth0' : 'br0', prefsrc: args.join('/') };
}

/** Reads that count their calls; `sysctls` knows two keys, the rest are absent (null). */
function countingReads(opts: { conntrackFails?: boolean; bulkLookupsFail?: boolean } = {}) {
  const calls: Record<string, number> = {};
  const sysctlCalls: string[][] = [];
  const count = (k: string) => (calls[k] = (calls[k] ?? 0) + 1);
  const known: Record<string, string> = { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.br0.rp_filter': '2' };
  const base: HostReader = {
    namespaces: async () => (count('namespaces'), ['a', 'b']),
    ip: async (_t, errors) => {
      count('ip');
      errors.push('host: routes: something odd');
      return { links: recorded.host.links, routes: recorded.host.routes, lookup: recorded.host.lookup, ok: true, failure: null };
    },
    sysctls: async (keys, errors) => {
      count('sysctls');
      sysctlCalls.push(keys);
      errors.push(`sysctl read ${keys.length}`);
      return Object.fromEntries(keys.map((k) => [k, known[k] ?? null]));
    },
    netfilter: async () => (count('netfilter'), { ruleset: recorded.host.netfilter, sources: recorded.host.netfilterSources }),
    rpFilterDrops: async () => (count('rpFilterDrops'), 3),
    tools: async () => (count('tools'), { ufw: false, 'firewall-cmd': false, docker: false }),
    resolvConf: async () => (count('resolvConf'), recorded.hostResolvConf),
    neighbours: async (dev) => (count(`neighbours ${dev}`), [{ ip: '192.168.0.9', dev, lladdr: null, state: ['STALE'] }]),
    lookup: async (args) => (count('lookup'), lookupOf(args)),
    conntrack: async (src): Promise<ConntrackFacts> =>
      opts.conntrackFails ? (count('conntrack'), { source: null, error: `conntrack -L -s ${src}: exit 1` }) : (count('conntrack'), { source: 'conntrack', entries: parseConntrack(CONNTRACK).filter((e) => e.orig.src === src) }),
  };
  const bulkLists: (readonly string[])[][] = [];
  const bulk: BulkReads = {
    lookups: async (list) => {
      count('bulk lookups');
      bulkLists.push([...list]);
      return opts.bulkLookupsFail ? null : list.map(lookupOf);
    },
    conntrack: async (): Promise<ConntrackFacts> => (count('bulk conntrack'), opts.conntrackFails ? { source: null, error: 'conntrack -L: exit 1' } : { source: 'conntrack', entries: parseConntrack(CONNTRACK) }),
  };
  return { base, bulk, calls, sysctlCalls, bulkLists };
}

function queries(ip: string, bridge = 'br0'): HostQueries {
  return {
    sysctlKeys: [`net.ipv4.conf.${bridge}.rp_filter`, 'net.ipv4.conf.eth0.rp_filter'],
    forward: ['198.51.100.8', 'from', ip, 'iif', bridge],
    reply: [ip],
    conntrackSrc: ip,
    neighbours: bridge,
  };
}

describe('sharedHostReader', () => {
  it('reads each host fact once for many callers, and gives every caller its error lines', async () => {
    const { base, bulk, calls } = countingReads();
    const host = sharedHostReader('h', base, bulk);
    const errs = Array.from({ length: 50 }, () => [] as string[]);
    const got = await Promise.all(
      errs.map(async (e) => {
        const [ip, nf, drops, tools, resolv, names, sys] = await Promise.all([host.ip('198.51.100.8', e), host.netfilter(), host.rpFilterDrops(), host.tools(), host.resolvConf(), host.namespaces(), host.sysctls(['net.ipv4.ip_forward'], e)]);
        return { ip, nf, drops, tools, resolv, names, sys };
      }),
    );
    expect(calls).toEqual({ ip: 1, netfilter: 1, rpFilterDrops: 1, tools: 1, resolvConf: 1, namespaces: 1, sysctls: 1 });
    for (const [i, g] of got.entries()) {
      expect(g.ip.links).toBe(recorded.host.links);
      expect(g.nf.ruleset).toBe(recorded.host.netfilter);
      expect(g.drops).toBe(3);
      expect(g.names).toEqual(['a', 'b']);
      expect(g.sys).toEqual({ 'net.ipv4.ip_forward': '1' });
      expect(errs[i]!.sort()).toEqual(['host: routes: something odd', 'sysctl read 1']);
    }
  });

  it('prefetch asks every namespace\'s lookups in one batch, the union of sysctls in one read, conntrack once', async () => {
    const { base, bulk, calls, sysctlCalls, bulkLists } = countingReads();
    const host = sharedHostReader('h', base, bulk);
    const ips = ['192.168.0.2', '192.168.0.3', '192.168.0.4'];
    // Two namespaces with the same address (both ask the same lookups): asked once.
    await host.prefetch([...ips.map((ip) => queries(ip)), queries('192.168.0.2')]);
    expect(calls).toEqual({ sysctls: 1, 'bulk lookups': 1, 'bulk conntrack': 1, 'neighbours br0': 1 });
    expect(sysctlCalls[0]!.sort()).toEqual(['net.ipv4.conf.br0.rp_filter', 'net.ipv4.conf.eth0.rp_filter']);
    expect(bulkLists[0]).toHaveLength(6);

    for (const ip of ips) {
      const q = queries(ip);
      const errors: string[] = [];
      expect(await host.lookup(q.forward!)).toEqual(lookupOf(q.forward!));
      expect(await host.lookup(q.reply!)).toEqual(lookupOf(q.reply!));
      expect(await host.sysctls(q.sysctlKeys, errors)).toEqual({ 'net.ipv4.conf.br0.rp_filter': '2', 'net.ipv4.conf.eth0.rp_filter': null });
      expect(errors).toEqual(['sysctl read 2']);
      // Each namespace's conntrack entries: exactly those a lone `conntrack -L -s IP` would list.
      expect(await host.conntrack(ip)).toEqual(await base.conntrack(ip));
      expect(await host.neighbours('br0')).toEqual([{ ip: '192.168.0.9', dev: 'br0', lladdr: null, state: ['STALE'] }]);
    }
    // The comparisons above called base.conntrack themselves (3 times); nothing else was read.
    expect(calls).toEqual({ sysctls: 1, 'bulk lookups': 1, 'bulk conntrack': 1, 'neighbours br0': 1, conntrack: 3 });
    expect((await host.conntrack('192.168.0.2')).source).toBe('conntrack');
  });

  it('a key, lookup or bridge not prefetched is read on demand (and then kept)', async () => {
    const { base, bulk, calls } = countingReads();
    const host = sharedHostReader('h', base, bulk);
    await host.prefetch([queries('192.168.0.2')]);
    await host.lookup(['10.9.9.9']);
    await host.lookup(['10.9.9.9']);
    expect(await host.sysctls(['net.ipv4.conf.br0.rp_filter', 'net.ipv4.conf.br1.rp_filter'], [])).toEqual({ 'net.ipv4.conf.br0.rp_filter': '2', 'net.ipv4.conf.br1.rp_filter': null });
    await host.neighbours('br1');
    expect(calls).toMatchObject({ lookup: 1, sysctls: 2, 'neighbours br1': 1 });
  });

  it('lookups the batch could not match are asked one by one; an unreadable conntrack dump fails as a lone check would', async () => {
    const { base, bulk, calls } = countingReads({ bulkLookupsFail: true, conntrackFails: true });
    const host = sharedHostReader('h', base, bulk);
    await host.prefetch([queries('192.168.0.2'), queries('192.168.0.3')]);
    const q = queries('192.168.0.3');
    expect(await host.lookup(q.forward!)).toEqual(lookupOf(q.forward!));
    expect(await host.lookup(q.reply!)).toEqual(lookupOf(q.reply!));
    expect(await host.conntrack('192.168.0.3')).toEqual({ source: null, error: 'conntrack -L -s 192.168.0.3: exit 1' });
    expect(calls).toMatchObject({ 'bulk lookups': 1, lookup: 2, 'bulk conntrack': 1, conntrack: 1 });
  });
});
