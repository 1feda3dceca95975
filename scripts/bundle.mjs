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

/**
 * Entries bundled into one file each, without shared chunks: the split build imports them by
 * their dist/ path. `check` is netdoctor's most frequent and most timed command; as one file it
 * starts ~15 ms sooner than from the two dozen chunks it would share with the rest.
 */
export const STANDALONE = [{ entry: 'src/commands/check-main.ts', importer: 'src/cli.ts', specifier: './commands/check-main.js' }];

const common = {
  absWorkingDir: root,
  bundle: true,
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
};

/** Leaves the import of a standalone entry as it is: the file is at that path in dist/. */
const standaloneExternal = {
  name: 'standalone-external',
  setup(b) {
    for (const s of STANDALONE) {
      const filter = new RegExp(`^${s.specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
      b.onResolve({ filter }, (args) => (args.importer === join(root, s.importer) ? { path: s.specifier, external: true } : undefined));
    }
  },
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
    splitting: true,
    plugins: [standaloneExternal],
  }),
  ...STANDALONE.map((s) => build({ ...common, entryPoints: [s.entry], outfile: join('dist', s.entry.replace(/^src\//, '').replace(/\.ts$/, '.js')) })),
]);
