// The human report: one line per step, then the diagnosis with its evidence, why it
// matters, and the exact fix. Pure: report in, string out.
import type { Report, StepResult, StepStatus } from '../model/result.js';
import { STEP_IDS } from '../diagnosis/steps.js';
import { escapeControl, shellQuote } from './escape.js';
import { PLAIN, type Style } from './style.js';
import { wrapText } from './wrap.js';
import { renderCapture } from './capture-text.js';

const MARK: Record<StepStatus, string> = { pass: 'ok', fail: 'FAIL', warn: 'warn', skip: 'skip', error: 'ERR' };

function mark(status: StepStatus, s: Style): string {
  const text = MARK[status].padEnd(4);
  switch (status) {
    case 'pass':
      return s.green(text);
    case 'fail':
    case 'error':
      return s.red(text);
    case 'warn':
      return s.yellow(text);
    default:
      return s.dim(text);
  }
}

/** Wide enough for the longest step id, so summaries line up. */
export const STEP_ID_WIDTH = Math.max(...STEP_IDS.map((id) => id.length));

export function renderStepLine(step: StepResult, s: Style = PLAIN): string {
  return `  ${mark(step.status, s)} ${step.id.padEnd(STEP_ID_WIDTH)} ${escapeControl(step.summary)}`;
}

function renderFix(step: StepResult, s: Style): string[] {
  if (!step.fix) return [];
  const out = [`  ${s.bold('Fix')}: ${escapeControl(step.fix.title)}`];
  for (const c of step.fix.commands) out.push(`    ${s.cyan(shellQuote(c))}`);
  if (step.fix.undo.length) {
    out.push(`  ${s.dim('Undo:')}`);
    for (const c of step.fix.undo) out.push(`    ${s.dim(shellQuote(c))}`);
  }
  for (const n of step.fix.notes ?? []) out.push(`  ${s.dim(`Note: ${escapeControl(n)}`)}`);
  return out;
}

function renderDetail(step: StepResult, s: Style, width: number): string[] {
  const out: string[] = [];
  if (step.evidence.length) {
    out.push(`  ${s.bold('Evidence')}:`);
    for (const e of step.evidence) out.push(`    ${escapeControl(e)}`);
  }
  out.push(`  ${s.bold('Why it matters')}:`);
  out.push(...wrapText(escapeControl(step.explanation), width, '    '));
  out.push(...renderFix(step, s));
  return out;
}

export function renderText(report: Report, s: Style = PLAIN, width = 100): string {
  const t = report.target;
  const lines: string[] = [];
  const hostSide = t.hostNs ? `host side ${t.hostNs}` : 'host side: this namespace';
  lines.push(s.bold(`netdoctor check: ${escapeControl(t.ns)}`) + s.dim(` (${escapeControl(hostSide)}, bridge ${escapeControl(t.bridge ?? '?')}, uplink ${escapeControl(t.uplink ?? '?')}, target ${t.probe})`));
  lines.push('');
  for (const step of report.steps) lines.push(renderStepLine(step, s));
  lines.push('');
  const egress = report.egress === 'ok' ? s.green('ok') : report.egress === 'broken' ? s.red('broken') : s.dim('unknown (not probed)');
  lines.push(`Egress: ${egress}`);
  if (report.probes.capture) {
    lines.push('');
    lines.push(...renderCapture(report.probes.capture, t.ns, t.probe, s, width));
  }
  if (!report.diagnosis) {
    const errors = report.steps.filter((x) => x.status === 'error');
    if (errors.length) lines.push(s.red(`Could not judge: ${errors.map((x) => x.id).join(', ')}`));
    // Without a probe nothing proved the way out: say what was (and was not) shown.
    else if (report.egress === 'unknown') lines.push(s.green(`Healthy: every step netdoctor inspects passes (not probed: no ping proved that ${escapeControl(t.ns)} reaches ${t.probe}).`));
    else lines.push(s.green(`Healthy: ${escapeControl(t.ns)} can reach ${t.probe}.`));
    const warns = report.steps.filter((x) => x.status === 'warn');
    for (const w of warns) {
      lines.push('');
      lines.push(`${s.yellow('Warning')} ${w.id}: ${escapeControl(w.summary)}`);
      lines.push(...renderDetail(w, s, width));
    }
    return `${lines.join('\n')}\n`;
  }
  const step = report.steps.find((x) => x.id === report.diagnosis!.step)!;
  lines.push('');
  lines.push(`${s.red(s.bold('Diagnosis'))} ${s.bold(step.id)}: ${escapeControl(report.diagnosis.summary)}`);
  lines.push(...renderDetail(step, s, width));
  const later = report.steps.filter((x) => x.status === 'fail' && x.id !== step.id && x.id !== 'egress.ping');
  if (later.length) {
    lines.push('');
    lines.push(s.dim(`Also failing (fix the diagnosis first; some may follow from it): ${later.map((x) => x.id).join(', ')}`));
  }
  return `${lines.join('\n')}\n`;
}
