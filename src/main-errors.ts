// What an error that reaches the top of a command means for the user and for scripts: one line
// on stderr and the contract's exit code. Shared by cli.ts and the check command's own entry
// (commands/check-main.ts), which is bundled on its own and so has its own copies of the error
// classes: each entry must judge its own errors.
import { EXIT, CannotInspectError } from './exit-codes.js';
import { escapeControl } from './report/escape.js';
import { UsageError } from './validate.js';

// A message may quote what the user typed (an unknown option, a bad value) or what a command
// printed: no control character of it reaches the terminal raw, and a usage error stays one line.
const lines = (text: string) => text.split('\n').map(escapeControl).join('\n');

export function exitForError(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`netdoctor: ${escapeControl(err.message)}\n`);
    return EXIT.usage;
  }
  if (err instanceof CannotInspectError) {
    process.stderr.write(`netdoctor: ${lines(err.message)}\n  ${lines(err.remedy)}\n`);
    return EXIT.cannotInspect;
  }
  process.stderr.write(`netdoctor: internal error: ${lines((err as Error)?.stack ?? String(err))}\n`);
  return EXIT.cannotInspect; // no verdict: scripts must not read a crash as healthy or faulty
}
