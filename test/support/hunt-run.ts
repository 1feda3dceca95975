// Runs hunt cases for real: builds each generated lab (in-process, through src/lab), diagnoses
// it with the BUILT CLI (`check --json`), grades the report and always removes the lab again.
// Shared by the integration test and `npm run hunt`.
import { fileURLToPath } from 'node:url';
import { labDown, labUp } from '../../src/lab/lab.js';
import { listScenarios } from '../../src/lab/scenario.js';
import { TARGET_IP } from '../../src/lab/topology.js';
import { faultCatalogue, generateCase, gradeReport, type Fault, type HuntCase } from '../../src/lab/hunt.js';
import type { Report } from '../../src/model/result.js';
import { run } from '../../src/system/run.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface HuntOutcome {
  case: HuntCase;
  prefix: string;
  problems: string[];
  durationMs: number;
}

export function huntCatalogue(): Fault[] {
  return faultCatalogue(listScenarios());
}

/**
 * Cases for seeds start..start+count-1; every `probeEvery`-th one also pings, and every other
 * one with a fault only the probe proves (rp_filter): those are graded both ways.
 */
export function huntCases(start: number, count: number, probeEvery: number, catalogue = huntCatalogue()): HuntCase[] {
  const byProbe = new Set(catalogue.filter((f) => f.diagnosedByProbe).map((f) => f.id));
  let seen = 0;
  return Array.from({ length: count }, (_, i) => {
    const c = generateCase(start + i, catalogue, { probe: probeEvery > 0 && i % probeEvery === 0 });
    if (probeEvery > 0 && c.faults.some((f) => byProbe.has(f)) && seen++ % 2 === 0) c.probe = true;
    return c;
  });
}

function parse(stdout: string): Report | null {
  try {
    return JSON.parse(stdout) as Report;
  } catch {
    return null;
  }
}

export async function runCase(c: HuntCase, prefix: string, catalogue: Fault[]): Promise<HuntOutcome> {
  const started = performance.now();
  const problems: string[] = [];
  try {
    const lab = await labUp(c.scenario, { ...c.options, prefix });
    const args = ['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET_IP, '--json'];
    if (!c.probe) args.push('--no-probe');
    const r = await run(['node', CLI, ...args], { timeoutMs: 60_000 });
    problems.push(...gradeReport(c, catalogue, parse(r.stdout), r.exitCode));
    if (problems.length && r.stderr.trim()) problems.push(`stderr: ${r.stderr.trim().slice(0, 300)}`);
  } catch (err) {
    problems.push(`lab could not be built: ${(err as Error).message}`);
  } finally {
    await labDown(prefix, { ns: c.options.ns ?? 'ns0' }).catch((err: Error) => problems.push(`lab down failed: ${err.message}`));
  }
  return { case: c, prefix, problems, durationMs: Math.round(performance.now() - started) };
}

/** Run cases with at most `concurrency` labs at once. `prefixFor(i)` names lab i. */
export async function runHunt(
  cases: HuntCase[],
  opts: { concurrency: number; prefixFor: (i: number) => string; onOutcome?: (o: HuntOutcome) => void },
): Promise<HuntOutcome[]> {
  const catalogue = huntCatalogue();
  const outcomes: HuntOutcome[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const c = cases[i];
      if (!c) return;
      const o = await runCase(c, opts.prefixFor(i), catalogue);
      outcomes[i] = o;
      opts.onOutcome?.(o);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
  return outcomes;
}

/** One line per case that missed, for messages and the script. */
export function describeMiss(o: HuntOutcome): string {
  const opt = o.case.options;
  return [
    `seed ${o.case.seed}: ${o.case.faults.join(' + ')}${o.case.probe ? ' (probed)' : ''}`,
    `  lab: --ns ${opt.ns} --bridge ${opt.bridge} --veth-host ${opt.vethHost} --veth-ns ${opt.vethNs} --uplink ${opt.uplink} --subnet ${opt.subnet}`,
    ...o.problems.map((p) => `  - ${p}`),
  ].join('\n');
}
