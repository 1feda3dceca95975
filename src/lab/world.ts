// Builds, enters and removes lab worlds for real (the shape is in world-plan.ts).
//
// Safety: a world's namespaces are created fresh by `unshare` and pinned under
// /run/netdoctor/worlds/<prefix>/; everything the learner does inside (namespaces, links, rules,
// sysctls) lives in them. `lab down` kills what still runs inside, drops the mount namespace
// (which frees the learner's namespaces with it) and unmounts the pins: nothing is left.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { CannotInspectError } from '../exit-codes.js';
import { killAll, nsInode, ownNamespaces, processesIn } from '../system/ns-procs.js';
import { describeFailure, processStartTicks, run, runAttached, type AttachedResult } from '../system/run.js';
import { buildingElsewhere } from './ownership.js';
import { UsageError, namespaceNameProblem, quoteForMessage } from '../validate.js';
import type { Scenario } from './scenario.js';
import { TARGET_IP, type LabAddresses, type LabNames, type PlanInput } from './topology.js';
import { DEFAULT_WORLD_DIR, DEFAULT_WORLD_PREFIX, WORLD_DIR, inetArgv, shellRc, worldArgv, worldBuild, worldConfig, worldPaths, worldSetupArgv, type WorldPaths } from './world-plan.js';

const COMMAND_TIMEOUT_MS = 30_000;

export interface WorldState {
  schemaVersion: 1;
  kind: 'world';
  prefix: string;
  /** The scenario it was built from; null for an empty world or a challenge (kept secret). */
  scenario: string | null;
  status: 'building' | 'up';
  createdAt: string;
  pid: number;
  /** The builder's start time, so `lab down --all` knows a live build from a reused pid. */
  pidStart?: number | null;
  names: LabNames;
  addresses: LabAddresses;
}

export interface WorldInfo extends WorldState {
  paths: WorldPaths;
  commands: { shell: string[]; exec: string[]; down: string[] };
  durationMs: number;
}

export interface WorldDownResult {
  prefix: string;
  removed: boolean;
  /** Processes that were still running inside the world and were stopped. */
  killed: number;
  /** Namespaces the learner had created inside the world (freed with it). */
  learnerNamespaces: number;
  /** Set when `lab down --all` left the world alone, and why. */
  skipped?: string;
}

/** What to build inside the world: nothing of the tutorial (the learner does it), or a scenario. */
export const EMPTY_WORLD: PlanInput = {
  omit: ['netns.exists', 'bridge.exists', 'veth.exists', 'host.ip-forward', 'host.masquerade'],
  extra: [],
};

function requireRoot(what: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new CannotInspectError(`${what} needs root (it creates network and mount namespaces)`, 'run it with sudo');
  }
}

function validPrefix(prefix: string): string {
  // worldConfig validates too; this keeps every path inside WORLD_DIR first.
  const problem = namespaceNameProblem(prefix);
  if (problem) throw new UsageError(`--prefix ${quoteForMessage(prefix)}: ${problem}`);
  return prefix;
}

export function readWorld(prefix: string): WorldState | null {
  try {
    const data = JSON.parse(readFileSync(worldPaths(validPrefix(prefix)).state, 'utf8')) as Partial<WorldState>;
    return data.schemaVersion === 1 && data.kind === 'world' && data.prefix === prefix ? (data as WorldState) : null;
  } catch {
    return null;
  }
}

/** The world `prefix`, ready to enter; a UsageError saying how to start one otherwise. */
export function requireWorld(prefix: string): WorldState {
  // A hostile prefix is bad input (exit 2, quoted), not "no such world" with the raw name.
  validPrefix(prefix);
  const w = readWorld(prefix);
  if (!w || w.status !== 'up' || nsInode(worldPaths(prefix).mnt) === null) {
    const flag = prefix === DEFAULT_WORLD_PREFIX ? '' : ` --prefix ${prefix}`;
    throw new UsageError(`no lab world "${prefix}" is up; start one with: netdoctor lab up --world${flag}   (or: netdoctor learn --up${flag})`);
  }
  return w;
}

export function listWorlds(): string[] {
  try {
    return readdirSync(WORLD_DIR)
      .filter((p) => namespaceNameProblem(p) === null && existsSync(worldPaths(p).dir))
      .sort();
  } catch {
    return [];
  }
}

async function must(argv: string[], what: string): Promise<void> {
  const r = await run(argv, { timeoutMs: COMMAND_TIMEOUT_MS });
  if (r.failed) throw new CannotInspectError(`lab world: ${what} failed: ${describeFailure(r)}`, 'everything the world had created was removed again');
}

function worldInfo(state: WorldState, durationMs: number): WorldInfo {
  const p = state.prefix;
  return {
    ...state,
    paths: worldPaths(p),
    commands: {
      shell: ['netdoctor', 'lab', 'shell', '--prefix', p],
      exec: ['netdoctor', 'lab', 'exec', '--prefix', p, '--', 'ip', 'netns', 'list'],
      down: ['netdoctor', 'lab', 'down', '--prefix', p],
    },
    durationMs,
  };
}

/**
 * Build a world. `scenario` null: only the world's host and internet (the learner builds the
 * tutorial); otherwise that scenario's lab, inside the world. `secret`: do not record which.
 */
export async function worldUp(prefix: string, scenario: Scenario | null = null, opts: { secret?: boolean } = {}): Promise<WorldInfo> {
  const config = worldConfig(validPrefix(prefix));
  requireRoot('lab up --world');
  const build = worldBuild(prefix, scenario ?? EMPTY_WORLD);
  const paths = worldPaths(prefix);
  mkdirSync(WORLD_DIR, { recursive: true });
  try {
    // The directory is the lock: two `up` with one prefix cannot both get past here.
    mkdirSync(paths.dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError(`lab world "${prefix}" is already up; remove it first: netdoctor lab down --prefix ${prefix}`);
    }
    throw err;
  }
  const state: WorldState = {
    schemaVersion: 1,
    kind: 'world',
    prefix,
    scenario: scenario && !opts.secret ? scenario.id : null,
    status: 'building',
    createdAt: new Date().toISOString(),
    pid: process.pid,
    pidStart: processStartTicks(process.pid),
    names: config.names,
    addresses: config.addresses,
  };
  writeFileSync(paths.state, `${JSON.stringify(state, null, 2)}\n`);
  const started = performance.now();
  try {
    // A private bind of the directory onto itself: a mount namespace may only be pinned on a
    // mount that does not propagate (it would otherwise propagate into itself).
    await must(['mount', '--bind', paths.dir, paths.dir], 'binding the world directory');
    await must(['mount', '--make-private', paths.dir], 'making the world directory private');
    for (const f of [paths.hostNet, paths.inetNet, paths.mnt]) writeFileSync(f, '');
    await must(['unshare', `--net=${paths.hostNet}`, '--', 'true'], 'creating the host namespace');
    await must(['unshare', `--net=${paths.inetNet}`, '--', 'true'], 'creating the internet namespace');
    // Slave: unmounts on the real host (a namespace deleted there) propagate in, so the world
    // never keeps anyone else's namespace alive; nothing propagates out.
    await must(['unshare', `--mount=${paths.mnt}`, '--propagation', 'slave', '--', 'true'], 'creating the mount namespace');
    for (const argv of worldSetupArgv(paths, { etcNetnsExists: existsSync('/etc/netns') })) await must(argv, argv.slice(5).join(' '));
    // The world's copies of other worlds' pins (and its own) would keep those alive: drop them.
    await dropWorldPinsInside(paths);
    for (const c of build) await must(c.argv, `build step ${c.step} (${c.argv.slice(c.argv.indexOf('--') + 1).join(' ')})`);
  } catch (err) {
    await worldDown(prefix).catch(() => undefined);
    throw err;
  }
  const up: WorldState = { ...state, status: 'up' };
  writeFileSync(paths.state, `${JSON.stringify(up, null, 2)}\n`);
  return worldInfo(up, Math.round(performance.now() - started));
}

/** Mount points under WORLD_DIR as the world sees them, deepest first. */
async function dropWorldPinsInside(paths: WorldPaths): Promise<void> {
  const r = await run(worldArgv(paths, ['cat', '/proc/self/mountinfo']), { timeoutMs: COMMAND_TIMEOUT_MS });
  const points = r.stdout
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => [WORLD_DIR, DEFAULT_WORLD_DIR].some((d) => p === d || p.startsWith(`${d}/`)))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await run(worldArgv(paths, ['umount', '-l', p]), { timeoutMs: COMMAND_TIMEOUT_MS });
}

/** Inodes of the namespaces the learner made inside the world (`ip netns add` there). */
async function learnerNamespaceInodes(paths: WorldPaths): Promise<number[]> {
  const r = await run(['nsenter', `--mount=${paths.mnt}`, '--', 'find', '/run/netns', '-mindepth', '1', '-maxdepth', '1', '-exec', 'stat', '-L', '-c', '%i', '{}', '+'], {
    timeoutMs: COMMAND_TIMEOUT_MS,
  });
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

async function unmount(path: string): Promise<void> {
  const r = await run(['umount', path], { timeoutMs: COMMAND_TIMEOUT_MS });
  if (r.failed) await run(['umount', '-l', path], { timeoutMs: COMMAND_TIMEOUT_MS });
}

function isMountPoint(path: string): boolean {
  try {
    const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
    return lines.some((l) => l.split(' ')[4] === path);
  } catch {
    return false;
  }
}

/** Remove a world completely. Safe to call for a world that is half built or already gone. */
export async function worldDown(prefix: string): Promise<WorldDownResult> {
  validPrefix(prefix);
  requireRoot('lab down');
  const paths = worldPaths(prefix);
  if (!existsSync(paths.dir)) return { prefix, removed: false, killed: 0, learnerNamespaces: 0 };
  const mnt = nsInode(paths.mnt);
  const nets = [nsInode(paths.hostNet), nsInode(paths.inetNet)].filter((n): n is number => n !== null);
  const learner = mnt === null ? [] : await learnerNamespaceInodes(paths);
  const own = ownNamespaces();
  if ((own.mnt !== null && own.mnt === mnt) || (own.net !== null && [...nets, ...learner].includes(own.net))) {
    throw new UsageError(`you are inside lab world "${prefix}": leave the lab shell (exit) first, then run netdoctor lab down`);
  }
  const killed = await killAll(processesIn({ mnt: mnt === null ? [] : [mnt], net: [...nets, ...learner] }));
  // Dropping the mount namespace frees the learner's namespaces with it: nothing else pins them.
  for (const f of [paths.mnt, paths.hostNet, paths.inetNet]) if (isMountPoint(f)) await unmount(f);
  if (isMountPoint(paths.dir)) await unmount(paths.dir);
  rmSync(paths.dir, { recursive: true, force: true });
  return { prefix, removed: true, killed, learnerNamespaces: learner.length };
}

/** Every world netdoctor made, except one another `lab up --world` is still building (skipped). */
export async function worldDownAll(): Promise<WorldDownResult[]> {
  const out: WorldDownResult[] = [];
  for (const p of listWorlds()) {
    const state = readWorld(p);
    if (state && buildingElsewhere(state)) {
      out.push({ prefix: p, removed: false, killed: 0, learnerNamespaces: 0, skipped: `\`lab up --world\` (pid ${state.pid}) is still building it` });
    } else {
      out.push(await worldDown(p));
    }
  }
  return out;
}

/** Whether this process runs inside a world (its mount namespace, or one of its network namespaces). */
export function insideWorld(prefix: string): boolean {
  const paths = worldPaths(prefix);
  const own = ownNamespaces();
  const mnt = nsInode(paths.mnt);
  return own.mnt !== null && own.mnt === mnt;
}

/** Run one command inside the world on this terminal; its exit code is passed through. */
export async function worldExec(prefix: string, argv: string[]): Promise<AttachedResult> {
  requireRoot('lab exec');
  requireWorld(prefix);
  if (argv.length === 0) throw new UsageError('lab exec: say what to run: netdoctor lab exec -- CMD ARGS...');
  return runAttached(worldArgv(worldPaths(prefix), argv, { wd: process.cwd() }), { env: { NETDOCTOR_LAB: prefix } });
}

/** Run a command in the world and capture its output (for netdoctor's own use, e.g. probes). */
export function worldRun(prefix: string, argv: string[], timeoutMs = COMMAND_TIMEOUT_MS) {
  return run(worldArgv(worldPaths(prefix), argv), { timeoutMs });
}

/** Run a command in the world's internet namespace. */
export function inetRun(prefix: string, argv: string[], timeoutMs = COMMAND_TIMEOUT_MS) {
  return run(inetArgv(worldPaths(prefix), argv), { timeoutMs });
}

/** An interactive shell inside the world, with a prompt that says so. */
export async function worldShell(prefix: string): Promise<AttachedResult> {
  requireRoot('lab shell');
  requireWorld(prefix);
  if (insideWorld(prefix) || process.env.NETDOCTOR_LAB === prefix) {
    throw new UsageError(`you are already inside lab world "${prefix}"`);
  }
  const paths = worldPaths(prefix);
  const shell = process.env.SHELL || '/bin/bash';
  const isBash = /(^|\/)(bash|sh)$/.test(shell);
  let argv: string[];
  if (isBash) {
    writeFileSync(paths.bashrc, shellRc(prefix));
    argv = ['bash', '--rcfile', paths.bashrc, '-i'];
  } else {
    argv = [shell, '-i'];
  }
  return runAttached(worldArgv(paths, argv, { wd: process.cwd() }), { env: { NETDOCTOR_LAB: prefix, PS1: `(netdoctor lab ${prefix}) # ` } });
}

export { TARGET_IP as WORLD_TARGET };
