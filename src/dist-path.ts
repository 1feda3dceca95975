// Where netdoctor's own files are, whichever layout this module runs in. Worker scripts (the
// capture worker, the DNS query worker, the lab's responder and UDP flow, the learn watcher) are
// started by path, so their location cannot follow `import.meta.url` of the module asking:
// - bundled (scripts/bundle.mjs): this code sits inside dist/cli.js, a worker entry such as
//   dist/system/capture/worker.js, or a shared chunk in dist/chunks/;
// - tsc's one-file-per-module output: dist/dist-path.js;
// - TypeScript run directly (tests, tsx): src/dist-path.ts, whose workers are the built ones.
// In every case the nearest enclosing `dist` (or `src`, whose sibling is `dist`) is the root.
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dist/ directory enclosing `file` (pure; exported for tests). */
export function distRootOf(file: string): string {
  let dir = dirname(file);
  for (;;) {
    const name = basename(dir);
    if (name === 'dist') return dir;
    if (name === 'src') return join(dirname(dir), 'dist');
    const up = dirname(dir);
    if (up === dir) return dirname(file); // not in a known layout: next to this file
    dir = up;
  }
}

const DIST = distRootOf(fileURLToPath(import.meta.url));

/** A built file by its path inside dist/, e.g. distFile('system/capture/worker.js'). */
export function distFile(relative: string): string {
  return join(DIST, relative);
}

/** A file of the package itself (beside dist/), e.g. packageFile('scenarios'). */
export function packageFile(relative: string): string {
  return join(dirname(DIST), relative);
}
