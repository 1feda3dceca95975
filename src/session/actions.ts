// The real SessionActions: diagnosis through the live runner, fixes and undo, capture.
// This is the only session module that reaches the system; the UI gets it as a prop.
//
// TEMPORARY SEAM: until the journaled applier (src/fixes, issue 4) lands, `fix`, `fixAll` and
// `undo` run the plans' own argv here and remember them in memory for this session only.
// It will be replaced by applyFixes()/undoLastRun() so every change is journaled.
import type { Diagnosed } from '../diagnosis/run-diagnosis.js';
import { runDiagnosisLive } from '../diagnosis/run-diagnosis.js';
import type { FixPlan, StepResult } from '../model/result.js';
import { shellQuote } from '../report/escape.js';
import { run, describeFailure } from '../system/run.js';
import { namespaceIdentity, type SnapshotInput } from '../system/snapshot.js';
import { captureDisabled, sessionCapture } from './capture.js';
import type { ActionEvent, ActionOutcome, CaptureSupport, Confirm, FixOffer, LiveReport, SessionActions } from './types.js';

/** The live capture (./capture.ts), unless the options rule out pinging or capturing. */
function sessionCaptureFor(opts: ActionsOptions, last: () => Diagnosed | null): CaptureSupport {
  const off = captureDisabled(opts.probe, opts.capture !== false);
  return off ? { available: false, reason: off } : sessionCapture({ input: opts.input, last, trace: opts.trace });
}

export interface ActionsOptions {
  input: SnapshotInput;
  probe: boolean;
  /** The live packet capture (`c`): on unless false (--no-capture); trace who drops (--no-trace). */
  capture?: boolean;
  trace?: boolean;
}

const offerOf = (s: StepResult): FixOffer | null => (s.fix ? { stepId: s.id, plan: s.fix } : null);

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
   * `onUpdate` hears its progress until then (the pre-Ink frame).
   */
  prefetch(onUpdate?: (live: LiveReport) => void): void;
}

export function createSessionActions(opts: ActionsOptions): RealSessionActions {
  let last: Diagnosed | null = null;
  const applied: FixOffer[] = [];
  let early: Early | null = null;

  const diagnoseQuiet = async () => (last = await runDiagnosisLive(opts.input, { probe: opts.probe }, () => {}));

  /** The namespace must still be the one diagnosed: a name can be reused between diagnosis and fix. */
  async function sameNamespace(): Promise<boolean> {
    const now = await namespaceIdentity(opts.input.ns);
    const then = last?.snapshot.nsIdentity;
    return !then || (!!now && now.dev === then.dev && now.ino === then.ino);
  }

  async function runArgv(lines: string[][], onEvent: (e: ActionEvent) => void): Promise<boolean> {
    for (const argv of lines) {
      onEvent({ level: 'info', text: `$ ${shellQuote(argv)}` });
      const r = await run(argv, { timeoutMs: 10_000 });
      if (r.failed) {
        onEvent({ level: 'error', text: describeFailure(r) });
        return false;
      }
    }
    return true;
  }

  async function apply(offer: FixOffer, onEvent: (e: ActionEvent) => void): Promise<boolean> {
    if (!(await sameNamespace())) {
      onEvent({ level: 'error', text: `namespace ${opts.input.ns} changed since the diagnosis: re-run (r) first` });
      return false;
    }
    const ok = await runArgv(offer.plan.commands, onEvent);
    if (ok) applied.push(offer);
    return ok;
  }

  return {
    last: () => last,
    peek: () => early?.latest ?? null,
    prefetch(onUpdate) {
      if (early) return;
      const e: Early = { latest: null, listener: onUpdate ?? null, done: Promise.resolve(null as unknown as Diagnosed) };
      e.done = runDiagnosisLive(opts.input, { probe: opts.probe }, (l) => {
        e.latest = l;
        e.listener?.(l);
      });
      early = e;
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
      const offers = (last?.report.steps ?? []).filter((s) => stepIds.includes(s.id)).map(offerOf).filter((o): o is FixOffer => !!o);
      if (!offers.length) return { changed: false, message: `no fix to apply for ${stepIds.join(', ')}` };
      if (!(await confirm(offers, 'Apply these commands?'))) return { changed: false, message: 'not applied' };
      let changed = false;
      for (const o of offers) {
        if (!(await apply(o, onEvent))) return { changed, message: `fix for ${o.stepId} failed (see above)` };
        changed = true;
      }
      return { changed, message: `applied the fix for ${offers.map((o) => o.stepId).join(', ')}; re-checking` };
    },
    async fixAll(confirm: Confirm, onEvent) {
      const first = last?.report.diagnosis ? last.report.steps.find((s) => s.id === last!.report.diagnosis!.step) : undefined;
      const offer = first && offerOf(first);
      if (!offer) return { changed: false, message: last?.report.diagnosis ? `${last.report.diagnosis.step} has no automatic fix` : 'nothing to fix' };
      const ok = await confirm([offer], 'Fix everything? netdoctor applies this, re-checks, and repeats for each next diagnosis (up to 8 fixes), asking no more.');
      if (!ok) return { changed: false, message: 'not applied' };
      const fixed: string[] = [];
      let next: FixOffer | null = offer;
      for (let i = 0; next && i < 8; i++) {
        if (!(await apply(next, onEvent))) return { changed: fixed.length > 0, message: `stopped: the fix for ${next.stepId} failed` };
        fixed.push(String(next.stepId));
        const d = await diagnoseQuiet();
        const step = d.report.diagnosis ? d.report.steps.find((s) => s.id === d.report.diagnosis!.step) : undefined;
        next = step ? offerOf(step) : null;
        if (step && !next) onEvent({ level: 'info', text: `${step.id} has no automatic fix; stopping` });
      }
      return { changed: true, message: `applied fixes for ${fixed.join(', ')}; re-checking` };
    },
    async undo(confirm: Confirm, onEvent) {
      if (!applied.length) return { changed: false, message: 'nothing to undo: no fix was applied in this session' };
      const offers = [...applied].reverse().map((o): FixOffer => ({ stepId: o.stepId, plan: { title: `Undo: ${o.plan.title}`, commands: o.plan.undo, undo: [] } as FixPlan }));
      if (!(await confirm(offers, 'Undo these fixes?'))) return { changed: false, message: 'undo cancelled' };
      for (const o of offers) {
        if (!(await runArgv(o.plan.commands, onEvent))) return { changed: true, message: `undo of ${o.stepId} failed (see above)` };
        applied.pop();
      }
      return { changed: true, message: `undid ${offers.map((o) => o.stepId).join(', ')}; re-checking` };
    },
    capture: sessionCaptureFor(opts, () => last),
  };
}
