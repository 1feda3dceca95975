// Starts the watcher (worker.ts) inside a lab world and hands its messages on. The worker dies
// with netdoctor (setpriv --pdeathsig) and when its stdin closes.
import { existsSync } from 'node:fs';
import { distFile } from '../dist-path.js';
import { worldArgv, worldPaths } from '../lab/world-plan.js';
import { spawnLines, type LineProcess } from '../system/run.js';
import type { WatchMessage } from './types.js';

export interface Watch {
  /** Ask for a ping now (e.g. right after netdoctor ran a step for the learner). */
  requestPing(): void;
  stop(): Promise<void>;
  exited: LineProcess['exited'];
  stderr(): string;
}

function workerArgv(once: boolean): string[] {
  const worker = distFile('learn/worker.js');
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  const node = [process.execPath, worker, ...(once ? ['--once'] : [])];
  return setpriv ? [setpriv, '--pdeathsig', 'KILL', ...node] : node;
}

export function startWatch(prefix: string, onMessage: (m: WatchMessage) => void, opts: { once?: boolean } = {}): Watch {
  const proc = spawnLines(worldArgv(worldPaths(prefix), workerArgv(opts.once ?? false)));
  proc.onLine((line) => {
    try {
      onMessage(JSON.parse(line) as WatchMessage);
    } catch {
      // not ours: ignore
    }
  });
  return {
    requestPing: () => proc.writeLine('ping'),
    stop: () => proc.stop(),
    exited: proc.exited,
    stderr: () => proc.stderr(),
  };
}
