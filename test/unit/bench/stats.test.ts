// The bench's pure helpers: statistics, growth, verdicts, the table, alternation, lab strays.
import { describe, expect, it } from 'vitest';
import {
  alternate,
  failedRow,
  formatValue,
  growth,
  measured,
  median,
  notAvailable,
  ratio,
  renderTable,
  summarize,
  fitGrowth,
} from '../../../bench/lib/stats.js';
import { benchStrays } from '../../../bench/lib/labs.js';
import { benchRule, benchRules } from '../../../bench/lib/rules.js';
import { parseIptablesSave } from '../../../src/netfilter/iptables-save.js';

describe('median', () => {
  it('takes the middle of an odd count and the mean of the two middles of an even one', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
  it('ignores outliers and leaves its input alone', () => {
    const xs = [10, 11, 900, 12, 9];
    expect(median(xs)).toBe(11);
    expect(xs).toEqual([10, 11, 900, 12, 9]);
  });
  it('refuses no samples', () => {
    expect(() => median([])).toThrow(/no samples/);
  });
});

describe('ratio', () => {
  it('divides, and refuses a zero or negative floor', () => {
    expect(ratio(90, 45)).toBe(2);
    expect(() => ratio(1, 0)).toThrow(/positive/);
    expect(() => ratio(1, -3)).toThrow(/positive/);
  });
});

describe('growth', () => {
  it('is 2x per doubling (exponent 1) for linear growth', () => {
    const g = growth(50, 100, 200, 400);
    expect(g.exponent).toBeCloseTo(1);
    expect(g.perDoubling).toBeCloseTo(2);
  });
  it('is 4x per doubling for quadratic growth and ~1x for a constant', () => {
    expect(growth(10, 1, 20, 4).perDoubling).toBeCloseTo(4);
    expect(growth(10, 80, 200, 80).perDoubling).toBeCloseTo(1);
  });
  it('sees a constant cost plus linear work as better than linear', () => {
    // 60 ms of startup plus 1 ms per namespace.
    const y = (n: number) => 60 + n;
    expect(growth(50, y(50), 200, y(200)).perDoubling).toBeLessThan(2);
  });
  it('refuses points that cannot define growth', () => {
    expect(() => growth(0, 1, 2, 2)).toThrow();
    expect(() => growth(4, 1, 2, 2)).toThrow();
    expect(() => growth(1, 0, 2, 2)).toThrow();
  });
  it('fitGrowth fits the exponent over every point', () => {
    const pts = (f: (n: number) => number) => [1, 10, 50, 200].map((x) => ({ x, y: f(x) }));
    expect(fitGrowth(pts((n) => 3 * n))!.perDoubling).toBeCloseTo(2);
    expect(fitGrowth(pts((n) => n * n))!.exponent).toBeCloseTo(2);
    expect(fitGrowth(pts(() => 80))!.perDoubling).toBeCloseTo(1);
    // A fixed startup cost plus linear work fits below linear.
    expect(fitGrowth(pts((n) => 60 + n))!.perDoubling).toBeLessThan(2);
    // One noisy point moves a fit less than it moves that step.
    const noisy = [{ x: 1250, y: 480 }, { x: 2500, y: 388 }, { x: 5000, y: 837 }, { x: 10000, y: 1480 }];
    expect(growth(2500, 388, 5000, 837).perDoubling).toBeGreaterThan(fitGrowth(noisy)!.perDoubling);
    expect(fitGrowth([{ x: 1, y: 1 }])).toBeNull();
    expect(() => fitGrowth([{ x: 2, y: 1 }, { x: 2, y: 3 }])).toThrow();
  });
});

describe('rows and verdicts', () => {
  it('passes or fails a measured row on its target, with < strict and <= inclusive', () => {
    expect(measured('a', 'A', 2.0, 'x', { op: '<=', value: 2.0 }).verdict).toBe('pass');
    expect(measured('a', 'A', 2.01, 'x', { op: '<=', value: 2.0 }).verdict).toBe('fail');
    expect(measured('a', 'A', 3, 's', { op: '<', value: 3 }).verdict).toBe('fail');
    expect(measured('a', 'A', 12, 'ms', null).verdict).toBe('info');
  });
  it('never invents a figure for what is not available, and counts failures to measure as misses', () => {
    const na = notAvailable('x', 'X', 's', { op: '<=', value: 0.3 });
    expect(na).toMatchObject({ value: null, verdict: 'na', note: 'not available in this build' });
    expect(failedRow('y', 'Y', 's', { op: '<=', value: 1 }, 'boom').verdict).toBe('fail');
    const sum = summarize([na, measured('p', 'P', 1, 'x', { op: '<=', value: 2 }), failedRow('y', 'Y', 's', { op: '<=', value: 1 }, 'boom')]);
    expect(sum).toEqual({ pass: 1, fail: 1, na: 1, allMet: false });
  });
  it('formats values by unit', () => {
    expect(formatValue(3.456, 'ms')).toBe('3.5 ms');
    expect(formatValue(123.6, 'ms')).toBe('124 ms');
    expect(formatValue(0.3141, 's')).toBe('0.31 s');
    expect(formatValue(115.24, 'MiB')).toBe('115.2 MiB');
    expect(formatValue(1.999, 'x')).toBe('2.00x');
    expect(formatValue(null, 's')).toBe('-');
  });
});

describe('renderTable', () => {
  it('aligns every column under its header and shows target and verdict', () => {
    const out = renderTable([
      measured('passive.ratio', 'passive check / floor', 2.5, 'x', { op: '<=', value: 2 }),
      measured('active.healthy', 'active check, healthy lab', 0.31, 's', { op: '<=', value: 0.5 }, { note: 'median of 5' }),
      notAvailable('learn.tick', 'learn', 'ms', { op: '<=', value: 200 }),
    ]);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^figure\s+measured\s+target\s+result\s+note$/);
    expect(lines[2]).toMatch(/^passive check \/ floor\s+2\.50x\s+<= 2\.00x\s+FAIL$/);
    expect(lines[3]).toMatch(/0\.31 s\s+<= 0\.50 s\s+pass\s+median of 5$/);
    expect(lines[4]).toMatch(/^learn\s+-\s+<= 200 ms\s+n\/a\s+not available in this build$/);
    const col = lines[0]!.indexOf('measured');
    for (const l of lines.slice(2)) expect(l[col - 1]).toBe(' ');
    expect(lines[2]!.indexOf('2.50x')).toBe(col);
  });
});

describe('alternate', () => {
  it('interleaves the subjects and swaps their order every repetition', async () => {
    const order: string[] = [];
    const s = await alternate(4, {
      a: async () => (order.push('a'), 1),
      b: async () => (order.push('b'), 2),
    });
    expect(order).toEqual(['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
    expect(s).toEqual({ a: [1, 1, 1, 1], b: [2, 2, 2, 2] });
  });
});

describe('benchStrays', () => {
  it("takes only the named runs' bench namespaces and state files, never anything else", () => {
    const names = ['ndbabcwxyz-host', 'ndbabcwxyz-s12', 'ndbabcwxyz.json', 'ndblivwxyz-c0', 'ndbdeadwxyz-inet', 'ndtabc1234-host', 'ns0', 'ndb', 'ndbabc-host', 'ndbackupx-keep', 'xndbabcwxyz-host'];
    expect(benchStrays(names, new Set(['abc']))).toEqual(['ndbabcwxyz-host', 'ndbabcwxyz-s12', 'ndbabcwxyz.json']);
    expect(benchStrays(names, new Set())).toEqual([]);
  });
  it("never takes a user's namespace that merely starts with ndb", () => {
    expect(benchStrays(['ndbackups-prod', 'ndb-x', 'ndbabcwxyzq-host'], new Set(['ack', 'abc']))).toEqual([]);
    // The right shape is still taken only when its run was recorded.
    expect(benchStrays(['ndbackupx-prod'], new Set(['xyz']))).toEqual([]);
  });
});

describe('bench rules', () => {
  it('parses back as one chain of exactly the requested rules, jumped to from FORWARD once', () => {
    // restore --noflush adds to the existing FORWARD chain; a save would declare it.
    const first = parseIptablesSave(benchRules(0, 100).replace('*filter\n', '*filter\n:FORWARD ACCEPT [0:0]\n'), 'iptables-nft');
    const filter = first.tables.find((t) => t.name === 'filter');
    const bench = filter?.chains.find((c) => c.name === 'NDBENCH');
    expect(first.errors).toEqual([]);
    expect(bench?.rules).toHaveLength(100);
    expect(benchRules(100, 150)).not.toMatch(/-A FORWARD|:NDBENCH/);
  });
  it('only ever matches sources in 100.64.0.0/10', () => {
    for (const i of [0, 1, 2, 3, 255, 256, 9999, 65536]) expect(benchRule(i)).toMatch(/-s 100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.\d+\.\d+\/32 /);
  });
});
