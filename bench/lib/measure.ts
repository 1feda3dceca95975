// Timing and peak memory of whole processes. Every process goes through src/system/run.ts
// (argv arrays, timeouts); the wall time is taken around it here, with sub-millisecond
// resolution, so both sides of a comparison pay the same spawn overhead.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type RunResult } from '../../src/system/run.js';

export interface Timed {
  ms: number;
  result: RunResult;
}

export async function timed(argv: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Timed> {
  const started = performance.now();
  const result = await run(argv, { timeoutMs: opts.timeoutMs ?? 60_000, env: opts.env });
  return { ms: performance.now() - started, result };
}

const GNU_TIME = '/usr/bin/time';

export function canMeasureMemory(): boolean {
  return existsSync(GNU_TIME);
}

export interface TimedWithMemory extends Timed {
  /** Peak resident set size of the process (GNU time's %M), in MiB. */
  maxRssMiB: number | null;
}

/** Wall time and peak RSS (through GNU time, which reads the child's rusage). */
export async function timedWithMemory(argv: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<TimedWithMemory> {
  if (!canMeasureMemory()) return { ...(await timed(argv, opts)), maxRssMiB: null };
  const dir = mkdtempSync(join(tmpdir(), 'ndbench-'));
  const out = join(dir, 'rss');
  try {
    const t = await timed([GNU_TIME, '-f', '%M', '-o', out, ...argv], opts);
    const kib = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
    return { ...t, maxRssMiB: Number.isFinite(kib) && kib > 0 ? kib / 1024 : null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Throws with the process's stderr unless it exited with one of `codes`. */
export function expectExit(t: Timed, codes: number[], what: string): Timed {
  if (t.result.exitCode === null || !codes.includes(t.result.exitCode)) {
    const err = t.result.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${what}: exit ${t.result.exitCode}${t.result.timedOut ? ' (timed out)' : ''}: ${err}`);
  }
  return t;
}
