// Thin wrapper over node:util parseArgs: unknown flags and missing values become UsageError
// (exit 2) with one clear line, never a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../validate.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O, maxPositionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0] ?? 'bad arguments';
    throw new UsageError(`${command}: ${msg.replace(/\. To specify a positional argument.*$/, '')}`);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`${command}: unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`);
  }
  return parsed;
}
