// check --all's shared host reads: each host fact read once however many namespaces ask, each
// caller getting the same value and the same error lines a lone check would; the per-namespace
// queries answered from one batch of lookups and one conntrack dump. The reads underneath are a
// counting stand-in fed from a recorded healthy snapshot (the real ones spawn; the integration
// test check-all-scale runs them for real).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConntrackFacts, NetSnapshot, RouteLookup } from '../../../src/model/snapshot.js';
import type { ForcedAnswer, HostLookupQueries, HostLookups } from '../../../src/parse/ip-batch.js';
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

/** What a lone check's one batch answers for q (stand-in: lookups by their arguments). */
function lookupsOf(q: HostLookupQueries): HostLookups {
  return { forward: q.forward && lookupOf(q.forward), reply: q.reply && lookupOf(q.reply), neighbours: q.neighDev ? [{ ip: '192.168.0.9', dev: q.neighDev, lladdr: null, state: ['STALE'] }] : null };
}

/** The same answers as `ip -j` lines, one per batch line. */
function answerOf(line: string): ForcedAnswer {
  const m = /^route get (.*)$/.exec(line);
  if (m) {
    const args = m[1]!.split(' ');
    return { ok: true, json: JSON.stringify([{ dst: args[0], dev: args.includes('iif') ? 'eth0' : 'br0', prefsrc: args.join('/') }]) };
  }
  return { ok: true, json: JSON.stringify([{ dst: '192.168.0.9', state: ['STALE'] }]) };
}

/** Reads that count their calls. */
function countingReads(opts: { conntrackFails?: boolean; bulkFails?: boolean } = {}) {
  const calls: Record<string, number> = {};
  const count = (k: string) => (calls[k] = (calls[k] ?? 0) + 1);
  const known: Record<string, string> = { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.br0.rp_filter': '2' };
  const base: HostReader = {
    namespaces: async () => (count('namespaces'), ['a', 'b']),
    ip: async (_t, errors) => {
      count('ip');
      errors.push('host: routes: something odd');
      return { links: recorded.host.links, routes: recorded.host.routes, lookup: recorded.host.lookup, ok: true, failure: null };
    },
    sysctls: async (errors) => {
      count('sysctls');
      errors.push('sysctl: one key unreadable');
      return { ...known };
    },
    interfaceSysctls: async (read, keys) => (count('interfaceSysctls'), Object.fromEntries(keys.map((k) => [k, read[k] ?? null]))),
    netfilter: async () => (count('netfilter'), { ruleset: recorded.host.netfilter, sources: recorded.host.netfilterSources }),
    rpFilterDrops: async () => (count('rpFilterDrops'), 3),
    tools: async () => (count('tools'), { ufw: false, 'firewall-cmd': false, docker: false }),
    resolvConf: () => (count('resolvConf'), recorded.hostResolvConf),
    lookups: async (q) => (count('lookups'), lookupsOf(q)),
    conntrack: async (src): Promise<ConntrackFacts> =>
      opts.conntrackFails ? (count('conntrack'), { source: null, error: `conntrack -L -s ${src}: exit 1` }) : (count('conntrack'), { source: 'conntrack', entries: parseConntrack(CONNTRACK).filter((e) => e.orig.src === src) }),
  };
  const batches: (readonly string[])[] = [];
  const bulk: BulkReads = {
    batch: async (lines) => {
      count('bulk batch');
      batches.push([...lines]);
      return opts.bulkFails ? null : lines.map(answerOf);
    },
    conntrack: async (): Promise<ConntrackFacts> => (count('bulk conntrack'), opts.conntrackFails ? { source: null, error: 'conntrack -L: exit 1' } : { source: 'conntrack', entries: parseConntrack(CONNTRACK) }),
  };
  return { base, bulk, calls, batches };
}

function queries(ip: string, bridge = 'br0'): HostQueries {
  return { lookups: { forward: ['198.51.100.8', 'from', ip, 'iif', bridge], reply: [ip], neighDev: bridge }, conntrackSrc: ip };
}

describe('sharedHostReader', () => {
  it('reads each host fact once for many callers, and gives every caller its error lines', async () => {
    const { base, bulk, calls } = countingReads();
    const host = sharedHostReader('h', base, bulk);
    const errs = Array.from({ length: 50 }, () => [] as string[]);
    const keys = ['net.ipv4.conf.br0.rp_filter', 'net.ipv4.conf.eth0.rp_filter'];
    const got = await Promise.all(
      errs.map(async (e) => {
        const [ip, nf, drops, tools, names, sys] = await Promise.all([host.ip('198.51.100.8', e), host.netfilter(), host.rpFilterDrops(), host.tools(), host.namespaces(), host.sysctls(e)]);
        const ifs = await host.interfaceSysctls(sys, keys, e);
        return { ip, nf, drops, tools, names, sys, ifs, resolv: host.resolvConf() };
      }),
    );
    expect(calls).toEqual({ ip: 1, netfilter: 1, rpFilterDrops: 1, tools: 1, resolvConf: 1, namespaces: 1, sysctls: 1, interfaceSysctls: 1 });
    for (const [i, g] of got.entries()) {
      expect(g.ip.links).toBe(recorded.host.links);
      expect(g.nf.ruleset).toBe(recorded.host.netfilter);
      expect(g.drops).toBe(3);
      expect(g.names).toEqual(['a', 'b']);
      expect(g.sys['net.ipv4.ip_forward']).toBe('1');
      // One record for every namespace asking the same keys (merged once, only read).
      expect(g.ifs).toBe(got[0]!.ifs);
      expect(g.ifs).toEqual({ 'net.ipv4.conf.br0.rp_filter': '2', 'net.ipv4.conf.eth0.rp_filter': null });
      expect(g.resolv).toBe(recorded.hostResolvConf);
      expect(errs[i]!.sort()).toEqual(['host: routes: something odd', 'sysctl: one key unreadable']);
    }
  });

  it("prefetch asks every namespace's lookups in one batch (each line once) and conntrack once; each answer is the lone check's", async () => {
    const { base, bulk, calls, batches } = countingReads();
    const host = sharedHostReader('h', base, bulk);
    const ips = ['192.168.0.2', '192.168.0.3', '192.168.0.4'];
    // Two namespaces with the same address ask the same lines: asked once.
    await host.prefetch([...ips.map((ip) => queries(ip)), queries('192.168.0.2')]);
    expect(calls).toEqual({ 'bulk batch': 1, 'bulk conntrack': 1 });
    // 3 forward + 3 reply lookups + the bridge's neighbours once.
    expect(batches[0]).toHaveLength(7);
    for (const ip of ips) {
      const q = queries(ip);
      expect(await host.lookups(q.lookups)).toEqual(lookupsOf(q.lookups));
      // Each namespace's conntrack entries: exactly those a lone `conntrack -L -s IP` lists.
      expect(await host.conntrack(ip)).toEqual(await base.conntrack(ip));
    }
    // The comparisons above called base.conntrack themselves (3 times); nothing else was read.
    expect(calls).toEqual({ 'bulk batch': 1, 'bulk conntrack': 1, conntrack: 3 });
  });

  it('a query not prefetched is asked alone, once', async () => {
    const { base, bulk, calls } = countingReads();
    const host = sharedHostReader('h', base, bulk);
    await host.prefetch([queries('192.168.0.2')]);
    const q = queries('192.168.0.7').lookups;
    expect(await host.lookups(q)).toEqual(lookupsOf(q));
    await host.lookups(q);
    expect(calls).toMatchObject({ lookups: 1 });
  });

  it('lookups the batch did not answer whole are asked alone; an unreadable conntrack dump fails as a lone check would', async () => {
    const { base, bulk, calls } = countingReads({ bulkFails: true, conntrackFails: true });
    const host = sharedHostReader('h', base, bulk);
    await host.prefetch([queries('192.168.0.2'), queries('192.168.0.3')]);
    const q = queries('192.168.0.3');
    expect(await host.lookups(q.lookups)).toEqual(lookupsOf(q.lookups));
    expect(await host.conntrack('192.168.0.3')).toEqual({ source: null, error: 'conntrack -L -s 192.168.0.3: exit 1' });
    expect(calls).toMatchObject({ 'bulk batch': 1, lookups: 1, 'bulk conntrack': 1, conntrack: 1 });
  });
});
