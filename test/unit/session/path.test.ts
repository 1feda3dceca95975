// The session's live packet path: the pure reducer fed with packet summaries recorded from the
// real capture worker in lab namespaces (test/fixtures/capture, one ping of 3 echo requests
// each), one event at a time, as the session sees them.
import { describe, expect, it } from 'vitest';
import type { TraceDrop } from '../../../src/model/capture.js';
import { diedOnHost, initialPath, pathView, reducePath, type PathEvent, type PathState } from '../../../src/session/path.js';
import { recordedPackets as packets, RECORDED_WHERE as WHERE, type CaptureFixture } from '../../support/capture-fixtures.js';

function capturing(name: CaptureFixture, where = WHERE[name]): PathState {
  return reducePath(initialPath(where), { type: 'capturing', interfaces: [where.bridge, where.hostVeth!, where.uplink!] });
}

const play = (s: PathState, events: PathEvent[]) => events.reduce(reducePath, s);
const hop = (s: PathState, id: string) => pathView(s).hops.find((h) => h.id === id)!;

describe('the live packet path', () => {
  it('replies that come back by another way out: an "also out" hop, reply-not-returned, host.rp-filter confirmed, worth a trace', () => {
    const where = WHERE['rp-filter-second-uplink'];
    const s = play(reducePath(initialPath(where), { type: 'capturing', interfaces: [where.bridge, where.hostVeth!, where.uplink!, 'up2'] }), [
      ...packets('rp-filter-second-uplink').map((packet): PathEvent => ({ type: 'packet', packet })),
      { type: 'ping-done', transmitted: 3, received: 0, error: null },
      { type: 'finished', by: 'done' },
    ]);
    const v = pathView(s);
    expect(v.hops.map((h) => [h.id, h.count, h.replies ?? null])).toEqual([
      ['namespace', 3, 0],
      ['veth', 3, 0],
      ['bridge', 3, 0],
      ['forward', null, null],
      ['nat', null, null],
      ['uplink', 3, 0],
      ['elsewhere:up2', 0, 3],
    ]);
    expect(hop(s, 'elsewhere:up2')).toMatchObject({ label: 'also out up2', state: 'dead', note: 'replies came back here' });
    expect(v.verdict).toMatch(/3 replies from 198\.51\.100\.8 came back in on up2, not on upr where the requests left/);
    expect(v.step).toBe('host.rp-filter');
    expect(v.advice).toMatch(/confirms the diagnosis/);
    expect(diedOnHost(s)).toBe(true);
  });

  it('translated to an address the host does not have: host.masquerade, though the inspection found nothing', () => {
    const where = { ...WHERE.healthy, passive: 'egress.ping' as const, hostAddresses: ['10.67.0.1', '203.0.113.2'] };
    // The healthy recording with the uplink's source rewritten to a foreign address and no reply.
    const foreign = packets('healthy')
      .filter((p) => p.direction === 'request')
      .map((p) => (p.role === 'uplink' ? { ...p, source: '192.0.2.77' } : p));
    const s = play(capturing('healthy', where), [...foreign.map((packet): PathEvent => ({ type: 'packet', packet })), { type: 'ping-done', transmitted: 3, received: 0, error: null }, { type: 'finished', by: 'done' }]);
    expect(pathView(s)).toMatchObject({ step: 'host.masquerade', sourceAfter: '192.0.2.77' });
    expect(pathView(s).advice).toMatch(/believe the capture and look at host\.masquerade/);
  });

  it('counts each hop as the packets arrive, before the ping is over', () => {
    let s = capturing('no-masquerade');
    expect(pathView(s).hops.map((h) => h.id)).toEqual(['namespace', 'veth', 'bridge', 'forward', 'nat', 'uplink']);
    const seen: string[] = [];
    for (const packet of packets('no-masquerade')) {
      s = reducePath(s, { type: 'packet', packet });
      const v = pathView(s);
      seen.push(['veth', 'bridge', 'uplink'].map((id) => v.hops.find((h) => h.id === id)!.count).join('/'));
      expect(v.running).toBe(true);
      expect(v.verdict).toBeNull(); // half a ping gives no verdict
    }
    // Each request crosses veth, bridge and uplink in turn: the counts climb one hop at a time.
    expect(seen).toEqual(['1/0/0', '1/1/0', '1/1/1', '2/1/1', '2/2/1', '2/2/2', '3/2/2', '3/3/2', '3/3/3']);
    expect(hop(s, 'namespace').count).toBe(3); // every request seen on the host left the namespace
  });

  it('no masquerade: the private source leaves the uplink; the verdict names host.masquerade', () => {
    const s = play(capturing('no-masquerade'), [
      ...packets('no-masquerade').map((packet): PathEvent => ({ type: 'packet', packet })),
      { type: 'ping-done', transmitted: 3, received: 0, error: null },
      { type: 'finished', by: 'done' },
    ]);
    const v = pathView(s);
    expect(v.running).toBe(false);
    expect([v.sourceBefore, v.sourceAfter]).toEqual(['10.66.0.2', '10.66.0.2']);
    expect(hop(s, 'nat')).toMatchObject({ note: 'none: the source stays 10.66.0.2', state: 'dead' });
    expect(hop(s, 'uplink')).toMatchObject({ count: 3, replies: 0, note: 'src 10.66.0.2 (not translated)' });
    expect(hop(s, 'bridge')).toMatchObject({ count: 3, replies: 0, note: 'src 10.66.0.2' });
    expect(v.verdict).toMatch(/left upq with the private source 10\.66\.0\.2/);
    expect(v.step).toBe('host.masquerade');
    expect(v.advice).toMatch(/confirms the diagnosis/);
    expect(diedOnHost(s)).toBe(false); // it died beyond the host: no trace
  });

  it('the same packets with every passive step passing: believe the capture', () => {
    const where = { ...WHERE['no-masquerade']!, passive: 'egress.ping' as const };
    const s = play(capturing('no-masquerade', where), [...packets('no-masquerade').map((packet): PathEvent => ({ type: 'packet', packet })), { type: 'ping-done', transmitted: 3, received: 0, error: null }, { type: 'finished', by: 'done' }]);
    expect(pathView(s).step).toBe('host.masquerade');
    expect(pathView(s).advice).toMatch(/believe the capture and look at host\.masquerade/);
  });

  it('healthy: translated to the uplink address, replies all the way back', () => {
    const s = play(capturing('healthy'), [...packets('healthy').map((packet): PathEvent => ({ type: 'packet', packet })), { type: 'ping-done', transmitted: 3, received: 3, error: null }, { type: 'finished', by: 'done' }]);
    const v = pathView(s);
    expect([v.sourceBefore, v.sourceAfter]).toEqual(['10.67.0.2', '203.0.113.2']);
    expect(hop(s, 'nat')).toMatchObject({ note: '10.67.0.2 -> 203.0.113.2', state: 'ok' });
    expect(v.hops.map((h) => [h.id, h.count, h.replies ?? null])).toEqual([
      ['namespace', 3, 3],
      ['veth', 3, 3],
      ['bridge', 3, 3],
      ['forward', null, null],
      ['nat', null, null],
      ['uplink', 3, 3],
    ]);
    expect(v.hops.every((h) => h.state === 'ok')).toBe(true);
    expect(v.step).toBeNull();
    expect(v.verdict).toMatch(/left upw as 203\.0\.113\.2 and 3 replies came back through brw/);
  });

  it('not forwarded: the bridge sees them, the uplink never does; the trace says who dropped them', () => {
    let s = play(capturing('forward-policy-drop'), [...packets('forward-policy-drop').map((packet): PathEvent => ({ type: 'packet', packet })), { type: 'ping-done', transmitted: 3, received: 0, error: null }]);
    expect(diedOnHost(s)).toBe(true);
    s = reducePath(s, { type: 'tracing' });
    expect(pathView(s)).toMatchObject({ running: true, verdict: null });
    expect(pathView(s).status).toMatch(/tracing who dropped them/);
    const drop: TraceDrop = { source: 'nft-trace', family: 'ip', table: 'filter', chain: 'FORWARD', kind: 'policy', verdict: 'drop', rule: null, handle: null, owner: null, direction: 'request', summary: "the ip filter FORWARD chain's policy (drop)" };
    s = play(s, [{ type: 'traced', drop, info: { ran: true, note: null, table: 'netdoctor-trace-1-1' } }, { type: 'finished', by: 'done' }]);
    const v = pathView(s);
    expect(hop(s, 'uplink')).toMatchObject({ count: 0, state: 'dead' });
    expect(hop(s, 'forward')).toMatchObject({ note: "dropped: the ip filter FORWARD chain's policy (drop)", state: 'dead' });
    expect(v.sourceAfter).toBeNull();
    expect(v.step).toBe('host.forward');
    expect(v.drop).toBe("the ip filter FORWARD chain's policy (drop)");
    expect(v.verdict).toMatch(/reached brc but none left upc/);
  });

  it('stopped by the user: no verdict from half a ping, and nothing changes afterwards', () => {
    const [first, ...rest] = packets('no-masquerade');
    let s = play(capturing('no-masquerade'), [{ type: 'packet', packet: first! }, { type: 'finished', by: 'user' }]);
    s = play(s, rest.map((packet): PathEvent => ({ type: 'packet', packet })));
    const v = pathView(s);
    expect(v.running).toBe(false);
    expect(v.verdict).toBeNull();
    expect(hop(s, 'veth').count).toBe(1);
    expect(v.status).toMatch(/stopped/);
  });

  it('unavailable: the reason and the remedy, as check says them', () => {
    const s = reducePath(initialPath(WHERE.healthy!), { type: 'unavailable', reason: 'the pcap addon cannot be loaded (x)', remedy: 'run scripts/setup.sh' });
    expect(pathView(s)).toMatchObject({ running: false, unavailable: { reason: 'the pcap addon cannot be loaded (x)', remedy: 'run scripts/setup.sh' } });
  });

  it('an uplink the worker could not open is not counted as zero', () => {
    const where = WHERE['no-masquerade']!;
    let s = reducePath(initialPath(where), { type: 'capturing', interfaces: [where.bridge] });
    s = play(s, [...packets('no-masquerade').filter((p) => p.role === 'bridge').map((packet): PathEvent => ({ type: 'packet', packet })), { type: 'ping-done', transmitted: 3, received: 0, error: null }, { type: 'finished', by: 'done' }]);
    expect(hop(s, 'uplink')).toMatchObject({ count: null, note: 'could not be watched' });
    expect(hop(s, 'veth')).toMatchObject({ count: null, note: 'not watched' });
    expect(pathView(s).verdict).toMatch(/none left an uplink/);
  });
});
