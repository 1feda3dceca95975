// A long-running child whose stdout is read line by line while it runs (the learn watcher).
// Same rules as run(): argv only, never a shell. It is stopped by closing its stdin, then killed.
import { spawn } from 'node:child_process';

export interface LineProcess {
  pid: number | undefined;
  onLine(fn: (line: string) => void): void;
  writeLine(line: string): void;
  /** stderr so far (bounded). */
  stderr(): string;
  /** Close stdin, wait up to graceMs, then SIGKILL. Resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<{ exitCode: number | null; signal: string | null }>;
}

const SBIN = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function spawnLines(argv: readonly string[], opts: { env?: Record<string, string> } = {}): LineProcess {
  const [file, ...args] = argv;
  if (!file) throw new Error('spawnLines: empty argv');
  const path = [process.env.PATH, SBIN].filter(Boolean).join(':');
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env, PATH: path, LC_ALL: 'C' } });
  const listeners: ((line: string) => void)[] = [];
  let pending = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      for (const fn of listeners) fn(line);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (err.length < 16_384) err += chunk;
  });
  child.stdin.on('error', () => undefined);
  const exited = new Promise<{ exitCode: number | null; signal: string | null }>((resolve) => {
    child.on('error', () => resolve({ exitCode: null, signal: null }));
    child.on('close', (code, signal) => resolve({ exitCode: code, signal }));
  });
  let stopping: Promise<void> | null = null;
  return {
    pid: child.pid,
    onLine: (fn) => listeners.push(fn),
    writeLine: (line) => {
      if (!child.stdin.destroyed) child.stdin.write(`${line}\n`);
    },
    stderr: () => err,
    stop(graceMs = 1000) {
      stopping ??= (async () => {
        if (!child.stdin.destroyed) child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
    exited,
  };
}
