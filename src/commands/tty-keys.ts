// Keys typed before Ink is listening. In the terminal's normal (cooked) mode they would be
// echoed straight onto the pre-Ink frame as raw text. So the session puts the terminal in raw
// mode (no echo, no line buffering) the moment it starts and reads nothing itself: what the
// user types stays queued in the terminal, and Ink reads it as ordinary key presses once it
// attaches (type-ahead: a `q` pressed early quits, an early `j` moves). The terminal's own
// mode comes back on every way out: Ink restores it when it unmounts; exit, a crash, SIGTERM
// and SIGHUP are covered here.
import type { ReadStream } from 'node:tty';

let restoreInstalled = false;

function restore(stdin: ReadStream): void {
  try {
    if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
  } catch {
    // The terminal is already gone (SIGHUP): nothing to restore.
  }
}

/** Stop echoing keys now; they are delivered to the next reader of stdin (Ink). */
export function holdKeys(stdin: NodeJS.ReadStream = process.stdin): void {
  const tty = stdin as ReadStream;
  if (!tty.isTTY || typeof tty.setRawMode !== 'function') return;
  tty.setRawMode(true);
  if (restoreInstalled) return;
  restoreInstalled = true;
  // 'exit' also runs after an uncaught exception and after process.exit().
  process.on('exit', () => restore(tty));
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      restore(tty);
      // Die of the same signal, as without this handler (the exit status says so), unless
      // someone else handles it (the session ends itself cleanly: see ./end-signals.ts).
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}
