// The text of each panel as lines: pure functions of the session's state, so they are
// tested without rendering, and the layout can measure them before drawing.
import type { FixPlan } from '../model/result.js';
import { escapeControl, shellQuote } from '../report/escape.js';
import type { FixOffer, LiveReport, LiveStep } from '../session/types.js';
import { line, wrapped, type Line } from './lines.js';

/**
 * A command shown in full, never truncated: long ones break between words with a trailing
 * backslash, so what is on screen still pastes into a shell as one command.
 */
export function commandLines(argv: string[], width: number, tone: Line['tone']): Line[] {
  const words = shellQuote(argv).split(' ');
  const out: string[] = [];
  let cur = '    ';
  for (const w of words) {
    const indent = out.length ? '      ' : '    ';
    if (cur.trim() && cur.length + 1 + w.length + 2 > width) {
      out.push(`${cur} \\`);
      cur = `${indent}${w}`;
    } else cur = cur.trim() ? `${cur} ${w}` : `${cur}${w}`;
  }
  out.push(cur);
  return out.map((t) => line(t, tone));
}

function fixLines(plan: FixPlan, width: number, withUndo: boolean, label = 'Fix: '): Line[] {
  const out = [line(`${label}${escapeControl(plan.title)}`, 'bold')];
  for (const c of plan.commands) out.push(...commandLines(c, width, 'accent'));
  if (withUndo && plan.undo.length) {
    out.push(line('  Undo:', 'dim'));
    for (const c of plan.undo) out.push(...commandLines(c, width, 'dim'));
  }
  for (const n of plan.notes ?? []) out.push(...wrapped(`Note: ${escapeControl(n)}`, width, '  ', 'dim'));
  return out;
}

/** Under the checklist: the diagnosis, its evidence and the fix's title, or the verdict. */
export function summaryLines(live: LiveReport, diagnosing: boolean, width: number): Line[] {
  const report = live.report;
  if (!report) {
    const done = live.steps.filter((s) => s.status !== 'running').length;
    return [line(`Checking… ${done}/${live.steps.length} steps`, 'dim')];
  }
  const out: Line[] = [];
  if (report.diagnosis) {
    const step = live.steps.find((s) => s.id === report.diagnosis!.step);
    out.push(line(`Diagnosis ${report.diagnosis.step}`, 'fail'));
    out.push(...wrapped(escapeControl(report.diagnosis.summary), width, '  '));
    if (step?.evidence.length) {
      out.push(line('  Evidence:', 'bold'));
      for (const e of step.evidence.slice(0, 3)) out.push(line(`    ${escapeControl(e)}`));
      if (step.evidence.length > 3) out.push(line(`    … ${step.evidence.length - 3} more (Enter shows all)`, 'dim'));
    }
    if (step) out.push(...wrapped(`Why: ${escapeControl(step.explanation)}`, width, '  ', 'dim').slice(0, 2));
    if (step?.fix) out.push(line(`  f: ${escapeControl(step.fix.title)}`, 'accent'));
    else out.push(line('  No automatic fix for this step: Enter shows what was read.', 'dim'));
  } else {
    const errors = live.steps.filter((s) => s.status === 'error');
    if (errors.length) out.push(line(`Could not judge: ${errors.map((s) => s.id).join(', ')}`, 'fail'));
    else if (report.egress === 'ok') out.push(line(`Healthy: ${escapeControl(report.target.ns)} reaches ${report.target.probe}.`, 'pass'));
    else out.push(line(`No fault found (egress ${report.egress}).`, 'pass'));
    const warns = live.steps.filter((s) => s.status === 'warn').map((s) => s.id);
    if (warns.length) out.push(line(`  Warnings: ${warns.join(', ')} (Enter for detail)`, 'warn'));
  }
  out.push(line(`Egress: ${report.egress}${diagnosing ? ' (re-checking…)' : ''}`, report.egress === 'ok' ? 'pass' : report.egress === 'broken' ? 'fail' : 'dim'));
  return out;
}

/** Enter: everything about one step — what was read, why it matters, the exact fix. */
export function detailLines(step: LiveStep, width: number): Line[] {
  const out: Line[] = [line(`${step.id}: ${escapeControl(step.title)}`, 'title'), line(`Status: ${step.status}  ${escapeControl(step.summary)}`)];
  out.push(line(''), line('What was read:', 'bold'));
  if (step.evidence.length) for (const e of step.evidence) out.push(line(`  ${escapeControl(e)}`));
  else out.push(line(step.status === 'running' ? '  (still reading)' : '  (nothing beyond the summary)', 'dim'));
  out.push(line(''), line('Why it matters:', 'bold'), ...wrapped(escapeControl(step.explanation), width, '  '));
  if (step.fix) out.push(line(''), ...fixLines(step.fix, width, true));
  return out;
}

/** The question before a fix or undo runs: every command, then y/n. */
export function promptLines(offers: FixOffer[], question: string, width: number): Line[] {
  const out: Line[] = [];
  for (const o of offers) {
    out.push(line(`${o.stepId}`, 'title'));
    out.push(...fixLines(o.plan, width, false, ''));
  }
  out.push(line(''), line(`${question} [y/N]`, 'bold'));
  return out;
}

export const KEYS: [string, string][] = [
  ['↑/↓ or k/j', 'move between steps'],
  ['Enter', 'detail: what was read, why it matters, the fix commands'],
  ['Esc', 'back; in the list, clear the selection'],
  ['f', 'fix the selected step (or the diagnosis): shows the commands, asks'],
  ['a', 'fix everything, in order, asking first'],
  ['u', 'undo netdoctor\'s last fixes, asking first'],
  ['r', 're-run the diagnosis'],
  ['c', 'live capture while pinging: the packet path with counts; c again closes it'],
  ['?', 'this help'],
  ['q', 'quit'],
];

export function helpLines(): Line[] {
  return [line('Keys', 'title'), ...KEYS.map(([k, d]) => line(`  ${k.padEnd(12)} ${d}`)), line(''), line('Any key closes this help.', 'dim')];
}
