// The random fault hunt: 200 labs, each with one to three faults from the scenario catalogue
// combined, random names, subnet and uplink (fixed seeds, so a miss is reproducible with
// `npm run hunt -- --count 1 --seed N`), diagnosed by the built CLI and graded against the
// ground truth (src/lab/hunt.ts). Every 10th lab is also probed with a real ping.
import { describe, it } from 'vitest';
import { describeMiss, huntCases, runHunt } from '../support/hunt-run.js';
import { integrationSkipReason, uniquePrefix } from './helpers.js';

const COUNT = Number(process.env.NETDOCTOR_HUNT_COUNT ?? 200);
const SEED = Number(process.env.NETDOCTOR_HUNT_SEED ?? 1);
// Modest: the machine is shared; each lab mostly waits on the kernel.
const CONCURRENCY = 6;

const skip = integrationSkipReason();

describe.skipIf(skip !== null)('random fault hunt', () => {
  it(`diagnoses ${COUNT} random multi-fault labs correctly`, { timeout: 900_000 }, async ({ expect }) => {
    const cases = huntCases(SEED, COUNT, 10);
    const prefixes = cases.map(() => uniquePrefix());
    const outcomes = await runHunt(cases, { concurrency: CONCURRENCY, prefixFor: (i) => prefixes[i]! });
    const misses = outcomes.filter((o) => o.problems.length);
    const score = `${outcomes.length - misses.length}/${outcomes.length}`;
    process.stderr.write(`hunt: ${score} correct\n`);
    expect(misses.map(describeMiss).join('\n'), `hunt score ${score}`).toBe('');
    // The hunt exercised what it claims to: several faults per lab, probes, every fault.
    expect(cases.filter((c) => c.faults.length > 1).length).toBeGreaterThan(COUNT / 3);
    expect(cases.filter((c) => c.probe).length).toBeGreaterThanOrEqual(Math.floor(COUNT / 10));
    // rp_filter behind an asymmetric upstream: graded with the probe (fail) and without (warn).
    const rp = cases.filter((c) => c.faults.includes('rp-filter-second-uplink'));
    if (COUNT >= 100) expect([rp.some((c) => c.probe), rp.some((c) => !c.probe)]).toEqual([true, true]);
  });
});
