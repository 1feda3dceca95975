// A real terminal for timing the interactive session: a private tmux server (its own socket),
// the built app started in a fresh window, and the screen read with capture-pane until it
// shows what is being timed. Times run from just before tmux is asked to start the app to the
// end of the first screen read that shows it: they include tmux's own start-up of the window and
// up to one read of latency (a few ms), so they err on the slow side.
import { run } from '../../src/system/run.js';

export class BenchTerminal {
  constructor(
    readonly socket: string,
    readonly columns = 120,
    readonly rows = 60,
  ) {}

  private tmux(...args: string[]) {
    return run(['tmux', '-L', this.socket, ...args], { timeoutMs: 10_000 });
  }

  /** Start the server with an idle session, so timing never includes the server's start-up. */
  async open(): Promise<void> {
    const r = await this.tmux('new-session', '-d', '-s', 'bench', '-x', String(this.columns), '-y', String(this.rows), 'sleep', '3600');
    if (r.failed) throw new Error(`tmux new-session: ${r.stderr.trim()}`);
  }

  /**
   * Start `argv` in a new window (CI unset: Ink draws nothing interactive under CI) and read the
   * screen until every predicate has held once or `timeoutMs` passes. Returns, per predicate,
   * the ms until it first held (null: never), and the last screen.
   */
  async time<K extends string>(argv: string[], predicates: Record<K, (screen: string) => boolean>, timeoutMs = 10_000): Promise<{ ms: Record<K, number | null>; screen: string }> {
    const keys = Object.keys(predicates) as K[];
    const ms = Object.fromEntries(keys.map((k) => [k, null])) as Record<K, number | null>;
    const started = performance.now();
    const r = await this.tmux('new-window', '-d', '-t', 'bench', '-n', 'app', 'env', '-u', 'CI', 'TERM=xterm-256color', ...argv);
    if (r.failed) throw new Error(`tmux new-window: ${r.stderr.trim()}`);
    let screen = '';
    try {
      while (performance.now() - started < timeoutMs && keys.some((k) => ms[k] === null)) {
        const cap = await this.tmux('capture-pane', '-p', '-t', 'bench:app');
        if (cap.failed) break; // the app exited and its window closed
        screen = cap.stdout;
        const now = performance.now() - started;
        for (const k of keys) if (ms[k] === null && predicates[k](screen)) ms[k] = now;
      }
    } finally {
      await this.tmux('kill-window', '-t', 'bench:app');
    }
    return { ms, screen };
  }

  async close(): Promise<void> {
    await this.tmux('kill-server');
  }
}

/** Every step id is on the screen (in any state). Pure. */
export function showsWholeChecklist(screen: string, stepIds: readonly string[]): boolean {
  return stepIds.every((id) => screen.includes(id));
}

const FINAL = '(?:ok|FAIL|warn|skip|ERR)';

/** Every step id is on the screen with a final verdict next to it (none still running). Pure. */
export function showsCompleteChecklist(screen: string, stepIds: readonly string[]): boolean {
  const lines = screen.split('\n');
  return stepIds.every((id) => {
    const re = new RegExp(`(?:^|\\s)${FINAL}\\s+${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\s|$)`);
    return lines.some((l) => re.test(l));
  });
}
