// Pure helpers of the bench: statistics over samples, judging a figure against its target, and
// rendering the results table. No I/O here, so they are unit-tested (test/unit/bench).

export type Unit = 'ms' | 's' | 'MiB' | 'x';

export interface Target {
  op: '<=' | '<';
  value: number;
}

/** 'na': the feature is not in this build; 'info': a figure shown for context, no target. */
export type Verdict = 'pass' | 'fail' | 'info' | 'na';

export interface BenchRow {
  id: string;
  label: string;
  /** null when not measured (not available, or the measurement failed). */
  value: number | null;
  unit: Unit;
  target: Target | null;
  verdict: Verdict;
  /** Why a row is n/a, how a figure was computed, or what went wrong. */
  note?: string;
  samples?: number[];
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no samples');
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** a / b, refusing a zero or negative denominator (a floor of 0 ms is a broken measurement). */
export function ratio(a: number, b: number): number {
  if (!(b > 0)) throw new Error(`ratio: denominator must be positive, got ${b}`);
  return a / b;
}

/**
 * How y grows with x between two points, as the exponent k of y ~ x^k (1 = linear, 2 =
 * quadratic) and the factor y grows by when x doubles (2^k; 2.0 = linear).
 */
export function growth(x1: number, y1: number, x2: number, y2: number): { exponent: number; perDoubling: number } {
  if (!(x1 > 0 && x2 > x1)) throw new Error(`growth: need 0 < x1 < x2, got ${x1}, ${x2}`);
  if (!(y1 > 0 && y2 > 0)) throw new Error(`growth: need positive y, got ${y1}, ${y2}`);
  const exponent = Math.log(y2 / y1) / Math.log(x2 / x1);
  return { exponent, perDoubling: 2 ** exponent };
}

/**
 * Growth over a whole series: the least-squares slope k of log y against log x (y ~ x^k),
 * and the factor per doubling (2^k; 2.0 = linear). A fit over every point is steadier than any
 * single step on a machine whose load drifts.
 */
export function fitGrowth(points: readonly { x: number; y: number }[]): { exponent: number; perDoubling: number } | null {
  if (points.length < 2) return null;
  for (const p of points) if (!(p.x > 0 && p.y > 0)) throw new Error(`fitGrowth: need positive x and y, got ${p.x}, ${p.y}`);
  const lx = points.map((p) => Math.log(p.x));
  const ly = points.map((p) => Math.log(p.y));
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i]! - mx) * (ly[i]! - my);
    den += (lx[i]! - mx) ** 2;
  }
  if (den === 0) throw new Error('fitGrowth: need at least two different x');
  const exponent = num / den;
  return { exponent, perDoubling: 2 ** exponent };
}

export function meets(value: number, target: Target): boolean {
  return target.op === '<=' ? value <= target.value : value < target.value;
}

/** A measured row: the verdict follows from its value and target. */
export function measured(id: string, label: string, value: number, unit: Unit, target: Target | null, extra: { note?: string; samples?: number[] } = {}): BenchRow {
  return { id, label, value, unit, target, verdict: target ? (meets(value, target) ? 'pass' : 'fail') : 'info', ...extra };
}

/** A row for a figure this build cannot produce: shown, never faked. */
export function notAvailable(id: string, label: string, unit: Unit, target: Target | null, note = 'not available in this build'): BenchRow {
  return { id, label, value: null, unit, target, verdict: 'na', note };
}

/** A row whose measurement went wrong: a failure, with the reason. */
export function failedRow(id: string, label: string, unit: Unit, target: Target | null, note: string): BenchRow {
  return { id, label, value: null, unit, target, verdict: target ? 'fail' : 'info', note };
}

export function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return '-';
  switch (unit) {
    case 'ms':
      return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
    case 's':
      return `${value.toFixed(2)} s`;
    case 'MiB':
      return `${value.toFixed(1)} MiB`;
    case 'x':
      return `${value.toFixed(2)}x`;
  }
}

export function formatTarget(target: Target | null, unit: Unit): string {
  return target ? `${target.op} ${formatValue(target.value, unit)}` : '';
}

const VERDICT_TEXT: Record<Verdict, string> = { pass: 'pass', fail: 'FAIL', info: '', na: 'n/a' };

/** A plain-text table: figure, measured value, target, verdict, note. */
export function renderTable(rows: readonly BenchRow[]): string {
  const header = ['figure', 'measured', 'target', 'result', 'note'];
  const lines = rows.map((r) => [r.label, formatValue(r.value, r.unit), formatTarget(r.target, r.unit), VERDICT_TEXT[r.verdict], r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n') + '\n';
}

/** pass/fail/na counts, and whether every target that could be measured was met. */
export function summarize(rows: readonly BenchRow[]): { pass: number; fail: number; na: number; allMet: boolean } {
  const count = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  return { pass: count('pass'), fail: count('fail'), na: count('na'), allMet: count('fail') === 0 };
}

/**
 * Run measurements alternately, `reps` times, swapping the order every repetition so neither
 * side always runs first (on a shared machine, load drifts; alternation spreads it evenly).
 */
export async function alternate<K extends string>(reps: number, subjects: Record<K, () => Promise<number>>): Promise<Record<K, number[]>> {
  const keys = Object.keys(subjects) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < reps; i++) {
    const order = i % 2 === 0 ? keys : [...keys].reverse();
    for (const k of order) samples[k].push(await subjects[k]());
  }
  return samples;
}
