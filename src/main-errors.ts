// What an error that reaches the top of a command means for the user and for scripts: one line
// on stderr and the contract's exit code. Shared by cli.ts and the check command's own entry
// (commands/check-main.ts), which is bundled on its own and so has its own copies of the error
// classes: each entry must judge its own errors.
import { EXIT, CannotInspectError } from './exit-codes.js';
import { UsageError } from './validate.js';

export function exitForError(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`netdoctor: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof CannotInspectError) {
    process.stderr.write(`netdoctor: ${err.message}\n  ${err.remedy}\n`);
    return EXIT.cannotInspect;
  }
  process.stderr.write(`netdoctor: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.cannotInspect; // no verdict: scripts must not read a crash as healthy or faulty
}
