// `npm run hunt -- [--count N] [--seed S] [--concurrency C] [--probe-every K]`: build N random
// labs (seeds S..S+N-1) with one to three faults each, diagnose them with the built CLI and
// print the score. Exit 0 only at 100%. Needs root; everything happens in lab namespaces.
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { describeMiss, huntCases, runHunt } from '../test/support/hunt-run.js';
import { labDown } from '../src/lab/lab.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '4' },
    'probe-every': { type: 'string', default: '10' },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
const probeEvery = Number(values['probe-every']);
for (const [flag, v] of [['--count', count], ['--seed', seed], ['--concurrency', concurrency], ['--probe-every', probeEvery]] as const) {
  if (!Number.isInteger(v) || v < 0) {
    process.stderr.write(`hunt: ${flag} must be a non-negative integer\n`);
    process.exit(2);
  }
}

// Own prefix per run; labs are removed as each case ends, and on Ctrl-C.
const tag = `ndh${randomBytes(3).toString('hex')}`;
const prefixFor = (i: number) => `${tag}-${i}`;
const active = new Set<string>();
process.on('SIGINT', () => {
  process.stderr.write('\nhunt: interrupted, removing labs\n');
  void Promise.all([...active].map((p) => labDown(p).catch(() => undefined))).then(() => process.exit(130));
});

const started = performance.now();
let done = 0;
const cases = huntCases(seed, count, probeEvery);
cases.forEach((_, i) => active.add(prefixFor(i)));
const outcomes = await runHunt(cases, {
  concurrency,
  prefixFor,
  onOutcome: (o) => {
    active.delete(o.prefix);
    done++;
    if (o.problems.length) process.stdout.write(`MISS ${describeMiss(o)}\n`);
    else if (process.stderr.isTTY) process.stderr.write(`\r${done}/${count}`);
  },
});
const misses = outcomes.filter((o) => o.problems.length);
const hits = outcomes.length - misses.length;
const seconds = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(`\nhunt: ${hits}/${outcomes.length} correct (${((100 * hits) / Math.max(1, outcomes.length)).toFixed(1)}%), seeds ${seed}..${seed + count - 1}, ${seconds} s\n`);
process.exit(misses.length ? 1 : 0);
