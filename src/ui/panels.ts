// The text of each panel as lines: pure functions of the session's state, so they are
// tested without rendering, and the layout can measure them before drawing.
import type { FixPlan } from '../model/result.js';
import { escapeControl, shellQuote } from '../report/escape.js';
import type { FixOffer, LiveReport, LiveStep } from '../session/types.js';
import { wrapText } from '../report/wrap.js';
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
    if (cur.trim() && cur.length + 1 + w.length + 2 > width) {
      out.push(`${cur} \\`);
      // Continuation lines sit deeper, so each command's first word stands out.
      cur = `      ${w}`;
    } else cur = cur.trim() ? `${cur} ${w}` : `${cur}${w}`;
  }
  out.push(cur);
  return out.map((t) => line(t, tone));
}

function fixLines(plan: FixPlan, width: number, withUndo: boolean, label = 'Fix: '): Line[] {
  const out = wrapped(`${label}${escapeControl(plan.title)}`, width, '', 'bold');
  for (const c of plan.commands) out.push(...commandLines(c, width, 'accent'));
  if (withUndo && plan.undo.length) {
    out.push(line('  Undo:', 'dim'));
    for (const c of plan.undo) out.push(...commandLines(c, width, 'dim'));
  }
  for (const n of plan.notes ?? []) out.push(...wrapped(`Note: ${escapeControl(n)}`, width, '  ', 'dim'));
  return out;
}

/** The first `n` lines; when more were cut, the last one ends with an ellipsis (Enter shows all). */
function firstLines(lines: Line[], n: number, width: number): Line[] {
  if (lines.length <= n) return lines;
  const kept = lines.slice(0, n);
  const last = kept[n - 1]!;
  const text = last.text.length + 2 > width ? `${last.text.slice(0, width - 3).trimEnd()} …` : `${last.text} …`;
  kept[n - 1] = { ...last, text };
  return kept;
}

/**
 * Diagnoses the live capture shows with its own eyes, though the automatic capture (for a ping
 * failing with every passive step passing) does not open for them: a hint at `c`.
 */
const CAPTURE_HINTS: Partial<Record<string, string>> = {
  'host.masquerade': 'capture while pinging, to see the private source leave the uplink untranslated',
};

/** Under the checklist: the diagnosis, its evidence and the fix's title, or the verdict. */
export function summaryLines(live: LiveReport, diagnosing: boolean, width: number): Line[] {
  // The verdict is final before the last warn-only steps (the DNS answer) are in: show it then.
  const report = live.report ?? live.verdict ?? null;
  const still = live.report ? [] : live.steps.filter((s) => s.status === 'running').map((s) => s.id);
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
    if (step) out.push(...firstLines(wrapped(`Why: ${escapeControl(step.explanation)}`, width, '  ', 'dim'), 2, width));
    if (step?.fix) out.push(line(`  f: ${escapeControl(step.fix.title)}`, 'accent'));
    else out.push(line('  No automatic fix for this step: Enter shows what was read.', 'dim'));
    const hint = report.egress === 'broken' ? CAPTURE_HINTS[report.diagnosis.step] : undefined;
    if (hint) out.push(...wrapped(`c: ${hint}`, width, '  ', 'accent'));
  } else {
    const errors = live.steps.filter((s) => s.status === 'error');
    if (errors.length) out.push(line(`Could not judge: ${errors.map((s) => s.id).join(', ')}`, 'fail'));
    else if (report.egress === 'ok') out.push(line(`Healthy: ${escapeControl(report.target.ns)} reaches ${report.target.probe}.`, 'pass'));
    else out.push(line(`No fault found (egress ${report.egress}).`, 'pass'));
    const warns = live.steps.filter((s) => s.status === 'warn').map((s) => s.id);
    if (warns.length) out.push(line(`  Warnings: ${warns.join(', ')} (Enter for detail)`, 'warn'));
  }
  const more = still.length ? ` (still checking ${still.join(', ')})` : diagnosing ? ' (re-checking…)' : '';
  out.push(line(`Egress: ${report.egress}${more}`, report.egress === 'ok' ? 'pass' : report.egress === 'broken' ? 'fail' : 'dim'));
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

/** The question before a fix or undo runs: every command, then y/n (wrapped, so [y/N] shows). */
export function promptLines(offers: FixOffer[], question: string, width: number): Line[] {
  const out: Line[] = [];
  for (const o of offers) {
    out.push(line(`${o.stepId}`, 'title'));
    out.push(...fixLines(o.plan, width, false, ''));
  }
  out.push(line(''), ...questionLines(question, width));
  return out;
}

/** The y/n question alone: the layout keeps it on screen however many commands come before. */
export function questionLines(question: string, width: number): Line[] {
  return wrapped(`${question} [y/N]`, width, '', 'bold');
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

export function helpLines(width: number): Line[] {
  const out = [line('Keys', 'title')];
  // Each description wraps under itself, so nothing is cut at 80 columns.
  for (const [k, d] of KEYS) {
    const [first = '', ...rest] = wrapText(d, Math.max(20, width - 1), ' '.repeat(15));
    out.push(line(`  ${k.padEnd(12)} ${first.trimStart()}`), ...rest.map((t) => line(t)));
  }
  out.push(line(''), line('Any key closes this help.', 'dim'));
  return out;
}

const FOOTER_KEYS: [string, string][] = [
  ['j/k move', 'j/k move'],
  ['Enter detail', 'Enter detail'],
  ['f fix', 'f fix'],
  ['a fix all', 'a all'],
  ['u undo', 'u undo'],
  ['r re-run', 'r rerun'],
  ['c capture', 'c capture'],
  ['? keys', '? keys'],
  ['q quit', 'q quit'],
];

/** The keys line, fitted to the width: shorter words first, then fewer keys; ? and q always stay. */
export function footerText(width: number): string {
  const full = FOOTER_KEYS.map(([f]) => f).join('  ');
  if (full.length <= width) return full;
  const short = FOOTER_KEYS.map(([, s]) => s);
  while (short.join('  ').length > width && short.length > 2) short.splice(short.length - 3, 1);
  return short.join('  ');
}
