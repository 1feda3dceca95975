// A report ready to paste into an issue or a chat (GitHub-flavoured Markdown). Pure: report in,
// string out. Kernel-provided names are escaped (control characters, and the characters that
// would break a table cell or a code span).
import type { Report, StepResult, StepStatus } from '../model/result.js';
import { escapeControl, shellQuote } from './escape.js';

const ICON: Record<StepStatus, string> = { pass: 'ok', fail: '**FAIL**', warn: 'warn', skip: 'skip', error: '**error**' };

/** Text for a table cell or a line of prose: no control characters, no table breaks, no stray markup. */
export function mdText(text: string): string {
  return escapeControl(text).replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}

/** An inline code span that survives any backticks inside the value. */
export function mdCode(text: string): string {
  const clean = escapeControl(text);
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`.replace(/\|/g, '\\|');
}

/** A fenced block longer than any backtick run inside it. */
function fenced(lines: string[], lang = ''): string[] {
  const body = lines.map(escapeControl);
  const longest = Math.max(2, ...body.flatMap((l) => (l.match(/`+/g) ?? []).map((r) => r.length)));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${lang}`, ...body, fence];
}

function detail(step: StepResult): string[] {
  const out: string[] = [];
  if (step.evidence.length) out.push('**Evidence**', '', ...fenced(step.evidence), '');
  out.push(`**Why it matters:** ${mdText(step.explanation)}`, '');
  if (step.fix) {
    out.push(`**Fix:** ${mdText(step.fix.title)}`, '', ...fenced(step.fix.commands.map(shellQuote), 'sh'), '');
    if (step.fix.undo.length) out.push('**Undo:**', '', ...fenced(step.fix.undo.map(shellQuote), 'sh'), '');
    for (const n of step.fix.notes ?? []) out.push(`> ${mdText(n)}`, '');
  }
  return out;
}

export function renderMarkdown(report: Report, version?: string): string {
  const t = report.target;
  const verdict = report.diagnosis ? `diagnosis ${mdCode(report.diagnosis.step)}` : report.steps.some((s) => s.status === 'error') ? 'could not judge every step' : 'healthy';
  const lines = [
    `### netdoctor: ${mdCode(t.ns)}: ${verdict}`,
    '',
    `Host side: ${t.hostNs ? mdCode(t.hostNs) : 'this namespace'} · bridge ${t.bridge ? mdCode(t.bridge) : '?'} · uplink ${t.uplink ? mdCode(t.uplink) : '?'} · target ${mdCode(t.probe)} · egress **${report.egress}**`,
    '',
    '| | step | result |',
    '| --- | --- | --- |',
    ...report.steps.map((s) => `| ${ICON[s.status]} | ${mdCode(s.id)} | ${mdText(s.summary)} |`),
    '',
  ];
  if (report.diagnosis) {
    const step = report.steps.find((s) => s.id === report.diagnosis!.step);
    lines.push(`#### Diagnosis ${mdCode(report.diagnosis.step)}`, '', mdText(report.diagnosis.summary), '');
    if (step) lines.push(...detail(step));
  }
  for (const w of report.steps.filter((s) => s.status === 'warn')) {
    lines.push(`#### Warning ${mdCode(w.id)}`, '', mdText(w.summary), '', ...detail(w));
  }
  lines.push(`<sub>netdoctor${version ? ` ${mdText(version)}` : ''} check</sub>`, '');
  return lines.join('\n');
}
