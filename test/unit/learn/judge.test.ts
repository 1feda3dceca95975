// The judge on recorded worlds: which lesson steps hold at each point of the tutorial.
import { describe, expect, it } from 'vitest';
import { fingerprint, judge, type Judgement } from '../../../src/learn/judge.js';
import { LESSON_STEP_IDS, type LessonStepId } from '../../../src/learn/lesson.js';
import { observation, type Stage } from './fixtures.js';

function holding(j: Judgement): LessonStepId[] {
  return LESSON_STEP_IDS.filter((id) => j[id].state === 'holds');
}

const upTo = (last: LessonStepId) => LESSON_STEP_IDS.slice(0, LESSON_STEP_IDS.indexOf(last) + 1);

describe('judge (recorded lab worlds)', () => {
  it.each<[Stage, LessonStepId[]]>([
    ['empty', []],
    ['veth-not-moved', upTo('veth')],
    ['no-default-route', upTo('ns-address')],
    ['no-forward', upTo('default-route')],
    ['no-masquerade', upTo('ip-forward')],
    ['complete', [...LESSON_STEP_IDS]],
  ])('%s: exactly the steps done so far hold', (stage, expected) => {
    const o = observation(stage);
    expect(holding(judge(o.snapshot, o.ping, true))).toEqual(expected);
  });

  it('steps done out of order are recognised on their own facts', () => {
    const o = observation('out-of-order');
    expect(holding(judge(o.snapshot, o.ping, true))).toEqual(['ip-forward', 'masquerade']);
  });

  it('explains what is missing in the tutorial\'s terms', () => {
    const o = observation('veth-not-moved');
    const j = judge(o.snapshot, o.ping, true);
    expect(j['veth-move'].detail).toBe('ceth0 is still on the host');
    expect(j['veth-attach'].detail).toBe('veth0: master none');
    expect(j.ping.detail).toBe('ping: connect: Network is unreachable');
    const n = observation('no-masquerade');
    expect(judge(n.snapshot, n.ping, true).masquerade.detail).toContain("nothing in nat POSTROUTING rewrites 192.168.0.2's packets");
  });

  it('a stale ping leaves the ping step unknown, never ticked', () => {
    const o = observation('complete');
    expect(judge(o.snapshot, o.ping, false).ping.state).toBe('unknown');
    expect(judge(o.snapshot, null, true).ping.state).toBe('unknown');
    expect(judge(o.snapshot, o.ping, true).ping.state).toBe('holds');
  });

  it('a /24 on br0 is not the tutorial\'s step, and says so', () => {
    const o = observation('complete');
    const snap = structuredClone(o.snapshot);
    const br = snap.host.links.find((l) => l.name === 'br0')!;
    br.addrs = br.addrs.map((a) => (a.family === 'inet' ? { ...a, prefixlen: 24 } : a));
    const j = judge(snap, o.ping, true);
    expect(j['bridge-address'].state).toBe('missing');
    expect(j['bridge-address'].detail).toContain('the tutorial gives it 192.168.0.1/16');
  });

  it('fingerprint ignores the time a snapshot was taken and what moves by itself (conntrack, neighbours, drop counters), not the configuration', () => {
    const o = observation('complete');
    expect(fingerprint({ ...o.snapshot, takenAt: 'later' })).toBe(fingerprint(o.snapshot));
    // A ping adds a conntrack entry; neighbour entries age: neither is a change to the world.
    const pinged = structuredClone(o.snapshot);
    pinged.conntrack = { available: true, entries: [{ protocol: 'icmp', orig: { src: '192.168.0.2', dst: '198.51.100.8' }, reply: { src: '198.51.100.8', dst: '203.0.113.2' }, timeout: 29 }] } as unknown as typeof pinged.conntrack;
    pinged.host.neighbours = [{ dev: 'br0', dst: '192.168.0.2', state: ['STALE'] }] as unknown as typeof pinged.host.neighbours;
    pinged.rpFilterDrops = { before: 1, after: 2 };
    expect(fingerprint(pinged)).toBe(fingerprint(o.snapshot));
    const s = structuredClone(o.snapshot);
    s.host.sysctls['net.ipv4.ip_forward'] = '0';
    expect(fingerprint(s)).not.toBe(fingerprint(o.snapshot));
  });
});
