// The real SessionActions: diagnosis through the live runner, fixes and undo through the
// journaled engine (src/fixes: the same applyFixes/undoLastRun as `check --fix` and `undo`, so
// the identity guard, rollback on failure and the journal in the state dir are shared), capture.
// This is the only session module that reaches the system; the UI gets it as a prop.
import type { Diagnosed } from '../diagnosis/run-diagnosis.js';
import { runDiagnosisLive } from '../diagnosis/run-diagnosis.js';
import { stateDirFrom } from '../fixes/journal.js';
import type { SnapshotInput } from '../system/snapshot.js';
import { captureDisabled, sessionCapture } from './capture.js';
import { confirmAll, confirmChosen, fixableSteps, fixEventToLog, fixOutcome, undoOffer, undoOutcome, UNDO_QUESTION, type StepConfirm } from './fix-wiring.js';
import type { ActionEvent, ActionOutcome, CaptureSupport, Confirm, LiveReport, SessionActions } from './types.js';

/** The live capture (./capture.ts), unless the options rule out pinging or capturing. */
function sessionCaptureFor(opts: ActionsOptions, last: () => Diagnosed | null): CaptureSupport {
  const off = captureDisabled(opts.probe, opts.capture !== false);
  return off ? { available: false, reason: off } : sessionCapture({ input: opts.input, last, trace: opts.trace });
}

export interface ActionsOptions {
  input: SnapshotInput;
  probe: boolean;
  /** NETDOCTOR_STATE_DIR (the journal), NETDOCTOR_TEST_FAIL_AFTER; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** The live packet capture (`c`): on unless false (--no-capture); trace who drops (--no-trace). */
  capture?: boolean;
  trace?: boolean;
}

interface Early {
  latest: LiveReport | null;
  listener: ((l: LiveReport) => void) | null;
  done: Promise<Diagnosed>;
}

export interface RealSessionActions extends SessionActions {
  /** The latest full diagnosis (for the exit code). */
  last(): Diagnosed | null;
  /**
   * Start the first diagnosis now, while the UI is still loading; the first diagnose() joins it.
   * `onUpdate` hears its progress until then (the pre-Ink frame). Settles (never rejects)
   * once that diagnosis has its result, or failed.
   */
  prefetch(onUpdate?: (live: LiveReport) => void): Promise<void>;
  /**
   * On quit: stop a fix run at its next command and wait for it to roll back (and for an undo
   * to finish), so leaving the session never leaves the host half-fixed.
   */
  shutdown(): Promise<void>;
}

const settled = (): void => undefined;

export function createSessionActions(opts: ActionsOptions): RealSessionActions {
  let last: Diagnosed | null = null;
  let early: Early | null = null;
  const env = opts.env ?? process.env;
  const abort = new AbortController();
  let running: Promise<unknown> | null = null;

  const track = <T>(p: Promise<T>): Promise<T> => {
    running = p;
    return p.finally(() => running === p && (running = null));
  };

  /** One journaled run of the engine, the chosen confirm in front of it. */
  async function applyWith(confirm: StepConfirm, asked: (id: string) => boolean, onEvent: (e: ActionEvent) => void): Promise<ActionOutcome> {
    if (!last) return { changed: false, message: 'wait: the check has not finished' };
    const stateDir = stateDirFrom(env);
    const diagnosed = last;
    // The engine loads on the first f or a: the session's first frame does not wait for it.
    const result = await track(
      import('../fixes/apply.js').then(({ applyFixes }) => applyFixes(diagnosed, {
        confirm,
        onEvent: (e) => fixEventToLog(e, asked).forEach(onEvent),
        // The session re-checks live (with the ping) right after: no need to ping twice.
        probe: false,
        stateDir,
        persist: false,
        env,
        signal: abort.signal,
      })),
    );
    if (result.runId && result.applied.length && (result.outcome === 'healthy' || result.outcome === 'broken')) {
      onEvent({ level: 'info', text: `journaled as run ${result.runId} in ${stateDir}: u here or \`netdoctor undo\` reverts it` });
    }
    return fixOutcome(result);
  }

  return {
    last: () => last,
    peek: () => early?.latest ?? null,
    prefetch(onUpdate) {
      if (early) return early.done.then(settled, settled);
      const e: Early = { latest: null, listener: onUpdate ?? null, done: Promise.resolve(null as unknown as Diagnosed) };
      e.done = runDiagnosisLive(opts.input, { probe: opts.probe }, (l) => {
        e.latest = l;
        e.listener?.(l);
      });
      early = e;
      // diagnose() reports a failure; this promise only says "finished".
      return e.done.then(settled, settled);
    },
    async diagnose(onUpdate: (live: LiveReport) => void) {
      const e = early;
      early = null;
      if (e) {
        // Join the diagnosis that started before the UI was ready: replay where it is now.
        e.listener = onUpdate;
        if (e.latest) onUpdate(e.latest);
        last = await e.done;
      } else last = await runDiagnosisLive(opts.input, { probe: opts.probe }, onUpdate);
      return { steps: last.report.steps, report: last.report };
    },
    async fix(stepIds: string[], confirm: Confirm, onEvent) {
      const { ok, why } = fixableSteps(last?.report ?? null, stepIds);
      if (why) return { changed: false, message: why };
      return applyWith(confirmChosen(ok, confirm), (id) => ok.includes(id), onEvent);
    },
    async fixAll(confirm: Confirm, onEvent) {
      if (!last) return { changed: false, message: 'wait: the check has not finished' };
      return applyWith(confirmAll(last.report, confirm), () => true, onEvent);
    },
    async undo(confirm: Confirm, onEvent) {
      const result = await track(
        import('../fixes/revert.js').then(({ undoLastRun }) =>
          undoLastRun({
            stateDir: stateDirFrom(env),
            confirm: (run, lines) => confirm([undoOffer(run, lines)], UNDO_QUESTION),
            onEvent: (e) => fixEventToLog(e, () => true).forEach(onEvent),
          }),
        ),
      );
      return undoOutcome(result);
    },
    async shutdown() {
      abort.abort();
      await running?.catch(() => undefined);
    },
    capture: sessionCaptureFor(opts, () => last),
  };
}
