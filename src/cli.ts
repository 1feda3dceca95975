#!/usr/bin/env node
// Argument dispatch only. Commands are imported lazily so `check --json` never loads Ink/React.
import { loadCheck } from './check-loader.js';
import { tolerateClosedOutput } from './commands/end-signals.js';
import { EXIT } from './exit-codes.js';
import { exitForError } from './main-errors.js';
import { UsageError } from './validate.js';

const HELP = `netdoctor: find out why a network namespace cannot reach the internet, and fix it

Usage:
  netdoctor [--ns NS] [...]             interactive session (a report when not on a terminal)
  netdoctor check --ns NS [options]     diagnose once; text or --json; exit code for scripts
  netdoctor check --ns NS --fix [--yes] [--dry-run] [--trial S] [--persist]
                                        fix the failing steps (asks first; journaled)
  netdoctor undo [--yes] [--json]       revert the last fix run exactly
  netdoctor confirm                     keep the changes of a pending --trial run
  netdoctor lab up [SCENARIO] [--prefix P] [...]   build a sandbox lab (never touches the host)
  netdoctor lab down [--prefix P | --all]          remove a lab completely
  netdoctor lab list                    scenarios and running labs
  netdoctor lab up --world [--prefix P]            a lab world: the tutorial's commands work verbatim inside
  netdoctor lab shell | lab exec -- CMD...         a shell, or one command, inside the world
  netdoctor learn [--up] [--reset]      follow the tutorial step by step in a lab world, ticked live
  netdoctor learn --challenge [NAME]    a broken world to investigate; then --answer STEP or --check

check options:
  --ns NAME         the namespace to diagnose (as listed by \`ip netns\`)
  --host-ns NAME    the namespace that plays the host (default: the one netdoctor runs in)
  --bridge NAME     the bridge (default: inferred from the namespace's veth peer)
  --target IP       the address to reach (default 8.8.8.8)
  --json            one JSON document on stdout (schemaVersion 1)
  --no-probe        do not ping; judge from the kernel's state only
  --no-capture      ping without watching the packet path (bridge, uplink)
  --no-trace        capture, but do not trace who drops the packets (no temporary nft table)
  --fix             fix what fails, one step at a time (see netdoctor check --help)

session options (netdoctor with no command; more: netdoctor session --help):
  --ns, --host-ns, --bridge, --target, --no-probe, --no-capture, --no-trace: as for check
  (--no-trace: the capture, c, does not trace who drops the packets)

Exit codes: 0 healthy, 1 fault found, 2 bad usage or input, 3 cannot inspect.
`;

// `netdoctor | head`: the rest of the output is dropped, cleanup still runs (no EPIPE crash).
tolerateClosedOutput();

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'session':
      return (await import('./commands/session.js')).sessionCommand(command === undefined ? [] : rest);
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP);
      return EXIT.healthy;
    case '--version':
    case '-V':
      process.stdout.write(`${(await import('./version.js')).VERSION}\n`);
      return EXIT.healthy;
    case 'check':
      return (await loadCheck()).runCheck(rest);
    case 'undo':
      return (await import('./commands/undo.js')).undoCommand(rest);
    case 'confirm':
      return (await import('./commands/undo.js')).confirmCommand(rest);
    case '__trial-watchdog':
      return (await import('./commands/undo.js')).watchdogCommand(rest);
    case 'lab':
      return (await import('./commands/lab.js')).labCommand(rest);
    case 'learn':
      return (await import('./commands/learn.js')).learnCommand(rest);
    default:
      if (command.startsWith('-')) {
        // Flags without a command belong to the interactive session: `netdoctor --ns ns0`.
        return (await import('./commands/session.js')).sessionCommand(argv);
      }
      throw new UsageError(`unknown command ${JSON.stringify(command)} (try: netdoctor --help)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = exitForError(err);
  },
);
