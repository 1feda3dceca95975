// Builds and removes sandbox labs for real. The plan comes from topology.ts (pure); this file
// runs it with run(), records each lab in a state file, and removes labs again.
//
// Safety: everything a lab creates lives in its own namespaces, so deleting them removes every
// link, address, route and rule it made. `lab down` only ever deletes namespaces named
// `<prefix>-...`, even when a state file says otherwise: those its record names, and the other
// `<prefix>-...` ones of a lab that exists, unless they are a nested lab's (sweep.ts).
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CannotInspectError } from '../exit-codes.js';
import { describeFailure, processAlive, processStartTicks, run, stopBackground, type RunResult } from '../system/run.js';
import { startUdpFlow, type LabProcess } from './udp-flow.js';
import { buildingElsewhere } from './ownership.js';
import { testPauseAt } from '../fixes/test-pause.js';
import { UsageError, namespaceNameProblem, validateNamespaceName } from '../validate.js';
import { findScenario, type Scenario, type ScenarioExpectation } from './scenario.js';
import { labResolvConfNamespaces, removeLabResolvConfs, startLabResolver, writeLabResolvConf } from './lab-dns.js';
import { strayLabNamespaces } from './sweep.js';
import { nsInode, processesIn } from '../system/ns-procs.js';
import {
  buildPlan,
  checkArgv,
  EXTRA_FIRST_STAGE,
  commandArgv,
  labConfig,
  selectSteps,
  type BuildStepId,
  type ExtraContainer,
  type LabAddresses,
  type LabCommand,
  type LabConfig,
  type LabNames,
  type LabOptions,
  RESOLVER_IP,
  type StepSelection,
} from './topology.js';

// NETDOCTOR_LAB_DIR: another state directory. A lab belongs to the netdoctor whose state
// directory holds its file; `lab down --all` removes only those (tests, or two users, each
// with their own directory, never sweep each other's labs).
export const LAB_STATE_DIR = resolve(process.env.NETDOCTOR_LAB_DIR || '/run/netdoctor/labs');
const NETNS_DIR = '/run/netns';
// Generous: ~30 labs are built at once in the test suite on a small machine.
const COMMAND_TIMEOUT_MS = 30_000;

export interface LabState {
  schemaVersion: 1;
  prefix: string;
  scenario: string;
  /** 'building' until every command ran; a lab left 'building' was interrupted. */
  status: 'building' | 'up';
  createdAt: string;
  pid: number;
  /** The building process's start time (/proc/PID/stat): a reused pid is not mistaken for it. */
  pidStart?: number | null;
  config: LabConfig;
  /** Background programs the lab started (scenario "background"); `lab down` stops them. */
  processes?: LabProcess[];
}

export interface LabInfo {
  schemaVersion: 1;
  prefix: string;
  scenario: { id: string; title: string; story: string; expect: ScenarioExpectation; fixable?: boolean };
  names: LabNames;
  addresses: LabAddresses;
  /** Containers 2..N on the same bridge (`--containers N`). */
  containers: ExtraContainer[];
  /** Background programs running for the lab. */
  processes: LabProcess[];
  built: BuildStepId[];
  skipped: StepSelection['skipped'];
  /** The scenario's own commands as they ran (full argv). */
  extra: string[][];
  commands: { check: string[]; ping: string[]; down: string[] };
  stateFile: string;
  createdAt: string;
  durationMs: number;
}

export interface LabDownResult {
  prefix: string;
  /** Namespaces that existed and were deleted. */
  removed: string[];
  stateFileRemoved: boolean;
  /** Set when `lab down --all` left the lab alone, and why (another `lab up` is building it). */
  skipped?: string;
}

export interface LabListing {
  prefix: string;
  scenario: string | null;
  status: LabState['status'] | 'unknown';
  createdAt: string | null;
  namespaces: string[];
  /** Namespaces the lab should have that do not exist (an interrupted or damaged lab). */
  missing: string[];
  /** Each container and what to diagnose it against (its host side, the lab's target). */
  containers: { ns: string; hostNs: string; target: string }[];
}

/** A command of the build failed; the lab has been removed again. */
export class LabBuildError extends Error {
  override name = 'LabBuildError';
  constructor(
    message: string,
    readonly argv: string[],
    readonly stderr: string,
    readonly step: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// State files and namespaces

export function stateFilePath(prefix: string): string {
  validateNamespaceName('--prefix', prefix); // also keeps the path inside LAB_STATE_DIR
  return join(LAB_STATE_DIR, `${prefix}.json`);
}

function readState(prefix: string): LabState | null {
  let raw: string;
  try {
    raw = readFileSync(stateFilePath(prefix), 'utf8');
  } catch {
    return null;
  }
  try {
    const data = JSON.parse(raw) as Partial<LabState>;
    const n = data.config?.names;
    if (data.schemaVersion !== 1 || data.prefix !== prefix || !n) return null;
    return data as LabState;
  } catch {
    return null; // unreadable: lab down falls back to the default names
  }
}

function writeStateAtomically(state: LabState): void {
  const path = stateFilePath(state.prefix);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, path);
}

function listStateDir(): string[] {
  try {
    return readdirSync(LAB_STATE_DIR);
  } catch {
    return [];
  }
}

function statePrefixes(): string[] {
  try {
    return readdirSync(LAB_STATE_DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .filter((p) => namespaceNameProblem(p) === null)
      .sort();
  } catch {
    return [];
  }
}

/** Names under /run/netns (what `ip netns list` shows). */
export function existingNamespaces(): Set<string> {
  try {
    return new Set(readdirSync(NETNS_DIR));
  } catch {
    return new Set();
  }
}

function labNamespaces(names: LabNames, containers: ExtraContainer[] = []): string[] {
  return [names.containerNs, ...containers.map((c) => c.ns), names.hostNs, names.inetNs];
}

function requireRoot(what: string): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new CannotInspectError(`${what} needs root (it creates and deletes network namespaces)`, `run it with sudo: sudo netdoctor lab ...`);
  }
}

// ---------------------------------------------------------------------------------------------
// Running a plan

// Arguments `ip -batch` reads back verbatim: batch lines are split on blanks, and quotes and
// '#' mean something there.
const BATCH_SAFE = /^[A-Za-z0-9_.,:/@+=%-]+$/;

function failure(cmd: LabCommand, r: RunResult): LabBuildError {
  const argv = commandArgv(cmd);
  return new LabBuildError(describeFailure({ ...r, argv }), argv, whyFailed(r.stderr, { ...r, argv }), cmd.step);
}

/** What went wrong, for the user: the command's own error, or that it is not installed or hung. */
function whyFailed(stderr: string, r: RunResult): string {
  return stderr.trim() || (r.spawnError !== null || r.timedOut ? describeFailure(r) : '');
}

/** Commands that must run in order, one after the other (possibly as one `ip -batch`). */
async function runInOrder(cmds: LabCommand[]): Promise<void> {
  const first = cmds[0];
  if (!first) return;
  const batchable = cmds.length > 1 && cmds.every((c) => c.argv[0] === 'ip' && c.ns === first.ns && c.argv.every((a) => BATCH_SAFE.test(a)));
  if (batchable) {
    const argv = first.ns === null ? ['ip', '-batch', '-'] : ['ip', '-n', first.ns, '-batch', '-'];
    const input = `${cmds.map((c) => c.argv.slice(1).join(' ')).join('\n')}\n`;
    const r = await run(argv, { input, timeoutMs: COMMAND_TIMEOUT_MS });
    if (!r.failed) return;
    // ip stops at the first failing line and usually names it ("Command failed -:3"); some
    // errors (a parse error) come without the line: then blame the batch, not its first line.
    const line = Number(/Command failed -:(\d+)/.exec(r.stderr)?.[1] ?? '0');
    const stderr = whyFailed(r.stderr.replace(/Command failed -:\d+\s*/g, ''), r);
    const culprit = cmds[line - 1];
    if (culprit) throw failure(culprit, { ...r, stderr });
    const lines = cmds.map((c) => commandArgv(c).join(' '));
    throw new LabBuildError(
      `${describeFailure({ ...r, argv, stderr })} (one of: ${lines.join('; ')})`,
      argv,
      stderr.trim(),
      [...new Set(cmds.map((c) => c.step))].join(', '),
    );
  }
  for (const c of cmds) {
    const r = c.argv[0] === 'ip' || c.ns === null
      ? await run(commandArgv(c), { timeoutMs: COMMAND_TIMEOUT_MS })
      : await run(c.argv, { ns: c.ns, timeoutMs: COMMAND_TIMEOUT_MS });
    if (r.failed) throw failure(c, r);
  }
}

/** Which commands of one stage must stay in order: `ip` per namespace; anything else per step. */
function unitKey(c: LabCommand): string {
  return c.argv[0] === 'ip' ? `ip ${c.ns ?? ''}` : `exec ${c.ns ?? ''} ${c.step}`;
}

/** Run a plan: stage by stage; inside a stage, independent units concurrently. */
export async function executePlan(plan: LabCommand[]): Promise<void> {
  const stages = [...new Set(plan.map((c) => c.stage))].sort((a, b) => a - b);
  for (const stage of stages) {
    const units = new Map<string, LabCommand[]>();
    for (const c of plan.filter((p) => p.stage === stage)) {
      const key = unitKey(c);
      units.set(key, [...(units.get(key) ?? []), c]);
    }
    // Wait for all before failing, so cleanup never races a command still running.
    const results = await Promise.allSettled([...units.values()].map((u) => runInOrder(u)));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    await testPauseAt(`lab-up-stage-${stage}`);
  }
}

// ---------------------------------------------------------------------------------------------
// up / down / list

async function deleteNamespaces(names: string[]): Promise<string[]> {
  const present = existingNamespaces();
  const doomed = names.filter((n) => present.has(n));
  if (doomed.length === 0) return [];
  // -force: keep going past a namespace that vanished in the meantime.
  const r = await run(['ip', '-force', '-batch', '-'], {
    input: `${doomed.map((n) => `netns del ${n}`).join('\n')}\n`,
    timeoutMs: COMMAND_TIMEOUT_MS,
  });
  const left = doomed.filter((n) => existingNamespaces().has(n));
  if (left.length) {
    throw new CannotInspectError(`could not delete namespace ${left.join(', ')}: ${describeFailure(r)}`, `try: ip netns del ${left[0]}`);
  }
  return doomed;
}

/** Build the lab for `scenario` (an id, a .json path, or a loaded Scenario). */
export async function labUp(scenario: string | Scenario, overrides: LabOptions = {}): Promise<LabInfo> {
  const sc = typeof scenario === 'string' ? findScenario(scenario) : scenario;
  const config = labConfig({ ...overrides, containers: overrides.containers ?? sc.containers ?? 1 });
  const plan = buildPlan(config, sc);
  const { prefix } = config.names;
  requireRoot('lab up');

  const stateFile = stateFilePath(prefix);
  const refuse = (what: string) =>
    new UsageError(`lab "${prefix}" is already up (${what}); remove it first: netdoctor lab down --prefix ${prefix}`);
  const present = labNamespaces(config.names, config.containers).filter((n) => existingNamespaces().has(n));
  if (present.length) throw refuse(present.length === 1 ? `namespace ${present[0]} exists` : `namespaces ${present.join(', ')} exist`);

  // Record the lab before creating anything, so an interrupted `lab up` can still be taken down.
  // 'wx' makes the state file the lock: two `lab up` with one prefix cannot both get here.
  const createdAt = new Date().toISOString();
  const state: LabState = { schemaVersion: 1, prefix, scenario: sc.id, status: 'building', createdAt, pid: process.pid, pidStart: processStartTicks(process.pid), config };
  mkdirSync(LAB_STATE_DIR, { recursive: true });
  try {
    writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw refuse(`${stateFile} exists`);
    throw err;
  }

  await testPauseAt('lab-up-recorded');
  const started = performance.now();
  const resolv = sc.resolvConf ?? { ns: [RESOLVER_IP], host: null };
  const processes: LabProcess[] = [];
  try {
    // The build, then background programs, then the scenario's own commands (which may need
    // the programs' traffic to exist already, like a conntrack entry from before NAT).
    await executePlan(plan.filter((c) => c.stage < EXTRA_FIRST_STAGE || c.early));
    for (const program of sc.background ?? []) {
      if (program === 'udp-flow') {
        await startUdpFlow(config, async (p) => {
          await testPauseAt('lab-up-helper-unrecorded');
          processes.push(p);
          writeStateAtomically({ ...state, processes });
        });
      }
    }
    await executePlan(plan.filter((c) => c.stage >= EXTRA_FIRST_STAGE && !c.early));
    // DNS as a real host has it: a resolver out on the internet, named in the namespace's own
    // resolv.conf (and, where a scenario says so, one for the host side).
    const built = selectSteps(sc.omit).built;
    if (resolv.ns && built.includes('netns.exists')) writeLabResolvConf(prefix, config.names.containerNs, resolv.ns);
    // Containers 2..N are always complete: the same resolver (else they inherit the machine's).
    if (resolv.ns) for (const c of config.containers ?? []) writeLabResolvConf(prefix, c.ns, resolv.ns);
    if (resolv.host) writeLabResolvConf(prefix, config.names.hostNs, resolv.host);
    await startLabResolver(config.names.inetNs);
  } catch (err) {
    await labDown(prefix).catch(() => undefined);
    throw err;
  }
  await testPauseAt('lab-up-built');
  writeStateAtomically({ ...state, status: 'up', processes });

  const { built, skipped } = selectSteps(sc.omit);
  const names = config.names;
  return {
    schemaVersion: 1,
    prefix,
    scenario: {
      id: sc.id,
      title: sc.title,
      story: sc.story,
      expect: sc.expect,
      ...(sc.fixable === undefined ? {} : { fixable: sc.fixable }),
    },
    names,
    addresses: config.addresses,
    containers: config.containers ?? [],
    processes,
    built,
    skipped,
    extra: plan.filter((c) => c.step === 'extra').map(commandArgv),
    commands: {
      check: checkArgv(names),
      ping: ['ip', 'netns', 'exec', names.containerNs, 'ping', '-c', '1', config.addresses.target],
      down: ['netdoctor', 'lab', 'down', '--prefix', prefix],
    },
    stateFile,
    createdAt,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * Remove a lab: its namespaces (which removes everything in them) and its state file. Works
 * without a state file (default names, or `ns` for a custom container name) and for a lab
 * whose `lab up` was interrupted.
 */
export async function labDown(prefix: string, opts: { ns?: string } = {}): Promise<LabDownResult> {
  validateNamespaceName('--prefix', prefix);
  requireRoot('lab down');
  const state = readState(prefix);
  const fallback = labConfig({ prefix, ...(opts.ns === undefined ? {} : { ns: opts.ns }) }).names;
  const candidates = new Set(labNamespaces(fallback));
  // Background programs first, while their namespaces still exist (they also exit by themselves
  // once those are gone). Only pids whose start time still matches are signalled.
  for (const p of state?.processes ?? []) {
    if (Number.isInteger(p?.pid) && p.pid > 1) stopBackground(p);
  }
  // Names from a state file are trusted only inside the lab's own prefix.
  for (const n of state ? labNamespaces(state.config.names, state.config.containers ?? []) : []) {
    if (typeof n === 'string' && n.startsWith(`${prefix}-`) && validateNamespaceName('state file', n)) candidates.add(n);
  }
  // And the lab's namespaces its record does not name (sweep.ts: a build killed outright, a lost
  // record, a container name not given), never another lab's.
  const stateFile = stateFilePath(prefix);
  const present = [...existingNamespaces()];
  const stray = strayLabNamespaces({
    prefix,
    present,
    listed: candidates,
    recordedPrefixes: statePrefixes(),
    recorded: existsSync(stateFile) || listStateDir().some(isTmpStateOf(prefix)),
  });
  for (const n of stray) if (namespaceNameProblem(n) === null) candidates.add(n);
  // The lab's helpers (resolver, UDP flow) first, recorded or not: a process left inside would
  // keep its namespace, and the links in it, alive after `ip netns del`.
  await stopLabHelpers([...candidates].filter((n) => present.includes(n)));
  removeLabResolvConfs(prefix, [...candidates, ...labResolvConfNamespaces(prefix)]);
  const removed = await deleteNamespaces([...candidates]);
  let stateFileRemoved = false;
  try {
    rmSync(stateFile);
    stateFileRemoved = true;
  } catch {
    // no state file: nothing to do
  }
  // A `lab up` killed between writing the new state and renaming it into place leaves its
  // temporary twin (P.json.PID.tmp) behind.
  for (const f of listStateDir().filter(isTmpStateOf(prefix))) rmSync(join(LAB_STATE_DIR, f), { force: true });
  return { prefix, removed, stateFileRemoved };
}

/** P.json.PID.tmp: the temporary twin of lab P's state file. */
function isTmpStateOf(prefix: string): (f: string) => boolean {
  const head = `${prefix}.json.`;
  return (f) => f.startsWith(head) && f.endsWith('.tmp') && /^\d+$/.test(f.slice(head.length, -'.tmp'.length));
}

// The programs `lab up` starts inside a lab (dist/lab/*.js): `lab down` stops these, found by
// their command line among the processes in the lab's namespaces, and nothing else.
const LAB_HELPERS = ['dns-responder.js', 'udp-flow-worker.js'];

function isLabHelper(pid: number): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((a) => LAB_HELPERS.some((h) => a.endsWith(`/lab/${h}`)));
  } catch {
    return false;
  }
}

/** SIGTERM, and wait until they are gone (reaped, not only dead: lab down leaves no process); SIGKILL after 2 s. */
async function stopLabHelpers(namespaces: string[]): Promise<void> {
  const inodes = namespaces.map((n) => nsInode(join(NETNS_DIR, n))).filter((i): i is number => i !== null);
  if (inodes.length === 0) return;
  const pids = processesIn({ mnt: [], net: inodes }).filter(isLabHelper);
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  for (const p of pids) signal(p, 'SIGTERM');
  for (let i = 0; i < 40 && pids.some(processAlive); i++) await new Promise((r) => setTimeout(r, 50));
  for (const p of pids.filter(processAlive)) signal(p, 'SIGKILL');
}

/**
 * Remove every lab that has a state file in this state directory (only those: a lab netdoctor
 * did not record here is someone else's). A lab another `lab up` is still building is left
 * alone and reported as skipped; a half-built one whose builder is gone is removed.
 */
export async function labDownAll(): Promise<LabDownResult[]> {
  requireRoot('lab down');
  return Promise.all(
    statePrefixes().map((p) => {
      const state = readState(p);
      if (state && buildingElsewhere(state)) {
        return { prefix: p, removed: [], stateFileRemoved: false, skipped: `\`lab up\` (pid ${state.pid}) is still building it` };
      }
      return labDown(p);
    }),
  );
}

/** The labs recorded in state files, and which of their namespaces exist. */
export function listLabs(): LabListing[] {
  const present = existingNamespaces();
  return statePrefixes().map((prefix): LabListing => {
    const state = readState(prefix);
    const nsList = state ? labNamespaces(state.config.names, state.config.containers ?? []) : [`${prefix}-host`, `${prefix}-inet`];
    return {
      prefix,
      scenario: state?.scenario ?? null,
      status: state?.status ?? 'unknown',
      createdAt: state?.createdAt ?? null,
      namespaces: nsList,
      missing: nsList.filter((n) => !present.has(n)),
      containers: state
        ? [state.config.names.containerNs, ...(state.config.containers ?? []).map((c) => c.ns)].map((ns) => ({ ns, hostNs: state.config.names.hostNs, target: state.config.addresses.target }))
        : [],
    };
  });
}
