// Pure glue between the journaled fix engine (src/fixes: applyFixes, undoLastRun) and the
// session's narrow actions: which steps a key may fix, the per-step confirm callbacks that put
// the session's own y/n prompt in front of the engine, its events as log lines, and its results
// as one outcome line. No system access here; actions.ts does the calls.
import type { FixEvent, FixRunResult } from '../fixes/apply.js';
import type { RunRecord } from '../fixes/journal.js';
import { allFixes } from '../fixes/plan-order.js';
import type { UndoResult } from '../fixes/revert.js';
import type { FixPlan, Report, StepResult } from '../model/result.js';
import { describeRun, renderFixEvent } from '../report/fix-text.js';
import type { ActionEvent, ActionOutcome, Confirm, FixOffer } from './types.js';

/** The engine asks before each fix with the step and its plan. */
export type StepConfirm = (step: StepResult, plan: FixPlan) => Promise<boolean>;

export const APPLY_QUESTION = 'Apply these commands?';
export const ALL_QUESTION = 'Fix everything? netdoctor applies these in order, re-checking after each (later fixes may change), asking no more.';
export const UNDO_QUESTION = 'Undo these changes?';

/**
 * Of `stepIds`, those the engine can fix now: failing, with commands. (The engine only offers
 * fixes for failing steps; a warning's fix is shown in its detail, not applied.)
 */
export function fixableSteps(report: Report | null, stepIds: readonly string[]): { ok: string[]; why: string | null } {
  if (!report) return { ok: [], why: 'wait: the check has not finished' };
  const ok: string[] = [];
  const not: string[] = [];
  for (const id of stepIds) {
    const s = report.steps.find((x) => x.id === id);
    if (s && s.status === 'fail' && s.fix?.commands.length) ok.push(id);
    else not.push(s ? `${id} is ${s.status === 'fail' ? 'failing without an automatic fix' : `not failing (${s.status})`}` : `${id} was not checked`);
  }
  return { ok, why: ok.length ? null : `nothing to fix: ${not.join('; ')}` };
}

/**
 * `f`: the engine walks every failing step in dependency order; only the chosen ones are put to
 * the user (with the plan as the engine has it now), the others are declined silently.
 */
export function confirmChosen(stepIds: readonly string[], ask: Confirm): StepConfirm {
  return (step, plan) => (stepIds.includes(step.id) ? ask([{ stepId: step.id, plan }], APPLY_QUESTION) : Promise.resolve(false));
}

/** `a`: one question showing every fix of the current diagnosis; the answer holds for the run. */
export function confirmAll(report: Report, ask: Confirm): StepConfirm {
  let answer: Promise<boolean> | null = null;
  return () => (answer ??= ask(allFixes(report).map((f) => ({ stepId: f.step.id, plan: f.plan })), ALL_QUESTION));
}

/** The engine's progress as log lines; proposals and declines only for the steps asked about. */
export function fixEventToLog(e: FixEvent, asked: (stepId: string) => boolean): ActionEvent[] {
  if ((e.type === 'propose' && !asked(e.step.id)) || (e.type === 'declined' && !asked(e.step))) return [];
  const level: ActionEvent['level'] =
    (e.type === 'command-done' && !e.ok) || ((e.type === 'revert-command' || e.type === 'revert-file') && !e.ok) || e.type === 'rollback' || e.type === 'warning'
      ? 'error'
      : e.type === 'command-done' || e.type === 'file' || e.type === 'revert-command' || e.type === 'revert-file'
        ? 'ok'
        : 'info';
  if (e.type === 'propose') return [{ level, text: `fix ${e.step.id}: ${e.plan.title}` }];
  // The text renderer already escapes kernel-provided names and quotes argv as a shell would.
  return renderFixEvent(e)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((text) => ({ level, text }));
}

export function fixOutcome(r: FixRunResult): ActionOutcome {
  switch (r.outcome) {
    case 'nothing-to-do':
      return { changed: false, message: 'nothing to fix' };
    case 'refused':
      return { changed: false, message: `${r.message}; re-run the check (r) first` };
    case 'rolled-back':
    case 'rollback-failed':
      return { changed: true, message: r.message };
    default: {
      if (!r.applied.length) {
        // Say why nothing changed: a decline and a step with no automatic fix read alike otherwise.
        const why = r.declined.length
          ? `you declined the fix for ${r.declined.join(', ')}`
          : r.unfixable.length
            ? `no automatic fix for ${r.unfixable.map((u) => u.step).join(', ')}`
            : 'no fix was needed';
        return { changed: false, message: `nothing changed: ${why}` };
      }
      const steps = r.applied.map((a) => a.step).join(', ');
      const stuck = r.unfixable.length ? `; no automatic fix for ${r.unfixable.map((u) => u.step).join(', ')}` : '';
      return { changed: true, message: `applied the fix for ${steps}${stuck}; re-checking (u undoes it)` };
    }
  }
}

/** The undo prompt: the journaled run and the exact lines that revert it, newest change first. */
export function undoOffer(run: RunRecord, lines: string[][]): FixOffer {
  const steps = [...new Set(run.entries.map((e) => e.step))].join(', ');
  return { stepId: `undo ${steps || `run ${run.id}`}`, plan: { title: `revert ${describeRun(run)}`, commands: lines, undo: [] } };
}

export function undoOutcome(r: UndoResult): ActionOutcome {
  switch (r.outcome) {
    case 'undone':
      return { changed: true, message: `${r.message}; re-checking` };
    case 'failed':
      return { changed: true, message: r.message };
    case 'declined':
      return { changed: false, message: 'undo cancelled' };
    default:
      return { changed: false, message: r.message };
  }
}
