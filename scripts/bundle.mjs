#!/usr/bin/env node
// Bundles the built CLI so start-up reads a handful of files instead of hundreds of modules
// (`npm run build` runs tsc first, then this). Output, over tsc's own dist/:
//   dist/cli.js                  the CLI entry (argument dispatch, as src/cli.ts)
//   dist/<dir>/<worker>.js       each script netdoctor starts by path (same paths as tsc's)
//   dist/chunks/*.js             code shared between entries or loaded lazily (a command,
//                                Ink/React), split by esbuild so `check --json` never loads
//                                the UI's chunks
//   dist/commands/check-main.cjs `check` as one classic script, with its V8 code cache (.cache)
// tsc's per-module files stay beside them (tests import some directly); the entries above
// replace tsc's versions of the same names. Native addons (pcap) stay external: they are
// loaded with require() from node_modules at run time.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every file netdoctor runs as a process of its own (src/dist-path.ts finds them in dist/). */
export const ENTRIES = [
  'src/cli.ts',
  'src/system/capture/worker.ts',
  'src/system/dns-query-worker.ts',
  'src/lab/dns-responder.ts',
  'src/lab/udp-flow-worker.ts',
  'src/learn/worker.ts',
];

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Native addons and anything only a developer installs (Ink's optional devtools).
  external: ['pcap', '*.node', 'react-devtools-core'],
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
};

rmSync(join(root, 'dist/chunks'), { recursive: true, force: true });

await Promise.all([
  build({
    ...common,
    entryPoints: ENTRIES,
    outbase: 'src',
    outdir: 'dist',
    entryNames: '[dir]/[name]',
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    splitting: true,
    // Bundled CommonJS (React, some of Ink's dependencies) calls require() for Node's built-ins.
    banner: { js: "import { createRequire as __ndCreateRequire } from 'node:module'; const require = __ndCreateRequire(import.meta.url);" },
  }),
  // `check`, netdoctor's most frequent and most timed command, once more as one classic script:
  // src/check-loader.ts compiles it with V8's code cache. Its lazy imports (--fix, --all) are
  // inlined; `import.meta.url` is the wrapper's parameter.
  build({
    ...common,
    entryPoints: ['src/commands/check-main.ts'],
    outfile: 'dist/commands/check-main.cjs',
    format: 'cjs',
    define: { 'import.meta.url': '__ndImportMetaUrl' },
  }),
]);

// The code cache: run the script once on recorded snapshots (a healthy lab and a broken one,
// JSON and text) in a Node of its own, so what V8 compiles for a real check is in the cache.
const cache = spawnSync(process.execPath, [join(root, 'scripts/check-cache.mjs')], { cwd: root, stdio: 'inherit' });
if (cache.status !== 0) throw new Error('scripts/check-cache.mjs failed');
