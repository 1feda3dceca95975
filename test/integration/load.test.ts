// Load: 50 diagnoses at once against 50 random multi-fault labs (hunt cases, all probed with a
// real ping). Every report must be right, and afterwards nothing may be left: no process in any
// lab namespace or naming a lab, no file descriptor in this process, no rule or table the
// diagnosis created, no namespace or state file once the labs are down.
import { isLabResolver } from '../../src/lab/lab-dns.js';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'vitest';
import { runDiagnosis } from '../../src/diagnosis/run-diagnosis.js';
import { labDown, labUp, type LabInfo } from '../../src/lab/lab.js';
import { gradeReport } from '../../src/lab/hunt.js';
import { TARGET_IP } from '../../src/lab/topology.js';
import type { Report } from '../../src/model/result.js';
import { run } from '../../src/system/run.js';
import { CLI, huntCases, huntCatalogue } from '../support/hunt-run.js';
import { LAB_STATE_DIR, integrationSkipReason, namespacesOf, uniquePrefix } from './helpers.js';

const LABS = 50;

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() || '?';
  } catch {
    return 'gone';
  }
}
const skip = integrationSkipReason();

async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
    }),
  );
  return out;
}

/** What a diagnosis must not change on the lab's host side: rules, tables, forwarding. */
async function hostState(lab: LabInfo): Promise<string> {
  const ns = lab.names.hostNs;
  const parts = await Promise.all([
    // -s: without counters, which the pings move.
    run(['nft', '-s', 'list', 'ruleset'], { ns }),
    run(['cat', '/proc/net/ip_tables_names'], { ns }),
    run(['sysctl', '-n', 'net.ipv4.ip_forward'], { ns }),
    run(['ip', '-n', ns, '-br', 'link']),
  ]);
  // Link names, flags and addresses only: the kernel moves operstate (UNKNOWN/UP/DOWN) by itself,
  // and carrier with it (a bridge whose ports lose carrier shows NO-CARRIER a moment later).
  parts[3]!.stdout = parts[3]!.stdout
    .split('\n')
    .map((l) => l.split(/\s+/).filter((_, i) => i !== 1).join(' ').replace(/NO-CARRIER,|,LOWER_UP/g, ''))
    .join('\n');
  return parts.map((p) => p.stdout).join('\n--\n');
}

function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

describe.skipIf(skip !== null)('load', () => {
  it(`${LABS} diagnoses in parallel against ${LABS} labs: all correct, nothing leaked`, { timeout: 600_000 }, async ({ expect }) => {
    const catalogue = huntCatalogue();
    const cases = huntCases(10_001, LABS, 1, catalogue);
    const prefixes = cases.map(() => uniquePrefix());
    const labs: (LabInfo | null)[] = new Array(LABS).fill(null);
    try {
      await pool(cases, 8, async (c, i) => {
        labs[i] = await labUp(c.scenario, { ...c.options, prefix: prefixes[i]! });
      });
      const built = labs as LabInfo[];
      const before = await pool(built, 8, hostState);

      // 50 CLI processes at once, each with a real ping.
      const results = await Promise.all(
        built.map((lab) =>
          run(['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET_IP, '--json'], { timeoutMs: 120_000 }),
        ),
      );
      const misses = results.flatMap((r, i) => {
        let report: Report | null = null;
        try {
          report = JSON.parse(r.stdout) as Report;
        } catch {
          report = null;
        }
        const problems = gradeReport(cases[i]!, catalogue, report, r.exitCode);
        return problems.length ? [`seed ${cases[i]!.seed} (${cases[i]!.faults.join(' + ')}): ${problems.join('; ')}${r.stderr ? ` [stderr: ${r.stderr.trim().slice(0, 200)}]` : ''}`] : [];
      });
      expect(misses.join('\n'), `${LABS - misses.length}/${LABS} correct`).toBe('');

      // The core in this process, 50 at once: every child's pipes are closed afterwards.
      const fdsBefore = fdCount();
      const inProcess = await Promise.all(
        built.map((lab) => runDiagnosis({ ns: lab.names.containerNs, hostNs: lab.names.hostNs, bridge: null, target: TARGET_IP }, { probe: true })),
      );
      inProcess.forEach((d, i) => expect(gradeReport(cases[i]!, catalogue, d.report, d.report.diagnosis ? 1 : 0), `in-process seed ${cases[i]!.seed}: ${d.snapshot.errors.join('; ')}`).toEqual([]));
      await new Promise((r) => setTimeout(r, 200));
      expect(fdCount(), 'file descriptors of this process after 50 in-process diagnoses').toBeLessThanOrEqual(fdsBefore);

      // Diagnosis changed nothing: same rules, tables (reading never creates one), forwarding, links.
      const after = await pool(built, 8, hostState);
      after.forEach((s, i) => expect(s, `host side of lab ${prefixes[i]}`).toBe(before[i]));

      // No process left inside any lab namespace (a ping, a capture worker) or naming a lab;
      // the lab's own resolver (started by lab up, ended by lab down) belongs there.
      const inside = await pool(built, 8, async (lab) => {
        const lists = await Promise.all([lab.names.hostNs, lab.names.containerNs, lab.names.inetNs].map((ns) => run(['ip', 'netns', 'pids', ns])));
        const pids = lists.flatMap((l) => l.stdout.split(/\s+/).filter(Boolean));
        const others: string[] = [];
        // With what each one runs, so a failure says what was left.
        for (const p of pids) if (!(await isLabResolver(Number(p)))) others.push(`${p} (${cmdline(p)})`);
        return others.join(' ');
      });
      expect(inside.filter(Boolean), 'processes inside lab namespaces').toEqual([]);
      const named = await run(['pgrep', '-af', prefixes.map((p) => p.slice(0, -4)).filter((p, i, a) => a.indexOf(p) === i).join('|')]);
      expect(named.stdout.split('\n').filter((l) => l && !l.includes('pgrep')), 'processes naming a lab').toEqual([]);
    } finally {
      await pool(prefixes, 8, (p, i) => labDown(p, { ns: cases[i]!.options.ns ?? 'ns0' }).catch(() => undefined));
    }
    for (const p of prefixes) {
      expect(namespacesOf(p), `namespaces of ${p}`).toEqual([]);
      expect(existsSync(`${LAB_STATE_DIR}/${p}.json`), `state file of ${p}`).toBe(false);
    }
  });
});
