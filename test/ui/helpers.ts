import { vi } from 'vitest';

/** Wait until the frame satisfies the check (Ink renders asynchronously). */
export async function frameWhere(lastFrame: () => string | undefined, check: (frame: string) => boolean, what: string): Promise<string> {
  let frame = '';
  await vi.waitFor(
    () => {
      frame = lastFrame() ?? '';
      if (!check(frame)) throw new Error(`frame never showed ${what}; last frame:\n${frame}`);
    },
    { timeout: 3000, interval: 10 },
  );
  return frame;
}

export const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

// Ink parses escape sequences from stdin into keys.
export const KEY = { up: '\x1b[A', down: '\x1b[B', enter: '\r', escape: '\x1b' };

// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
