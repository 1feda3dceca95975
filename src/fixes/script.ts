// `--fix --dry-run`: the fixes as a shell script a person can review and run. Pure.
import type { FixPlan, StepResult } from '../model/result.js';
import { escapeControl } from '../report/escape.js';

/**
 * One argv element as a shell word that reads back as exactly that string: plain when safe,
 * single quotes otherwise, and bash's $'...' with \xHH escapes when it holds control characters
 * (so the script shows no raw escape sequences, yet runs the same bytes).
 */
export function shellWord(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f\x7f-\x9f]/.test(arg)) return `'${arg.replaceAll("'", `'\\''`)}'`;
  const body = [...Buffer.from(arg, 'utf8')]
    .map((b) => (b < 0x20 || b >= 0x7f || b === 0x27 || b === 0x5c ? `\\x${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b)))
    .join('');
  return `$'${body}'`;
}

export function shellLine(argv: string[]): string {
  return argv.map(shellWord).join(' ');
}

export function renderScript(fixes: { step: StepResult; plan: FixPlan }[], header: { ns: string; more: boolean }): string {
  const lines = [
    '#!/bin/bash',
    `# netdoctor fix plan for namespace ${escapeControl(header.ns)} (dry run: nothing was changed)`,
    '# Review it, then run it as root. Each block fixes one failing step; the undo lines are comments.',
    'set -euo pipefail',
  ];
  if (!fixes.length) lines.push('', '# nothing to fix');
  for (const { step, plan } of fixes) {
    lines.push('', `# ${step.id}: ${escapeControl(plan.title)}`);
    for (const c of plan.commands) lines.push(shellLine(c));
    for (const u of plan.undo) lines.push(`#   undo: ${shellLine(u)}`);
    for (const n of plan.notes ?? []) lines.push(`#   note: ${escapeControl(n)}`);
  }
  if (header.more) {
    lines.push('', '# Steps that depend on these were skipped by the diagnosis: run netdoctor again afterwards.');
  }
  return `${lines.join('\n')}\n`;
}
