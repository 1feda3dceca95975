// `netdoctor check --ns NS --fix [--yes] [--dry-run] [--trial S] [--persist]`: wire the fix
// engine (src/fixes) to the terminal: prompts, progress, summary, exit code.
import { EXIT } from '../exit-codes.js';
import type { Diagnosed } from '../diagnosis/run-diagnosis.js';
import { applyFixes, type FixRunResult } from '../fixes/apply.js';
import { stateDirFrom } from '../fixes/journal.js';
import { allFixes } from '../fixes/plan-order.js';
import { renderScript } from '../fixes/script.js';
import { armTrial, confirmTrial } from '../fixes/trial.js';
import { renderFixEvent, renderFixSummary } from '../report/fix-text.js';
import { renderText } from '../report/text.js';
import { styleFor } from '../report/style.js';
import { askYesNo, canPrompt } from './prompt.js';

export interface FixFlags {
  yes: boolean;
  dryRun: boolean;
  json: boolean;
  probe: boolean;
  persist: boolean;
  trialSeconds: number | null;
}

export function exitCodeForFix(r: FixRunResult): number {
  switch (r.outcome) {
    case 'nothing-to-do':
      return r.before.diagnosis ? EXIT.fault : EXIT.healthy;
    case 'healthy':
      return EXIT.healthy;
    case 'refused':
      return EXIT.usage;
    default:
      return EXIT.fault;
  }
}

export async function fixCommand(diagnosed: Diagnosed, flags: FixFlags): Promise<number> {
  const report = diagnosed.report;
  const out = (lines: string[]) => lines.length && process.stdout.write(`${lines.join('\n')}\n`);
  const style = styleFor(process.stdout);

  if (flags.dryRun) {
    const fixes = allFixes(report);
    const more = report.steps.some((s) => s.status === 'skip' && s.id !== 'egress.ping');
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ schemaVersion: 1, mode: 'dry-run', fixes: fixes.map((f) => ({ step: f.step.id, ...f.plan })), report }, null, 2)}\n`);
    } else {
      process.stdout.write(renderScript(fixes, { ns: report.target.ns, more }));
    }
    return report.diagnosis ? EXIT.fault : EXIT.healthy;
  }

  const interactive = !flags.yes;
  // Ctrl-C, SIGTERM or the terminal closing (SIGHUP: a lost ssh session) while applying: finish
  // the running command, then roll back this run.
  const abort = new AbortController();
  const onSignal = () => {
    if (!abort.signal.aborted) process.stderr.write('\nnetdoctor: interrupted: rolling back what this run applied\n');
    abort.abort();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  // --trial on a terminal: once a change is in, a question nobody answers (the change cut the
  // connection, which hangs rather than closes) must not keep the trial's clock from starting.
  let applied = false;
  const ask = () =>
    flags.trialSeconds && applied
      ? askYesNo(`Apply this fix? (no answer in ${flags.trialSeconds} s: skipped)`, flags.trialSeconds * 1000)
      : askYesNo('Apply this fix?');
  const result = await applyFixes(diagnosed, {
    signal: abort.signal,
    probe: flags.probe,
    stateDir: stateDirFrom(),
    persist: flags.persist,
    ...(flags.trialSeconds ? { trial: { seconds: flags.trialSeconds, cliPath: process.argv[1] ?? '' } } : {}),
    confirm: async () => (interactive ? ask() : true),
    onEvent: flags.json
      ? undefined
      : (e) => {
          if (e.type === 'command-done' && e.ok) applied = true;
          out(renderFixEvent(e, style));
        },
  }).finally(() => {
    for (const s of signals) process.off(s, onSignal);
  });

  // The outcome first: whether to keep the changes is decided on what they achieved.
  if (!flags.json) {
    if (result.after.diagnosis) out(['', ...renderText(result.after, style, process.stdout.columns ?? 100).trimEnd().split('\n')]);
    out(renderFixSummary(result, style));
  }

  let trial: { deadline: string; confirmed: boolean } | null = null;
  // The watchdog runs since the first change; a run rolled back needs no trial any more.
  const deadline = flags.trialSeconds && result.runId && result.outcome !== 'rolled-back' && result.outcome !== 'rollback-failed' ? await armTrial(stateDirFrom(), result.runId) : null;
  if (flags.trialSeconds && result.runId && deadline) {
    const stateDir = stateDirFrom();
    trial = { deadline: deadline.toISOString(), confirmed: false };
    if (!flags.json) out(['', `Trial: these changes are reverted at ${trial.deadline} unless confirmed (\`netdoctor confirm\`).`]);
    if (interactive) {
      const keep = await askYesNo(`Keep the changes? (reverted automatically in ${flags.trialSeconds} s)`, Math.max(0, deadline.getTime() - Date.now() - 500));
      if (keep && (await confirmTrial(stateDir, result.runId))) {
        trial.confirmed = true;
        out(['Kept.']);
      } else out(['Not confirmed: the watchdog reverts them at the deadline.']);
    }
  }

  if (flags.json) {
    const { before, after, ...fix } = result;
    process.stdout.write(`${JSON.stringify({ schemaVersion: 1, mode: 'fix', ...fix, trial, before, after }, null, 2)}\n`);
  }
  return exitCodeForFix(result);
}

export function requireConfirmationMode(flags: FixFlags): string | null {
  if (flags.yes || flags.dryRun) return null;
  if (flags.json) return '--fix --json needs --yes (or --dry-run): a JSON run cannot ask questions';
  if (!canPrompt()) return '--fix needs a terminal to ask before each change: pass --yes to apply without asking, or --dry-run to print the commands';
  return null;
}
