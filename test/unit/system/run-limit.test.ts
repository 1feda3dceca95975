// The runner bounds how many children run at once, and a queued command's timeout only starts
// when it is spawned: many diagnoses in one process never time out just from waiting.
import { describe, expect, it } from 'vitest';
import { MAX_CONCURRENT_CHILDREN, run } from '../../../src/system/run.js';

describe('run: bounded concurrency', () => {
  it(`runs at most ${MAX_CONCURRENT_CHILDREN} children at once, and times each from its spawn`, async () => {
    const n = MAX_CONCURRENT_CHILDREN * 4;
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: n }, () => run(['sleep', '0.5'], { timeoutMs: 1500 })));
    const elapsed = performance.now() - started;
    // Four waves of 0.5 s: at least 2 s, though each command's 1.5 s timeout is never hit.
    expect(elapsed).toBeGreaterThanOrEqual(1950);
    expect(results.filter((r) => r.timedOut)).toEqual([]);
    expect(results.every((r) => r.exitCode === 0)).toBe(true);
  });
});
