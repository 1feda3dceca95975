// --trial SECONDS: the fixes stay only if confirmed in time. A detached watchdog process (the
// hidden `netdoctor __trial-watchdog`) waits for the deadline and reverts the run unless the
// journal says it was confirmed, so the revert happens even when netdoctor itself is killed.
import { spawnDetached } from '../system/run.js';
import { loadRun, saveRun, undoableRuns, type RunRecord } from './journal.js';
import { acquireLockWaiting, undoLastRun, type UndoResult } from './revert.js';

export const WATCHDOG_COMMAND = '__trial-watchdog';

export interface TrialStart {
  deadline: Date;
  watchdogPid: number;
}

/** Record the trial in the run and start its watchdog (which inherits this network namespace). */
export async function startTrial(stateDir: string, runId: string, seconds: number, cliPath: string, env: NodeJS.ProcessEnv = process.env): Promise<TrialStart> {
  const release = await acquireLockWaiting(stateDir);
  try {
    const run = loadRun(stateDir, runId);
    if (!run) throw new Error(`run ${runId} not found in ${stateDir}`);
    const deadline = new Date(Date.now() + seconds * 1000);
    run.trial = { seconds, deadline: deadline.toISOString(), confirmed: false, watchdogPid: null };
    saveRun(stateDir, run); // before the watchdog starts: it must find an unconfirmed trial
    const passEnv: Record<string, string> = {};
    for (const k of ['NETDOCTOR_STATE_DIR', 'NETDOCTOR_SYSCTL_DIR']) if (env[k]) passEnv[k] = env[k]!;
    const pid = spawnDetached([process.execPath, cliPath, WATCHDOG_COMMAND, '--state-dir', stateDir, '--run', runId], passEnv);
    run.trial.watchdogPid = pid;
    saveRun(stateDir, run);
    return { deadline, watchdogPid: pid };
  } finally {
    release();
  }
}

/** Keep the changes of the pending trial (the newest unconfirmed one, or `runId`). */
export async function confirmTrial(stateDir: string, runId?: string): Promise<RunRecord | null> {
  const release = await acquireLockWaiting(stateDir);
  try {
    const run = undoableRuns(stateDir)
      .filter((r) => r.trial && !r.trial.confirmed && (!runId || r.id === runId))
      .at(-1);
    if (!run || !run.trial) return null;
    run.trial.confirmed = true;
    saveRun(stateDir, run);
    return run;
  } finally {
    release();
  }
}

/** The watchdog: wait for the deadline, then revert unless confirmed (or already undone). */
export async function trialWatchdog(stateDir: string, runId: string): Promise<UndoResult | null> {
  for (;;) {
    const run = loadRun(stateDir, runId);
    if (!run?.trial || run.trial.confirmed || !['applied', 'applying'].includes(run.status)) return null;
    const left = Date.parse(run.trial.deadline) - Date.now();
    if (left <= 0) break;
    await new Promise((r) => setTimeout(r, Math.min(left, 500)));
  }
  return undoLastRun({ stateDir, runId, onlyUnconfirmedTrial: true, confirm: async () => true });
}
