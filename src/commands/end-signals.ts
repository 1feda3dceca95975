// The terminal closing (SIGHUP), SIGTERM or SIGINT must end the session the way q does: a fix
// run rolls back, the capture stops, and a sandbox lab netdoctor built is removed. Without a
// handler Node would die on the spot and leave the lab's namespaces behind. A second signal
// ends the process at once (someone really wants it gone).
import { constants } from 'node:os';

const SIGNALS = ['SIGHUP', 'SIGTERM', 'SIGINT'] as const;

export interface EndSignals {
  /** The first signal received, if any. */
  readonly received: NodeJS.Signals | null;
  /** The exit code a shell expects after that signal (128 + its number). */
  exitCode(): number;
  /** Stop listening (the default behaviour comes back). */
  release(): void;
}

/** Listen for the end signals; `onEnd` runs once, on the first. */
export function onEndSignals(onEnd: (signal: NodeJS.Signals) => void): EndSignals {
  let received: NodeJS.Signals | null = null;
  const handler = (signal: NodeJS.Signals) => {
    if (received) process.exit(128 + (constants.signals[signal] ?? 0));
    received = signal;
    onEnd(signal);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    get received() {
      return received;
    },
    exitCode: () => (received ? 128 + (constants.signals[received] ?? 0) : 0),
    release: () => {
      for (const s of SIGNALS) process.off(s, handler);
    },
  };
}

/**
 * A reader that goes away (`netdoctor | head`, a closed terminal) must not crash netdoctor
 * half-way: the rest of the output is dropped, and cleanup (removing a sandbox lab) still runs.
 */
export function tolerateClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'EIO') throw err;
    });
  }
}
