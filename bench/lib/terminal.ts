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

  /** Start `argv` in the window `app` (CI unset: Ink draws nothing interactive under CI). */
  async start(argv: string[]): Promise<void> {
    const r = await this.tmux('new-window', '-d', '-t', 'bench', '-n', 'app', 'env', '-u', 'CI', 'TERM=xterm-256color', ...argv);
    if (r.failed) throw new Error(`tmux new-window: ${r.stderr.trim()}`);
  }

  /** The app's screen, or null once its window is gone (the app exited). */
  async screen(): Promise<string | null> {
    const cap = await this.tmux('capture-pane', '-p', '-t', 'bench:app');
    return cap.failed ? null : cap.stdout;
  }

  async keys(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', 'bench:app', ...keys);
  }

  /** Read the screen until `pred` holds; ms from `since` (performance.now()) to that read. */
  async waitFor(what: string, pred: (screen: string) => boolean, since: number, timeoutMs = 10_000): Promise<{ ms: number; screen: string }> {
    let screen = '';
    while (performance.now() - since < timeoutMs) {
      const s = await this.screen();
      if (s === null) break;
      screen = s;
      if (pred(s)) return { ms: performance.now() - since, screen: s };
    }
    throw new Error(`the screen never showed ${what}; it showed:\n${screen}`);
  }

  async stop(): Promise<void> {
    await this.tmux('kill-window', '-t', 'bench:app');
  }

  /**
   * Start `argv` and read the screen until every predicate has held once or `timeoutMs`
   * passes. Returns, per predicate, the ms until it first held (null: never), and the last screen.
   */
  async time<K extends string>(argv: string[], predicates: Record<K, (screen: string) => boolean>, timeoutMs = 10_000): Promise<{ ms: Record<K, number | null>; screen: string }> {
    const keys = Object.keys(predicates) as K[];
    const ms = Object.fromEntries(keys.map((k) => [k, null])) as Record<K, number | null>;
    const started = performance.now();
    await this.start(argv);
    let screen = '';
    try {
      while (performance.now() - started < timeoutMs && keys.some((k) => ms[k] === null)) {
        const s = await this.screen();
        if (s === null) break;
        screen = s;
        const now = performance.now() - started;
        for (const k of keys) if (ms[k] === null && predicates[k](screen)) ms[k] = now;
      }
    } finally {
      await this.stop();
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

/** The learn screen's current step: number, total and the command it shows, if any. Pure. */
export function currentLearnStep(screen: string): { step: number; total: number; command: string | null } | null {
  const lines = screen.split('\n');
  const at = lines.findIndex((l) => /Step \d+\/\d+:/.test(l));
  if (at < 0) return null;
  const m = /Step (\d+)\/(\d+):/.exec(lines[at]!)!;
  const cmd = lines.slice(at + 1).map((l) => /^\s*\$ (.+?)\s*$/.exec(l)?.[1]).find((c) => c !== undefined);
  return { step: Number(m[1]), total: Number(m[2]), command: cmd ?? null };
}

/** A command the bench may run verbatim as argv: plain words, no shell syntax, no ping. Pure. */
export function plainArgv(command: string): string[] | null {
  if (/["'`$|&;<>(){}\\*?]/.test(command)) return null;
  const argv = command.split(/\s+/).filter(Boolean);
  return argv.length && argv[0] !== 'ping' && !argv.includes('ping') ? argv : null;
}
