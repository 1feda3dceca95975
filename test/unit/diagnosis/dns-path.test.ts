// Which resolvers lie beyond the ping's path (recorded no-masquerade snapshot: namespace
// 10.77.0.2/16 behind bridge brlab 10.77.0.1, host uplink up0 203.0.113.2/24 via 203.0.113.1),
// and when the DNS probe stops waiting because of it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SavedSnapshot } from '../../../src/commands/check.js';
import { beyondTargetPath, bestRoute, pingGotNoReply } from '../../../src/diagnosis/dns-path.js';
import { dnsAfterPing } from '../../../src/diagnosis/run-diagnosis.js';
import type { DnsProbeResult, PingResult } from '../../../src/model/result.js';
import type { NetSnapshot } from '../../../src/model/snapshot.js';
import type { DnsProbe } from '../../../src/system/dns-probe.js';

function load(id: string): SavedSnapshot {
  return JSON.parse(readFileSync(new URL(`../../fixtures/snapshots/${id}.json`, import.meta.url), 'utf8')) as SavedSnapshot;
}
const saved = load('no-masquerade');
const snap = saved.snapshot;

describe('bestRoute', () => {
  it('longest prefix wins over the default route, then the lower metric', () => {
    const routes = [
      { dst: 'default', gateway: '203.0.113.1', dev: 'up0', flags: [] },
      { dst: '203.0.113.0/24', dev: 'up0', flags: [] },
      { dst: '10.0.0.0/8', gateway: '203.0.113.7', dev: 'up0', metric: 200, flags: [] },
      { dst: '10.0.0.0/8', gateway: '203.0.113.8', dev: 'up0', metric: 100, flags: [] },
    ];
    expect(bestRoute(routes, '198.51.100.53')?.dst).toBe('default');
    expect(bestRoute(routes, '203.0.113.9')?.dst).toBe('203.0.113.0/24');
    expect(bestRoute(routes, '10.1.2.3')?.gateway).toBe('203.0.113.8');
    expect(bestRoute(routes.slice(1), '198.51.100.53')).toBeNull();
  });
});

describe('beyondTargetPath (no-masquerade snapshot, target 198.51.100.8)', () => {
  it('a resolver on the internet is reached the same way as the target', () => {
    expect(snap.input.target).toBe('198.51.100.8');
    expect(beyondTargetPath(snap, '198.51.100.53')).toBe(true);
  });

  it('the host, the namespace\'s own link and the host\'s LAN can answer while the internet cannot', () => {
    expect(beyondTargetPath(snap, '10.77.0.1')).toBe(false); // the bridge: the host itself
    expect(beyondTargetPath(snap, '203.0.113.2')).toBe(false); // the host's uplink address
    expect(beyondTargetPath(snap, '10.77.0.9')).toBe(false); // on-link in the namespace
    expect(beyondTargetPath(snap, '203.0.113.9')).toBe(false); // on the host's LAN, not via its gateway
    expect(beyondTargetPath(snap, '127.0.0.53')).toBe(false);
    expect(beyondTargetPath(snap, '2001:db8::53')).toBe(false); // IPv6: not judged
  });

  it('a host route sending the resolver another way: not the same path', () => {
    const other: NetSnapshot = { ...snap, host: { ...snap.host, routes: [...snap.host.routes, { dst: '198.51.100.53', gateway: '203.0.113.99', dev: 'up0', flags: [] }] } };
    expect(beyondTargetPath(other, '198.51.100.53')).toBe(false);
  });

  it('no namespace: nothing is judged', () => {
    expect(beyondTargetPath({ ...snap, container: null }, '198.51.100.53')).toBe(false);
  });
});

/** A probe whose servers are still out (the real one is a worker process; here only its state). */
function probe(pending: string[]): DnsProbe & { abandoned: boolean; waited: boolean } {
  const result: DnsProbeResult = { name: 'example.com', ran: true, error: null, durationMs: 1, servers: [] };
  const p = { abandoned: false, waited: false, result: Promise.resolve(result), pending: () => pending, abandon: () => (p.abandoned = true), wait: () => (p.waited = true) };
  return p;
}
const noReply: PingResult = { ...saved.ping!, ran: true, transmitted: 5, received: 0 };
const reply: PingResult = { ...noReply, received: 1 };

describe('dnsAfterPing', () => {
  it('the ping got no reply and the silent resolver is beyond the same path: stop waiting', async () => {
    expect(pingGotNoReply(noReply)).toBe(true);
    const p = probe(['198.51.100.53']);
    await dnsAfterPing(p, snap, noReply);
    expect(p.abandoned).toBe(true);
    expect(p.waited).toBe(false);
  });

  it('the ping got a reply: wait for the resolver (a silent one is a finding of its own)', async () => {
    const p = probe(['198.51.100.53']);
    await dnsAfterPing(p, snap, reply);
    expect(p.abandoned).toBe(false);
    expect(p.waited).toBe(true);
  });

  it('a silent resolver on the host is still awaited, even when the internet one is beyond', async () => {
    const p = probe(['198.51.100.53', '10.77.0.1']);
    await dnsAfterPing(p, snap, noReply);
    expect(p.abandoned).toBe(false);
    expect(p.waited).toBe(true);
  });

  it('the ping did not run, or no probe: nothing to decide', async () => {
    const p = probe(['198.51.100.53']);
    await dnsAfterPing(p, snap, { ...noReply, ran: false });
    expect(p.abandoned).toBe(false);
    expect(await dnsAfterPing(null, snap, noReply)).toBeNull();
  });
});
