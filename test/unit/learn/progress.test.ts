// Progress: ticks in the order they happen, out-of-order marked, undone steps unticked,
// completion once; and "what changed" between two worlds.
import { describe, expect, it } from 'vitest';
import { describeChanges } from '../../../src/learn/changes.js';
import { judge } from '../../../src/learn/judge.js';
import { advance, currentStep, doneCount, newProgress, tickedInLessonOrder, type LearnEvent, type Progress } from '../../../src/learn/progress.js';
import { observation, type Stage } from './fixtures.js';

const t0 = new Date('2026-01-01T00:00:00Z');

function walk(stages: Stage[]): { progress: Progress; events: LearnEvent[] } {
  let progress = newProgress('w', t0);
  const events: LearnEvent[] = [];
  stages.forEach((stage, i) => {
    const o = observation(stage);
    const r = advance(progress, judge(o.snapshot, o.ping, true), [], new Date(t0.getTime() + i * 1000));
    progress = r.progress;
    events.push(...r.events);
  });
  return { progress, events };
}

describe('advance', () => {
  it('ticks every step once, in order, then completes', () => {
    const { progress, events } = walk(['empty', 'veth-not-moved', 'no-default-route', 'no-forward', 'no-masquerade', 'complete']);
    const ticks = events.filter((e) => e.kind === 'tick');
    expect(ticks).toHaveLength(15);
    expect(ticks.map((e) => (e.kind === 'tick' ? e.order : 0))).toEqual([...Array(15).keys()].map((i) => i + 1));
    expect(ticks.some((e) => e.kind === 'tick' && e.outOfOrder)).toBe(false);
    expect(events.at(-1)?.kind).toBe('complete');
    expect(progress.completedAt).not.toBeNull();
    expect(currentStep(progress, null)).toBeNull();
  });

  it('marks steps that hold before earlier ones as out of order, and keeps showing the first missing step', () => {
    const { progress, events } = walk(['out-of-order']);
    expect(events.map((e) => (e.kind === 'tick' ? [e.step, e.outOfOrder] : e.kind))).toEqual([
      ['ip-forward', true],
      ['masquerade', true],
    ]);
    const o = observation('out-of-order');
    expect(currentStep(progress, judge(o.snapshot, o.ping, true))).toBe('netns');
    expect(doneCount(progress, judge(o.snapshot, o.ping, true))).toBe(2);
  });

  it('unticks a step whose fact is gone (the learner undid it)', () => {
    const { events } = walk(['out-of-order', 'veth-not-moved']);
    expect(events.filter((e) => e.kind === 'untick').map((e) => (e.kind === 'untick' ? e.step : ''))).toEqual(['ip-forward', 'masquerade']);
  });

  it('tickedInLessonOrder lists what to rebuild in a fresh world', () => {
    const { progress } = walk(['out-of-order', 'no-default-route']);
    expect(tickedInLessonOrder(progress)).toEqual(['netns', 'bridge', 'bridge-up', 'bridge-address', 'veth', 'veth-move', 'veth-attach', 'veth-up', 'ns-loopback', 'ns-link-up', 'ns-address']);
  });
});

describe('describeChanges', () => {
  it('names what a command did, as ip and iptables would', () => {
    const a = observation('no-default-route').snapshot;
    const b = observation('no-forward').snapshot;
    expect(describeChanges(a, b)).toEqual(['+ route default via 192.168.0.1 dev ceth0 in ns0']);
    const c = observation('no-masquerade').snapshot;
    expect(describeChanges(b, c)).toContain('~ net.ipv4.ip_forward: 0 -> 1');
    const d = observation('complete').snapshot;
    expect(describeChanges(c, d)).toEqual(['+ rule iptables-nft ip nat POSTROUTING: -A POSTROUTING -s 192.168.0.0/16 -j MASQUERADE']);
  });

  it('a moved veth end leaves the host and appears in ns0', () => {
    const changes = describeChanges(observation('veth-not-moved').snapshot, observation('no-default-route').snapshot);
    expect(changes).toContain('- link ceth0');
    expect(changes.some((c) => c.startsWith('+ link ceth0 (veth') && c.endsWith('in ns0'))).toBe(true);
    expect(describeChanges(null, observation('empty').snapshot)).toEqual([]);
  });
});
