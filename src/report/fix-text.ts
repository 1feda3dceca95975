// Text for `check --fix` and `undo`: progress lines as events arrive, then a summary. Pure.
import type { FixEvent, FixRunResult } from '../fixes/apply.js';
import type { RunRecord } from '../fixes/journal.js';
import { escapeControl, shellQuote } from './escape.js';
import { PLAIN, type Style } from './style.js';

export function renderFixEvent(e: FixEvent, s: Style = PLAIN): string[] {
  switch (e.type) {
    case 'propose':
      return ['', `${s.bold('Fix')} ${s.bold(e.step.id)}: ${escapeControl(e.plan.title)}`, ...e.plan.commands.map((c) => `    ${s.cyan(shellQuote(c))}`), ...(e.plan.notes ?? []).map((n) => `  ${s.dim(`Note: ${escapeControl(n)}`)}`)];
    case 'declined':
      return [`  ${s.yellow('skipped')} (not confirmed)`];
    case 'exists':
      return [`  ${s.dim('already there, not added again:')} ${shellQuote(e.argv)}`];
    case 'command':
      return [];
    case 'command-done':
      return e.ok ? [`  ${s.green('done')} ${shellQuote(e.argv)}`] : [`  ${s.red('FAILED')} ${escapeControl(e.error ?? shellQuote(e.argv))}`];
    case 'file':
      return [`  ${s.green('wrote')} ${escapeControl(e.path)}`];
    case 'rediagnose':
      return [];
    case 'rollback':
      return ['', s.bold('Rolling back what this run applied:')];
    case 'revert-command':
      return [`  ${e.ok ? s.green('undone') : s.red('undo failed')} ${shellQuote(e.argv)}${e.error && !e.ok ? `: ${escapeControl(e.error)}` : ''}`];
    case 'revert-file':
      return [`  ${e.ok ? s.green('restored') : s.red('not restored')} ${escapeControl(e.path)}${e.error && !e.ok ? `: ${escapeControl(e.error)}` : ''}`];
    case 'revert-skipped':
      return [`  ${s.dim(e.gone ? 'already gone, nothing to remove:' : 'never applied, skipped:')} ${e.argv ? shellQuote(e.argv) : escapeControl(e.path ?? e.title)}`];
    case 'warning':
      return [`${s.yellow('warning')}: ${escapeControl(e.message)}`];
  }
}

function verdict(r: FixRunResult['before']): string {
  if (r.diagnosis) return `${r.diagnosis.step} fails (egress ${r.egress})`;
  return `healthy (egress ${r.egress})`;
}

export function renderFixSummary(result: FixRunResult, s: Style = PLAIN): string[] {
  const out = ['', `${s.bold('Before')}: ${escapeControl(verdict(result.before))}`, `${s.bold('After')}:  ${escapeControl(verdict(result.after))}`];
  for (const u of result.unfixable) out.push(`${s.red('No automatic fix')} for ${u.step}: ${escapeControl(u.summary)}`);
  const good = result.outcome === 'healthy' || result.outcome === 'nothing-to-do';
  out.push((good ? s.green : s.red)(escapeControl(result.message)));
  if (result.runId && (result.outcome === 'healthy' || result.outcome === 'broken')) {
    out.push(s.dim(`Recorded as run ${result.runId}; \`netdoctor undo\` reverts it.`));
  }
  return out;
}

export function describeRun(run: RunRecord): string {
  const where = run.target.hostNs ? ` (host side ${run.target.hostNs})` : '';
  return `run ${run.id} on ${escapeControl(run.target.ns)}${where}, ${run.startedAt}`;
}
