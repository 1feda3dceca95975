// Loads the check command with V8's code cache. The build (scripts/bundle.mjs) bundles
// commands/check-main.ts once more as a classic script, dist/commands/check-main.cjs, runs it
// once on a recorded snapshot and saves what V8 compiled meanwhile beside it (.cjs.cache).
// Compiling through vm.Script with that cache skips most parsing and compiling: ~10-20 ms of
// CPU per run of `check`. V8 checks the cache against the source and its own version and flags
// and rejects one that does not match (another Node, a changed file): the script is then
// compiled as usual. Without the .cjs (tsc's output alone, tests run from src/) the ES module
// is imported instead.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { distFile } from './dist-path.js';

export interface CheckEntry {
  runCheck(argv: string[]): Promise<number>;
}

/** The CommonJS-style wrapper, the same when the cache is made and when it is used (V8 hashes the source). */
export function wrapCheckSource(source: string): string {
  return `(function (exports, require, module, __filename, __dirname, __ndImportMetaUrl) {${source}\n})`;
}

export const CHECK_SCRIPT = 'commands/check-main.cjs';

/** Compile and run the script file (with its cache when given); its exports and whether V8 took the cache. */
export function runCheckScript(file: string, cachedData: Buffer | undefined): { exports: CheckEntry; script: Script } {
  const script = new Script(wrapCheckSource(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {} as CheckEntry };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file), pathToFileURL(file).href);
  return { exports: module.exports, script };
}

export async function loadCheck(): Promise<CheckEntry> {
  const file = distFile(CHECK_SCRIPT);
  if (!existsSync(file)) return (await import(pathToFileURL(distFile('commands/check-main.js')).href)) as CheckEntry;
  let cache: Buffer | undefined;
  try {
    cache = readFileSync(`${file}.cache`);
  } catch {
    cache = undefined; // compiled as usual
  }
  return runCheckScript(file, cache).exports;
}
