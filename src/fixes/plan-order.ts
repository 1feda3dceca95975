// Which fix comes next. Pure. The diagnosis already lists steps in dependency order and skips
// steps whose prerequisites fail, so the next fix is the first failing step that has one and
// has not been tried in this run (a fix that did not make its step pass is not retried: no loops).
import type { FixPlan, Report, StepResult } from '../model/result.js';
import type { StepId } from '../diagnosis/steps.js';

export type NextFix =
  | { kind: 'fix'; step: StepResult; plan: FixPlan }
  /** Nothing fails any more (warnings may remain). */
  | { kind: 'done' }
  /** Failing steps remain, none of them with an untried fix. */
  | { kind: 'stuck'; unfixable: StepResult[]; tried: StepResult[] };

export function nextFix(report: Report, tried: ReadonlySet<StepId>): NextFix {
  const failing = report.steps.filter((s) => s.status === 'fail');
  if (!failing.length) return { kind: 'done' };
  const next = failing.find((s) => s.fix && s.fix.commands.length && !tried.has(s.id));
  if (next) return { kind: 'fix', step: next, plan: next.fix! };
  return {
    kind: 'stuck',
    // egress.ping has no fix of its own: it fails because of the others, or beyond what netdoctor sees.
    unfixable: failing.filter((s) => !s.fix || !s.fix.commands.length),
    tried: failing.filter((s) => tried.has(s.id)),
  };
}

/** Every failing step's fix, in order, from one diagnosis (what --dry-run can show without applying). */
export function allFixes(report: Report): { step: StepResult; plan: FixPlan }[] {
  return report.steps.filter((s) => s.status === 'fail' && s.fix && s.fix.commands.length).map((s) => ({ step: s, plan: s.fix! }));
}
