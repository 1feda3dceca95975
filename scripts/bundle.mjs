#!/usr/bin/env node
// Bundles the built CLI so start-up reads a handful of files instead of hundreds of modules
// (`npm run build` runs tsc first, then this). Output, over tsc's own dist/:
//   dist/cli.js                  the CLI entry (argument dispatch, as src/cli.ts)
//   dist/<dir>/<worker>.js       each script netdoctor starts by path (same paths as tsc's)
//   dist/chunks/*.js             code shared between entries or loaded lazily (a command,
//                                Ink/React), split by esbuild so `check --json` never loads
//                                the UI's chunks
// tsc's per-module files stay beside them (tests import some directly); the entries above
// replace tsc's versions of the same names. Native addons (pcap) stay external: they are
// loaded with require() from node_modules at run time.
import { build } from 'esbuild';
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

rmSync(join(root, 'dist/chunks'), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: ENTRIES,
  outbase: 'src',
  outdir: 'dist',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native addons and anything only a developer installs (Ink's optional devtools).
  external: ['pcap', '*.node', 'react-devtools-core'],
  // Bundled CommonJS (React, some of Ink's dependencies) calls require() for Node's built-ins.
  banner: { js: "import { createRequire as __ndCreateRequire } from 'node:module'; const require = __ndCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
