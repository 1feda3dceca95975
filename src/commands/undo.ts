// `netdoctor undo [--yes] [--json]`: revert the last fix run exactly, from the journal.
// `netdoctor confirm`: keep the changes of a pending --trial run.
import { EXIT } from '../exit-codes.js';
import { stateDirFrom } from '../fixes/journal.js';
import { undoLastRun } from '../fixes/revert.js';
import { confirmTrial, trialWatchdog } from '../fixes/trial.js';
import { describeRun, renderFixEvent } from '../report/fix-text.js';
import { escapeControl, shellQuote } from '../report/escape.js';
import { styleFor } from '../report/style.js';
import { requireRoot } from '../system/preflight.js';
import { UsageError } from '../validate.js';
import { parseCommandArgs } from './args.js';
import { askYesNo, canPrompt } from './prompt.js';

const UNDO_HELP = `Usage: netdoctor undo [--yes] [--json]

Revert the last fix run (\`check --fix\`, or f/a in the session) exactly: every rule, link,
address, route, sysctl and file it changed goes back to what it was, newest change first.
Refuses when the namespace it changed was replaced by another of the same name. The journal
lives in NETDOCTOR_STATE_DIR (default /var/lib/netdoctor).

Options:
  --yes        do not ask; undo at once (needed when not on a terminal)
  --json       print one JSON document on stdout (needs --yes)
  -h, --help   this help

Exit codes: 0 undone (or nothing to undo), 1 some changes could not be undone,
2 refused or bad usage, 3 cannot inspect (not root).
`;

export async function undoCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('undo', argv, { yes: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(UNDO_HELP);
    return EXIT.healthy;
  }
  if (!values.yes && values.json) throw new UsageError('undo --json needs --yes: a JSON run cannot ask questions');
  if (!values.yes && !canPrompt()) throw new UsageError('undo needs a terminal to ask first: pass --yes to undo without asking');
  requireRoot('netdoctor undo');
  const style = styleFor(process.stdout);
  const out = (lines: string[]) => lines.length && process.stdout.write(`${lines.join('\n')}\n`);
  const result = await undoLastRun({
    stateDir: stateDirFrom(),
    confirm: async (run, lines) => {
      if (values.yes) return true;
      out([`Undo ${describeRun(run)}:`, ...lines.map((l) => `    ${shellQuote(l)}`)]);
      return askYesNo('Run these commands?');
    },
    onEvent: values.json ? undefined : (e) => out(renderFixEvent(e, style)),
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ schemaVersion: 1, outcome: result.outcome, message: result.message, run: result.run }, null, 2)}\n`);
  } else {
    out([result.message]);
  }
  switch (result.outcome) {
    case 'undone':
    case 'nothing':
    case 'declined':
      return EXIT.healthy;
    case 'refused':
      process.stderr.write(`netdoctor: ${escapeControl(result.message)}\n`);
      return EXIT.usage;
    default:
      return EXIT.fault;
  }
}

export async function confirmCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('confirm', argv, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write('Usage: netdoctor confirm\n\nKeep the changes of a pending `check --fix --trial` run (otherwise reverted at its deadline).\n');
    return EXIT.healthy;
  }
  requireRoot('netdoctor confirm');
  const run = await confirmTrial(stateDirFrom());
  if (!run) {
    process.stderr.write('netdoctor: no trial is waiting for confirmation\n');
    return EXIT.fault;
  }
  process.stdout.write(`kept the changes of ${describeRun(run)}\n`);
  return EXIT.healthy;
}

/** Hidden: the --trial watchdog process. */
export async function watchdogCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('__trial-watchdog', argv, { 'state-dir': { type: 'string' }, run: { type: 'string' } });
  if (!values['state-dir'] || !values.run) throw new UsageError('__trial-watchdog: --state-dir and --run are required');
  const r = await trialWatchdog(values['state-dir'], values.run);
  return r && r.outcome === 'failed' ? EXIT.fault : EXIT.healthy;
}
