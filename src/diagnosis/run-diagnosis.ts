// One diagnosis, end to end: gather facts and probe concurrently, then judge.
// This is the seam between the system side and the pure core that commands and the UI use.
import type { NetSnapshot } from '../model/snapshot.js';
import type { PingResult, Report } from '../model/result.js';
import { readRpFilterDrops, takeSnapshot, type SnapshotInput } from '../system/snapshot.js';
import { pingFromNamespace } from '../system/probe.js';
import { diagnose } from './diagnose.js';

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
