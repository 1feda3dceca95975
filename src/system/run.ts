// The one place netdoctor spawns processes. Always an argv array, never a shell; every spawn
// has a timeout; a namespace is entered with `ip netns exec`, never by string-building.
import { execa } from 'execa';

export interface RunOptions {
  /** Run inside this named network namespace (`ip netns exec NS ...`). null/undefined: here. */
  ns?: string | null;
  /** Kill the process after this many milliseconds (default 5000). */
  timeoutMs?: number;
  /** Written to the process's stdin. */
  input?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

export interface RunResult {
  argv: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** True when the process did not exit 0 (or could not be started, or timed out). */
  failed: boolean;
  timedOut: boolean;
  /** Set when the program could not be started at all, e.g. 'ENOENT' (not installed). */
  spawnError: string | null;
  durationMs: number;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/** argv that runs `argv` inside namespace `ns` (or `argv` itself when ns is null). */
export function inNs(ns: string | null | undefined, argv: readonly string[]): string[] {
  return ns ? ['ip', 'netns', 'exec', ns, ...argv] : [...argv];
}

// Programs are looked up in the usual sbin directories too: root's PATH under sudo or cron
// may lack them, and `ip`, `nft`, `iptables` live there.
const SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function withSbin(path: string | undefined): string {
  if (!path) return SBIN_PATH;
  const have = new Set(path.split(':'));
  const missing = SBIN_PATH.split(':').filter((p) => !have.has(p));
  return missing.length ? `${path}:${missing.join(':')}` : path;
}

export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const full = inNs(opts.ns, argv);
  const [file, ...args] = full;
  if (!file) throw new Error('run: empty argv');
  const started = performance.now();
  const result = await execa(file, args, {
    reject: false,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : 'pipe',
    env: { ...opts.env, PATH: withSbin(process.env.PATH), LC_ALL: 'C' },
    stripFinalNewline: false,
    // Kill the whole process if it ignores SIGTERM after the timeout.
    forceKillAfterDelay: 1000,
  });
  const code = (result as { code?: string }).code;
  const spawnError = result.exitCode === undefined && code ? code : null;
  return {
    argv: full,
    exitCode: result.exitCode ?? null,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    failed: result.failed,
    timedOut: result.timedOut,
    spawnError,
    durationMs: Math.round(performance.now() - started),
  };
}

/** One-line description of why a command failed, for evidence and error messages. */
export function describeFailure(r: RunResult): string {
  const cmd = r.argv.join(' ');
  if (r.spawnError === 'ENOENT') return `${r.argv[0]}: not installed (${cmd})`;
  if (r.spawnError) return `${cmd}: could not start (${r.spawnError})`;
  if (r.timedOut) return `${cmd}: timed out`;
  const msg = r.stderr.trim().split('\n').filter(Boolean).pop() ?? '';
  return `${cmd}: exit ${r.exitCode}${msg ? `: ${msg}` : ''}`;
}

export interface StreamingProcess {
  argv: string[];
  pid: number | undefined;
  /** Write one line to the process's stdin. */
  writeLine(line: string): void;
  /** Close its stdin (the polite way to ask a worker to stop). */
  closeStdin(): void;
  /** Called for every stdout line, in order. */
  onLine(fn: (line: string) => void): void;
  /** stderr so far (bounded). */
  stderr(): string;
  kill(signal?: NodeJS.Signals): void;
  /** Settles when the process has exited (never rejects). */
  exited: Promise<{ exitCode: number | null; signal: string | null; spawnError: string | null }>;
}

/**
 * A long-running process whose stdout is read line by line while it runs (capture worker,
 * `nft monitor`). Same rules as run(): argv only, a hard timeout, killed for good after it.
 */
export function spawnStreaming(argv: readonly string[], opts: RunOptions & { timeoutMs: number }): StreamingProcess {
  const full = inNs(opts.ns, argv);
  const [file, ...args] = full;
  if (!file) throw new Error('spawnStreaming: empty argv');
  const sub = execa(file, args, {
    reject: false,
    buffer: false,
    timeout: opts.timeoutMs,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...opts.env, PATH: withSbin(process.env.PATH), LC_ALL: 'C' },
    forceKillAfterDelay: 500,
  });
  const listeners: ((line: string) => void)[] = [];
  let pending = '';
  sub.stdout?.setEncoding('utf8');
  sub.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      for (const fn of listeners) fn(line);
    }
  });
  let err = '';
  sub.stderr?.setEncoding('utf8');
  sub.stderr?.on('data', (chunk: string) => {
    if (err.length < 8192) err += chunk;
  });
  // A worker that exits early must not crash us with EPIPE.
  sub.stdin?.on('error', () => undefined);
  const exited = sub.then(
    (r) => {
      if (pending) for (const fn of listeners) fn(pending);
      pending = '';
      const code = (r as { code?: string }).code;
      return { exitCode: r.exitCode ?? null, signal: r.signal ?? null, spawnError: r.exitCode === undefined && code ? code : null };
    },
    (e: unknown) => ({ exitCode: null, signal: null, spawnError: String((e as { code?: string }).code ?? e) }),
  );
  return {
    argv: full,
    pid: sub.pid,
    writeLine: (line) => {
      if (sub.stdin && !sub.stdin.destroyed) sub.stdin.write(`${line}\n`);
    },
    closeStdin: () => {
      if (sub.stdin && !sub.stdin.destroyed) sub.stdin.end();
    },
    onLine: (fn) => listeners.push(fn),
    stderr: () => err,
    kill: (signal = 'SIGTERM') => {
      sub.kill(signal);
    },
    exited,
  };
}
