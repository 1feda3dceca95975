// --trial SECONDS: the fixes stay only if confirmed in time. A detached watchdog process (the
// hidden `netdoctor __trial-watchdog`) is started before the first change and reverts the run
// unless the journal says it was confirmed: at the deadline, which starts once the run is over,
// or at once when netdoctor dies before that (kill -9, the terminal gone), so the revert happens
// even when netdoctor itself is killed midway.
import { spawnDetached } from '../system/run.js';
import { loadRun, pidAlive, saveRun, undoableRuns, type RunRecord } from './journal.js';
import { acquireLockWaiting, undoLastRun, type UndoResult } from './revert.js';

export const WATCHDOG_COMMAND = '__trial-watchdog';

/** Start the watchdog of `runId` (already saved with its trial); it inherits this network namespace. */
export function startWatchdog(stateDir: string, runId: string, cliPath: string, env: NodeJS.ProcessEnv = process.env): number {
  const passEnv: Record<string, string> = {};
  for (const k of ['NETDOCTOR_STATE_DIR', 'NETDOCTOR_SYSCTL_DIR']) if (env[k]) passEnv[k] = env[k]!;
  return spawnDetached([process.execPath, cliPath, WATCHDOG_COMMAND, '--state-dir', stateDir, '--run', runId], passEnv);
}

/** The run is over: start the trial's clock. Its deadline, or null when the run has no trial. */
export async function armTrial(stateDir: string, runId: string): Promise<Date | null> {
  const release = await acquireLockWaiting(stateDir);
  try {
    const run = loadRun(stateDir, runId);
    if (!run?.trial) return null;
    const deadline = new Date(Date.now() + run.trial.seconds * 1000);
    run.trial.deadline = deadline.toISOString();
    saveRun(stateDir, run);
    return deadline;
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

/**
 * The watchdog: revert unless confirmed (or already undone, or rolled back by netdoctor itself):
 * at the deadline, or as soon as netdoctor dies before it set one.
 */
export async function trialWatchdog(stateDir: string, runId: string): Promise<UndoResult | null> {
  for (;;) {
    const run = loadRun(stateDir, runId);
    if (!run?.trial || run.trial.confirmed || !['applied', 'applying', 'rollback-failed'].includes(run.status)) return null;
    if (run.trial.deadline === null) {
      // The run is not over: nobody can confirm it if netdoctor is gone.
      if (run.trial.ownerPid && pidAlive(run.trial.ownerPid)) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      break;
    }
    const left = Date.parse(run.trial.deadline) - Date.now();
    if (left <= 0) break;
    await new Promise((r) => setTimeout(r, Math.min(left, 500)));
  }
  return undoLastRun({ stateDir, runId, onlyUnconfirmedTrial: true, confirm: async () => true });
}
