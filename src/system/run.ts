// The one place netdoctor spawns processes. Always an argv array, never a shell; every spawn
// has a timeout; a namespace is entered with `ip netns exec`, never by string-building.
import { constants as osConstants } from 'node:os';
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

export interface AttachedResult {
  argv: string[];
  /** The exit code, or 128 + the signal number when the process was killed by a signal. */
  exitCode: number;
  spawnError: string | null;
}

/**
 * Run an interactive or user-given command on this terminal: stdin, stdout and stderr are
 * inherited and there is no timeout (the user decides when it ends). Still an argv array,
 * never a shell. Ctrl-C goes to the child (same process group); netdoctor waits for it.
 */
export async function runAttached(argv: readonly string[], opts: { env?: Record<string, string> } = {}): Promise<AttachedResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('runAttached: empty argv');
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGQUIT', ignore);
  try {
    const result = await execa(file, args, {
      reject: false,
      stdio: 'inherit',
      env: { ...opts.env, PATH: withSbin(process.env.PATH) },
    });
    const code = (result as { code?: string }).code;
    if (result.exitCode === undefined && code && !result.signal) return { argv: [...argv], exitCode: 127, spawnError: code };
    const signo = result.signal ? (osConstants.signals as Record<string, number>)[result.signal] ?? 0 : 0;
    return { argv: [...argv], exitCode: result.exitCode ?? 128 + signo, spawnError: null };
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGQUIT', ignore);
  }
}
