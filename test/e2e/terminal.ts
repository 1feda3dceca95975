// A real terminal for end-to-end tests: a tmux server of its own (socket per test), one
// 80x24 window running the built app, its screen read as text and keys sent as a person would.
import { run } from '../../src/system/run.js';

export class Terminal {
  constructor(readonly socket: string) {}

  tmux(...args: string[]) {
    return run(['tmux', '-L', this.socket, ...args], { timeoutMs: 10_000 });
  }

  /** `env`: extra variables for the app (e.g. a temporary NETDOCTOR_STATE_DIR). */
  async start(argv: string[], env: Record<string, string> = {}): Promise<void> {
    // Ink draws nothing interactive when CI is set: the app must not inherit it.
    const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const r = await this.tmux('new-session', '-d', '-s', 'nd', '-x', '80', '-y', '24', 'env', '-u', 'CI', 'TERM=xterm-256color', ...vars, ...argv);
    if (r.failed) throw new Error(`tmux new-session: ${r.stderr}`);
  }

  /** Resize the window, as a person dragging the terminal's corner (Ink gets SIGWINCH). */
  async resize(columns: number, rows: number): Promise<void> {
    const r = await this.tmux('resize-window', '-t', 'nd', '-x', String(columns), '-y', String(rows));
    if (r.failed) throw new Error(`tmux resize-window: ${r.stderr}`);
  }

  /** The screen with its escape sequences (colours, bold, inverse) as tmux holds them. */
  async screenWithEscapes(): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-e', '-t', 'nd')).stdout;
  }

  async screen(): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-t', 'nd')).stdout;
  }

  async keys(...keys: string[]): Promise<void> {
    await this.tmux('send-keys', '-t', 'nd', ...keys);
  }

  /** Wait for the screen to satisfy `check`; fail with the screen as it was. */
  async waitFor(what: string, check: (screen: string) => boolean, timeoutMs = 20_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < until) {
      screen = await this.screen();
      if (check(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the screen never showed ${what}; it showed:\n${screen}`);
  }

  /** The pid of the program in the pane (env execs it, so it is netdoctor's own). */
  async pid(): Promise<number> {
    return Number((await this.tmux('list-panes', '-t', 'nd', '-F', '#{pane_pid}')).stdout.trim());
  }

  async alive(): Promise<boolean> {
    return !(await this.tmux('has-session', '-t', 'nd')).failed;
  }

  /** Quit with q and wait (up to 15 s) for the app, and with it the tmux session, to end. */
  async quit(): Promise<void> {
    await this.keys('q');
    const until = Date.now() + 15_000;
    while ((await this.alive()) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    if (await this.alive()) throw new Error(`q did not end the app; the screen:\n${await this.screen()}`);
  }

  async kill(): Promise<void> {
    await this.tmux('kill-server');
  }
}
