// y/n questions on a terminal. The answer defaults to no: nothing changes without a "y".
import { createInterface } from 'node:readline/promises';

export function canPrompt(): boolean {
  return !!process.stdin.isTTY && !!process.stderr.isTTY;
}

/** Ask on stderr (stdout stays the report); resolves false on anything but y/yes, EOF or timeout. */
export async function askYesNo(question: string, timeoutMs?: number): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const ac = new AbortController();
  const timer = timeoutMs ? setTimeout(() => ac.abort(), timeoutMs) : null;
  // Ctrl-C at the prompt: "no", and the interrupt goes on to whoever handles it (a fix run rolls back).
  rl.on('SIGINT', () => {
    ac.abort();
    if (process.listenerCount('SIGINT') > 0) process.emit('SIGINT', 'SIGINT');
    else process.exitCode = 130;
  });
  try {
    const answer = await rl.question(`${question} [y/N] `, { signal: ac.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    process.stderr.write('\n');
    return false;
  } finally {
    if (timer) clearTimeout(timer);
    rl.close();
  }
}
