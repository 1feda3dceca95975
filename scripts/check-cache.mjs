#!/usr/bin/env node
// Makes dist/commands/check-main.cjs.cache (run by scripts/bundle.mjs after the bundle): compiles
// the check script as src/check-loader.ts does, runs `check --from-snapshot` on recorded
// snapshots with stdout muted, so V8 compiles what a real check runs, and saves the code cache.
// Without the recorded snapshots (a checkout without test/) the cache holds what loading compiled.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECK_SCRIPT, runCheckScript } from '../dist/check-loader.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, 'dist', CHECK_SCRIPT);
const { exports, script } = runCheckScript(file, undefined);
const snapshots = ['healthy', 'no-masquerade'].map((n) => join(root, 'test/fixtures/snapshots', `${n}.json`)).filter((f) => existsSync(f));
const write = process.stdout.write;
process.stdout.write = () => true;
try {
  for (const f of snapshots) for (const format of [['--json'], []]) await exports.runCheck(['--from-snapshot', f, ...format]);
} finally {
  process.stdout.write = write;
}
writeFileSync(`${file}.cache`, script.createCachedData());
