// One `ip -j -d -batch -` per side, recorded from real labs built by `lab up` (default names).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forcedBatchComplete, hostLookupLines, hostLookupsBatch, hostLookupsFrom, ipFactsBatch, parseHostLookups, parseIpFactsBatch, splitForcedBatch } from '../../../src/parse/ip-batch.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ip-batch/${name}`, import.meta.url), 'utf8');

describe('ipFactsBatch', () => {
  it('asks for links, routes, then the lookup last (ip -batch stops at the first failure)', () => {
    expect(ipFactsBatch('198.51.100.8').split('\n')).toEqual(['addr show', 'route show', 'route get 198.51.100.8', '']);
  });
});

describe('parseIpFactsBatch', () => {
  it("reads a container's links, routes and lookup from one output", () => {
    const f = parseIpFactsBatch(0, fixture('healthy-ns.stdout'), '');
    expect(f.ok).toBe(true);
    expect(f.errors).toEqual([]);
    expect(f.links.map((l) => l.name).sort()).toEqual(['ceth0', 'lo']);
    expect(f.links.find((l) => l.name === 'ceth0')).toMatchObject({ kind: 'veth', up: true });
    expect(f.routes.find((r) => r.dst === 'default')).toEqual({ dst: 'default', gateway: '192.168.0.1', dev: 'ceth0', flags: [] });
    expect(f.lookup).toEqual({ ok: true, dev: 'ceth0', gateway: '192.168.0.1', prefsrc: '192.168.0.2' });
  });

  it('drops the defaults -d prints (type unicast, protocol boot, scope global) and keeps the rest', () => {
    const f = parseIpFactsBatch(0, fixture('healthy-ns.stdout'), '');
    for (const r of f.routes) {
      expect(r.type).not.toBe('unicast');
      expect(r.protocol).not.toBe('boot');
      expect(r.scope).not.toBe('global');
    }
    expect(f.routes.find((r) => r.dst !== 'default')).toMatchObject({ protocol: 'kernel', scope: 'link' });
  });

  it('keeps links and routes when only the lookup failed, and takes its error without the batch trailer', () => {
    const f = parseIpFactsBatch(1, fixture('host-no-route.stdout'), fixture('host-no-route.stderr'));
    expect(f.ok).toBe(true);
    expect(f.links.length).toBeGreaterThan(2);
    expect(f.routes.some((r) => r.dst === 'default')).toBe(false);
    expect(f.lookup).toEqual({ ok: false, error: 'Network is unreachable' });
  });

  it('reports a namespace that could not be entered as not ok, with the reason', () => {
    const f = parseIpFactsBatch(255, '', 'Cannot open network namespace "x": No such file or directory\n');
    expect(f).toMatchObject({ ok: false, links: [], routes: [] });
    expect(f.lookup).toEqual({ ok: false, error: 'Cannot open network namespace "x": No such file or directory' });
  });

  it('reports unparsable output as an error instead of throwing', () => {
    const f = parseIpFactsBatch(0, '[{"ifname":\n[]\n[]\n', '');
    expect(f.ok).toBe(true);
    expect(f.errors.join()).toMatch(/links/);
  });
});

describe('the host lookups batch (ip -4 -j -force -batch -)', () => {
  const all = { forward: ['198.51.100.8', 'from', '192.168.0.2', 'iif', 'br0'], reply: ['192.168.0.2'], neighDev: 'br0' };

  it('asks only what the topology allows, in a fixed order; nothing to ask is no spawn', () => {
    expect(hostLookupsBatch(all)).toBe('route get 198.51.100.8 from 192.168.0.2 iif br0\nroute get 192.168.0.2\nneigh show dev br0\n');
    expect(hostLookupsBatch({ forward: null, reply: ['10.0.0.2'], neighDev: null })).toBe('route get 10.0.0.2\n');
    expect(hostLookupsBatch({ forward: null, reply: null, neighDev: null })).toBeNull();
  });

  it('reads both lookups and the bridge neighbours (recorded, healthy lab), the device filled in', () => {
    const h = parseHostLookups(all, 0, fixture('host-lookups.stdout'), '');
    expect(h.forward).toEqual({ ok: true, dev: 'eth0', gateway: '203.0.113.1' });
    expect(h.reply).toEqual({ ok: true, dev: 'br0', prefsrc: '192.168.0.1' });
    // `neigh show dev br0` prints no dev: the free-address picker matches neighbours by device.
    expect(h.neighbours).toEqual([{ ip: '192.168.0.2', dev: 'br0', lladdr: '16:33:55:3c:00:a7', state: ['DELAY'] }]);
  });

  it('a failed lookup gets its own error; the commands after it still answer (recorded: no route)', () => {
    const h = parseHostLookups(all, 1, fixture('host-lookups-no-route.stdout'), fixture('host-lookups-no-route.stderr'));
    expect(h.forward).toEqual({ ok: false, error: 'Network is unreachable' });
    expect(h.reply).toEqual({ ok: true, dev: 'br0', prefsrc: '192.168.0.1' });
    expect(h.neighbours).toEqual([]);
  });

  it('answers as the single commands did when a query was not asked', () => {
    const h = parseHostLookups({ forward: null, reply: ['192.168.0.2'], neighDev: null }, 0, '[{"dst":"192.168.0.2","dev":"br0","prefsrc":"192.168.0.1","flags":[],"uid":0,"cache":[]}]\n', '');
    expect(h).toEqual({ forward: null, reply: { ok: true, dev: 'br0', prefsrc: '192.168.0.1' }, neighbours: null });
  });
});

describe('splitForcedBatch', () => {
  it('maps answers to commands around failures in the middle and at the end', () => {
    const stderr = 'Cannot find device "x"\nCommand failed -:2\nRTNETLINK answers: No route to host\nCommand failed -:4\n';
    expect(splitForcedBatch(4, 1, '[1]\n[3]\n', stderr)).toEqual([
      { ok: true, json: '[1]' },
      { ok: false, error: 'Cannot find device "x"' },
      { ok: true, json: '[3]' },
      { ok: false, error: 'RTNETLINK answers: No route to host' },
    ]);
  });

  it('commands left without an answer (ip ended early) fail with its last words', () => {
    expect(splitForcedBatch(3, 255, '[1]\n', 'Error: something fatal\n')).toEqual([
      { ok: true, json: '[1]' },
      { ok: false, error: 'Error: something fatal' },
      { ok: false, error: 'Error: something fatal' },
    ]);
    expect(splitForcedBatch(1, null, '', '')).toEqual([{ ok: false, error: 'ip did not finish' }]);
  });
});

describe('many namespaces\' host lookups in one batch (check --all)', () => {
  const all = { forward: ['198.51.100.8', 'from', '192.168.0.2', 'iif', 'br0'], reply: ['192.168.0.2'], neighDev: 'br0' };

  it('each namespace\'s lookups, from the answers to its lines in a larger batch, equal its own batch\'s', () => {
    // Another namespace's lines first: the answers are found by line, wherever they stand.
    const other = { forward: ['198.51.100.8', 'from', '192.168.0.3', 'iif', 'br0'], reply: ['192.168.0.3'], neighDev: 'br0' };
    const lines = [...new Set([...hostLookupLines(other), ...hostLookupLines(all)])];
    expect(lines).toHaveLength(5);
    const own = splitForcedBatch(3, 1, fixture('host-lookups-no-route.stdout'), fixture('host-lookups-no-route.stderr'));
    const byLine = new Map(hostLookupLines(all).map((l, i) => [l, own[i]]));
    expect(hostLookupsFrom(all, hostLookupLines(all).map((l) => byLine.get(l)))).toEqual(parseHostLookups(all, 1, fixture('host-lookups-no-route.stdout'), fixture('host-lookups-no-route.stderr')));
  });

  it('a batch is complete only when every line has its answer or its failure', () => {
    expect(forcedBatchComplete(3, fixture('host-lookups-no-route.stdout'), fixture('host-lookups-no-route.stderr'))).toBe(true);
    expect(forcedBatchComplete(3, fixture('host-lookups.stdout'), '')).toBe(true);
    expect(forcedBatchComplete(4, fixture('host-lookups.stdout'), '')).toBe(false);
    expect(forcedBatchComplete(3, '[1]\n', 'Error: any valid prefix is expected rather than "0.0.0.0/40".\n')).toBe(false);
  });
});
