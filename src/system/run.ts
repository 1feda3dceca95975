// The one place netdoctor spawns processes. Always an argv array, never a shell; every spawn
// has a timeout; a namespace is entered with `ip netns exec`, never by string-building.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { constants as osConstants } from 'node:os';

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
const FORCE_KILL_AFTER_MS = 1000;

/** argv that runs `argv` inside namespace `ns` (or `argv` itself when ns is null). */
export function inNs(ns: string | null | undefined, argv: readonly string[]): string[] {
  if (ns && isProcNetns(ns)) return ['nsenter', `--net=${ns}`, ...argv];
  return ns ? ['ip', 'netns', 'exec', ns, ...argv] : [...argv];
}

/**
 * A namespace without a name is addressed as /proc/PID/ns/net (`check --pid`, container
 * namespaces in `check --all`), and entered with `nsenter --net=...` instead of `ip netns exec`.
 */
const PROC_NETNS = /^\/proc\/[1-9]\d*\/ns\/net$/;

export function isProcNetns(ns: string): boolean {
  return PROC_NETNS.test(ns);
}

export function procNetns(pid: number): string {
  return `/proc/${pid}/ns/net`;
}

/** `ip ARGS` on one side: here, in a named namespace (`ip -n`), or through nsenter. */
export function ipIn(ns: string | null | undefined, ...args: string[]): string[] {
  if (ns && isProcNetns(ns)) return ['nsenter', `--net=${ns}`, 'ip', ...args];
  return ns ? ['ip', '-n', ns, ...args] : ['ip', ...args];
}

// Programs are looked up in the usual sbin directories too: root's PATH under sudo or cron
// may lack them, and `ip`, `nft`, `iptables` live there.
const SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function withSbin(path: string | undefined): string {
  // NETDOCTOR_PATH replaces the lookup path entirely: tools in an unusual place, and the tests
  // that take one tool away (the sbin directories would otherwise bring it back).
  const only = process.env.NETDOCTOR_PATH;
  if (only) return only;
  if (!path) return SBIN_PATH;
  const have = new Set(path.split(':'));
  const missing = SBIN_PATH.split(':').filter((p) => !have.has(p));
  return missing.length ? `${path}:${missing.join(':')}` : path;
}

// At most this many children at once per process. One diagnosis starts about a dozen reads
// together; many diagnoses in one process (the session, a test, a library user) would start
// hundreds, and on a small machine their timeouts would expire while they wait for a CPU.
// A queued command's timeout starts when it is really spawned.
export const MAX_CONCURRENT_CHILDREN = 16;
let running = 0;
const waiting: (() => void)[] = [];

async function slot(): Promise<() => void> {
  if (running >= MAX_CONCURRENT_CHILDREN) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  // The slot passes straight to the next waiter, so `running` counts it throughout.
  return () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
}

// NETDOCTOR_SPAWN_LOG=FILE: every command run() starts, one JSON argv a line (tests bound how
// many processes `check --all` starts; a debugging aid otherwise).
const SPAWN_LOG = process.env.NETDOCTOR_SPAWN_LOG || null;

// Every child netdoctor waits for dies with it, even when netdoctor is killed outright (SIGKILL
// runs no exit hook, and a command in its own process group does not get the terminal's Ctrl-C):
// `setpriv --pdeathsig KILL` has the kernel kill it when its parent dies, then execs the command
// (`ip netns exec` execs too, so the setting reaches the program itself). A hung read, a capture
// worker, `nft monitor` or a ping can so never outlive netdoctor. Costs one exec (~0.5 ms).
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null;

/** Where `name` is on `path` (a name with a '/' as it is), or null: not installed. */
function findProgram(name: string, path: string): string | null {
  const candidates = name.includes('/') ? [name] : path.split(':').filter(Boolean).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      const st = statSync(c);
      if (st.isFile() && (st.mode & 0o111) !== 0) return c;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * The argv to spawn for `full`: under setpriv where it is installed, the program looked up first
 * (setpriv would report a missing one as its own failure, exit 127). null: not installed.
 */
export function diesWithParentArgv(full: readonly string[], path: string): string[] | null {
  const [file, ...args] = full;
  if (!file) throw new Error('run: empty argv');
  if (!SETPRIV) return [...full];
  const found = findProgram(file, path);
  return found ? [SETPRIV, '--pdeathsig', 'KILL', '--', found, ...args] : null;
}

const NOT_INSTALLED: Collected = { exitCode: null, stdout: '', stderr: '', timedOut: false, spawnError: 'ENOENT' };

export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const full = inNs(opts.ns, argv);
  const path = withSbin(process.env.PATH);
  const spawned = diesWithParentArgv(full, path);
  const release = await slot();
  if (SPAWN_LOG) appendFileSync(SPAWN_LOG, `${JSON.stringify(full)}\n`);
  const started = performance.now();
  let outcome: Collected;
  try {
    outcome = spawned
      ? await spawnCollect(spawned[0]!, spawned.slice(1), {
          timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          input: opts.input,
          env: { ...process.env, ...opts.env, PATH: path, LC_ALL: 'C' },
        })
      : { ...NOT_INSTALLED };
  } finally {
    release();
  }
  // `ip netns exec NS prog` reports a missing prog itself (exit 1): the same as not installed.
  if (opts.ns && outcome.spawnError === null && outcome.exitCode !== 0 && /^exec of ".*" failed: No such file or directory$/m.test(outcome.stderr)) {
    outcome.spawnError = 'ENOENT';
  }
  return {
    argv: full,
    ...outcome,
    failed: outcome.exitCode !== 0 || outcome.timedOut || outcome.spawnError !== null,
    durationMs: Math.round(performance.now() - started),
  };
}

interface Collected {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  spawnError: string | null;
}

// Commands run in their own process group: a timeout signals the whole group, and whatever a
// command forked cannot outlive it by holding on. Being their own group, they no longer die with
// netdoctor's terminal (Ctrl-C), so the groups still running when netdoctor exits are killed.
const liveGroups = new Set<number>();
let exitHook = false;

function trackGroup(pid: number | undefined): { release(): void } {
  if (pid === undefined) return { release: () => undefined };
  liveGroups.add(pid);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const g of liveGroups) killGroup(g, 'SIGKILL');
    });
  }
  return { release: () => liveGroups.delete(pid) };
}

/** Signal process group `pgid` (a spawned leader's pid); false when it is already gone. */
function killGroup(pgid: number | undefined, signal: NodeJS.Signals): boolean {
  if (pgid === undefined || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

// A bare child_process spawn (no shell): importing execa alone cost ~60 ms of every run's
// startup, more than all the queries of a passive check together.
function spawnCollect(file: string, args: string[], o: { timeoutMs: number; input?: string; env: NodeJS.ProcessEnv }): Promise<Collected> {
  return new Promise((resolve) => {
    // Its own process group (detached), so a timeout kills what it forked too, not only it.
    const child = spawn(file, args, { env: o.env, detached: true, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const group = trackGroup(child.pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let spawnError: string | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGTERM');
      // Kill the group for good if anything in it ignores SIGTERM.
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), FORCE_KILL_AFTER_MS);
    }, o.timeoutMs);
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e.code ?? 'ERROR';
    });
    if (o.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {}); // the program may exit without reading its input
      child.stdin.end(o.input);
    }
    // A killed program's own children may still hold its pipes open: stop waiting for them.
    child.on('exit', () => {
      if (timedOut) {
        // Whatever it forked dies with it, even what ignored SIGTERM.
        killGroup(child.pid, 'SIGKILL');
        child.stdout?.destroy();
        child.stderr?.destroy();
      }
    });
    // 'close' comes after 'error' too (spawn failures), once every stream is drained.
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      group.release();
      resolve({
        exitCode: spawnError ? null : code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        spawnError,
      });
    });
  });
}

/** One-line description of why a command failed, for evidence and error messages. */
export function describeFailure(r: RunResult): string {
  const cmd = r.argv.join(' ');
  // Through `ip netns exec NS prog`, the missing program is prog, not ip.
  const prog = r.argv[0] === 'ip' && r.argv[1] === 'netns' && r.argv[2] === 'exec' && r.argv[4] ? r.argv[4] : r.argv[0];
  if (r.spawnError === 'ENOENT') return `${prog}: not installed (${cmd})`;
  if (r.spawnError) return `${cmd}: could not start (${r.spawnError})`;
  if (r.timedOut) return `${cmd}: timed out`;
  const msg = r.stderr.trim().split('\n').filter(Boolean).pop() ?? '';
  return `${cmd}: exit ${r.exitCode}${msg ? `: ${msg}` : ''}`;
}

export interface BackgroundProcess {
  pid: number;
  /** Kernel start time (clock ticks since boot, /proc/PID/stat field 22): tells a reused pid apart. */
  startTicks: number | null;
}

/** Start time of a process, from /proc/PID/stat (null: gone or unreadable). */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/**
 * Start a long-lived helper (a lab's traffic generator) that outlives this process. It must
 * print one line "ready" on stdout once it works, and nothing after that: the pipe is closed
 * then. Argv only, never a shell; inside `ns` through `ip netns exec`, which execs, so the pid
 * is the helper's own.
 */
export async function spawnBackground(argv: readonly string[], opts: { ns?: string | null; readyTimeoutMs?: number } = {}): Promise<BackgroundProcess> {
  const full = inNs(opts.ns, argv);
  const [file, ...args] = full;
  if (!file) throw new Error('spawnBackground: empty argv');
  const child = spawn(file, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, PATH: withSbin(process.env.PATH), LC_ALL: 'C' },
  });
  const timeoutMs = opts.readyTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${full.join(' ')}: not ready after ${timeoutMs} ms`)), timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${full.join(' ')}: could not start (${(err as NodeJS.ErrnoException).code ?? err.message})`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${full.join(' ')}: exited with ${code} before it was ready`));
      });
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (err) {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    throw err;
  }
  child.removeAllListeners();
  child.stdout!.destroy();
  child.unref();
  const pid = child.pid!;
  return { pid, startTicks: processStartTicks(pid) };
}

/** Stop a helper started by spawnBackground, only if the pid still belongs to it. */
export function stopBackground(p: BackgroundProcess): boolean {
  const now = processStartTicks(p.pid);
  if (now === null || (p.startTicks !== null && now !== p.startTicks)) return false;
  try {
    process.kill(p.pid, 'SIGTERM');
    return true;
  } catch {
    return false;
  }
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
  /** Close stdin, wait up to graceMs, then SIGKILL. Resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Settles when the process has exited (never rejects). */
  exited: Promise<{ exitCode: number | null; signal: string | null; spawnError: string | null }>;
}

/** What spawnLines gives the learn watcher: a streaming process, reporting only how it ended. */
export interface LineProcess extends Omit<StreamingProcess, 'exited'> {
  exited: Promise<{ exitCode: number | null; signal: string | null }>;
}

const STREAM_STDERR_LIMIT = 16_384;

/**
 * A long-running process whose stdout is read line by line while it runs (capture worker,
 * `nft monitor`, the learn watcher). Same rules as run(): argv only, a hard timeout, killed for
 * good after it.
 */
export function spawnStreaming(argv: readonly string[], opts: RunOptions & { timeoutMs: number }): StreamingProcess {
  return spawnLineReader(argv, opts, opts.timeoutMs);
}

/**
 * The learn watcher: like spawnStreaming, but it runs for as long as the learner works, so it
 * has no timeout; it is ended with stop() (stdin closed, then SIGKILL).
 */
export function spawnLines(argv: readonly string[], opts: { env?: Record<string, string> } = {}): LineProcess {
  const p = spawnLineReader(argv, opts, null);
  return { ...p, exited: p.exited.then(({ exitCode, signal }) => ({ exitCode, signal })) };
}

function spawnLineReader(argv: readonly string[], opts: RunOptions, timeoutMs: number | null): StreamingProcess {
  const full = inNs(opts.ns, argv);
  if (!full[0]) throw new Error('spawnStreaming: empty argv');
  const path = withSbin(process.env.PATH);
  // Dies with netdoctor (see run()); a program that is not installed is spawned by its bare
  // name, so it fails as before (ENOENT).
  const [file, ...args] = diesWithParentArgv(full, path) ?? full;
  const child = spawn(file!, args, { env: { ...process.env, ...opts.env, PATH: path, LC_ALL: 'C' }, stdio: ['pipe', 'pipe', 'pipe'] });
  const listeners: ((line: string) => void)[] = [];
  let pending = '';
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
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (err.length < STREAM_STDERR_LIMIT) err += chunk;
  });
  // A worker that exits early must not crash us with EPIPE.
  child.stdin.on('error', () => undefined);
  let spawnError: string | null = null;
  child.on('error', (e: NodeJS.ErrnoException) => {
    spawnError = e.code ?? 'ERROR';
  });
  let killTimer: NodeJS.Timeout | undefined;
  const timer =
    timeoutMs === null
      ? undefined
      : setTimeout(() => {
          child.kill('SIGTERM');
          killTimer = setTimeout(() => child.kill('SIGKILL'), FORCE_KILL_AFTER_MS);
        }, timeoutMs);
  const exited = new Promise<{ exitCode: number | null; signal: string | null; spawnError: string | null }>((resolve) => {
    child.on('exit', () => {
      // Whatever it forked may still hold the pipes: do not wait for them.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 200).unref();
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      if (pending) for (const fn of listeners) fn(pending);
      pending = '';
      resolve({ exitCode: spawnError ? null : code, signal, spawnError });
    });
  });
  let stopping: Promise<void> | null = null;
  return {
    argv: full,
    pid: child.pid,
    writeLine: (line) => {
      if (!child.stdin.destroyed) child.stdin.write(`${line}\n`);
    },
    closeStdin: () => {
      if (!child.stdin.destroyed) child.stdin.end();
    },
    onLine: (fn) => listeners.push(fn),
    stderr: () => err,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
    stop(graceMs = 1000) {
      stopping ??= (async () => {
        if (!child.stdin.destroyed) child.stdin.end();
        const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(force);
      })();
      return stopping;
    },
    exited,
  };
}

/**
 * Start a process that outlives netdoctor (the --trial watchdog): its own session, no stdio,
 * not waited for. Still an argv array, never a shell. Returns its pid.
 */
export function spawnDetached(argv: readonly string[], env: Record<string, string> = {}): number {
  const [file, ...args] = argv;
  if (!file) throw new Error('spawnDetached: empty argv');
  const child = spawn(file, args, {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, ...env, PATH: withSbin(process.env.PATH), LC_ALL: 'C' },
  });
  child.on('error', () => undefined);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  return child.pid;
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
export function runAttached(argv: readonly string[], opts: { env?: Record<string, string> } = {}): Promise<AttachedResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('runAttached: empty argv');
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGQUIT', ignore);
  return new Promise((resolve) => {
    let spawnError: string | null = null;
    const child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, ...opts.env, PATH: withSbin(process.env.PATH) } });
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e.code ?? 'ERROR';
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGQUIT', ignore);
      const signo = signal ? ((osConstants.signals as Record<string, number>)[signal] ?? 0) : 0;
      resolve({ argv: [...argv], exitCode: spawnError ? 127 : (code ?? 128 + signo), spawnError });
    });
  });
}

/**
 * Start a long-lived helper (the lab's DNS responder) that outlives this process: detached, in
 * its own process group, stdin closed. Resolves with its pid once it prints `ready`; a helper
 * that exits or stays silent for `readyTimeoutMs` is killed and reported.
 */
export function startDaemon(argv: readonly string[], opts: { ns?: string | null; readyTimeoutMs?: number; env?: Record<string, string> } = {}): Promise<{ pid: number }> {
  const [file, ...args] = inNs(opts.ns, argv);
  if (!file) throw new Error('startDaemon: empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env, PATH: withSbin(process.env.PATH), LC_ALL: 'C' } });
    let err = '';
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(() => settle(() => {
      child.kill('SIGKILL');
      reject(new Error(`${[file, ...args].join(' ')}: not ready after ${opts.readyTimeoutMs ?? 10_000} ms${err ? `: ${err.trim()}` : ''}`));
    }), opts.readyTimeoutMs ?? 10_000);
    child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', (e) => settle(() => reject(e)));
    child.on('exit', (code) => settle(() => reject(new Error(`${[file, ...args].join(' ')}: exited ${code}${err ? `: ${err.trim()}` : ''}`))));
    child.stdout?.on('data', (b: Buffer) => {
      if (!b.toString('utf8').includes('ready') || child.pid === undefined) return;
      const pid = child.pid;
      settle(() => {
        // Let go: no pipes, no reference, so this process can exit while the helper runs on.
        child.stdout?.destroy();
        child.stderr?.destroy();
        child.removeAllListeners('exit');
        child.unref();
        resolve({ pid });
      });
    });
  });
}

/**
 * Synchronous, for the one place that cannot wait for the event loop: cleaning up in a signal
 * handler (the nft trace table). Same rules: argv only, a timeout.
 */
export function runSync(argv: readonly string[], opts: { ns?: string | null; timeoutMs: number }): { exitCode: number | null } {
  const [file, ...args] = inNs(opts.ns, argv);
  if (!file) throw new Error('runSync: empty argv');
  const r = spawnSync(file, args, { env: { ...process.env, PATH: withSbin(process.env.PATH), LC_ALL: 'C' }, stdio: 'ignore', timeout: opts.timeoutMs, killSignal: 'SIGKILL' });
  return { exitCode: r.status };
}

/** Whether a process exists (EPERM: it does, owned by someone else). Signal 0 sends nothing. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
