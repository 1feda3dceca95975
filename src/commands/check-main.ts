// `netdoctor check` as cli.ts starts it. The build bundles this module into one file of its own
// (scripts/bundle.mjs): the passive check is netdoctor's most frequent and most timed command,
// and one file loads faster than the two dozen shared chunks it would otherwise need. Its
// errors are judged here, by this bundle's own error classes.
import { exitForError } from '../main-errors.js';
import { checkCommand } from './check.js';

export async function runCheck(argv: string[]): Promise<number> {
  try {
    return await checkCommand(argv);
  } catch (err) {
    return exitForError(err);
  }
}
