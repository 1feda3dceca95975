// One diagnosis, end to end: gather facts and probe concurrently, then judge.
// This is the seam between the system side and the pure core that commands and the UI use.
import type { NetSnapshot } from '../model/snapshot.js';
import type { PingResult, Report } from '../model/result.js';
import { readRpFilterDrops, takeSnapshot, type SnapshotInput } from '../system/snapshot.js';
import { pingFromNamespace } from '../system/probe.js';
import { diagnose } from './diagnose.js';
import { judgeLive, type FactStage, type LiveReport } from './live.js';

export interface Diagnosed {
  snapshot: NetSnapshot;
  ping: PingResult | null;
  report: Report;
}

export async function runDiagnosis(input: SnapshotInput, opts: { probe: boolean }): Promise<Diagnosed> {
  // rp_filter drops show only in a counter: read it before the first echo request can leave.
  const rpBefore = opts.probe ? await readRpFilterDrops(input.hostNs) : null;
  // The ping takes longest (up to ~1.2 s when nothing answers): start it first.
  const pingP = opts.probe ? pingFromNamespace(input.ns, input.target) : Promise.resolve(null);
  const [snapshot, ping] = await Promise.all([takeSnapshot(input), pingP]);
  // Did rp_filter drop anything while the probe ran? (The counter is per namespace.)
  if (ping?.ran && snapshot.rpFilterDrops) {
    snapshot.rpFilterDrops = { before: rpBefore, after: await readRpFilterDrops(input.hostNs) };
  }
  // A namespace that does not exist was not probed, whatever ping said about entering it.
  const judgedPing = snapshot.container ? ping : ping && { ...ping, ran: false, error: `namespace ${input.ns} does not exist` };
  if (judgedPing && !judgedPing.ran && snapshot.container && judgedPing.error) snapshot.errors.push(`not probed: ${judgedPing.error}`);
  return { snapshot, ping: judgedPing, report: diagnose(snapshot, judgedPing) };
}

/**
 * The same diagnosis, reporting as it goes: `onUpdate` gets the checklist each time a stage
 * of facts arrives (first with every step running). Resolves with the same result as
 * runDiagnosis, and its last update is that full report.
 */
export async function runDiagnosisLive(input: SnapshotInput, opts: { probe: boolean }, onUpdate: (live: LiveReport) => void): Promise<Diagnosed> {
  const arrived = new Set<FactStage>();
  let partial: NetSnapshot | null = null;
  let ping: PingResult | null = null;
  const emit = () => onUpdate(judgeLive(partial, ping, arrived));
  emit();
  const pingP = (opts.probe ? pingFromNamespace(input.ns, input.target) : Promise.resolve(null)).then((p) => {
    ping = p;
    // Judged against a snapshot whose namespace is known to exist only once the links are in.
    if (partial && !arrived.has('ping')) {
      arrived.add('ping');
      if (!arrived.has('rules')) emit(); // with the rules in too, the final update follows
    }
    return p;
  });
  const snapshot = await takeSnapshot(input, (s) => {
    partial = s;
    arrived.add('links');
    if (ping || !opts.probe) arrived.add('ping');
    emit();
  });
  partial = snapshot;
  arrived.add('rules');
  if (!arrived.has('ping')) emit(); // netfilter is in; the ping may still be waiting for replies
  const p = await pingP;
  const judgedPing = snapshot.container ? p : p && { ...p, ran: false, error: `namespace ${input.ns} does not exist` };
  const report = diagnose(snapshot, judgedPing);
  onUpdate({ steps: report.steps, report });
  return { snapshot, ping: judgedPing, report };
}
