// Applying fixes, one failing step at a time, in dependency order: confirm, guard, run (checking
// before adding), journal, re-diagnose, and at the end probe again. An API the CLI and the
// interactive session both drive: `confirm` is a function returning a Promise, `onEvent`
// reports progress.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FixPlan, Report, StepResult } from '../model/result.js';
import type { StepId } from '../diagnosis/steps.js';
import { runDiagnosis, type Diagnosed } from '../diagnosis/run-diagnosis.js';
import { describeFailure, type RunResult } from '../system/run.js';
import { lookUpExistence, nsIdentity, runFixCommand } from '../system/fix-exec.js';
import { nftDeleteByHandle, parseEchoedHandle, planActions, withEchoHandle, type FixAction } from './actions.js';
import { alreadyDone } from './idempotence.js';
import { acquireLock, newRunId, saveRun, writeFileAtomic, type CommandEntry, type NsIdentity, type RunRecord } from './journal.js';
import { nextFix } from './plan-order.js';
import { DROP_IN_CONTENT, DROP_IN_NAME, forwardingOverrides, readSysctlFiles, sysctlDir } from './persist.js';
import { revertRun, sameIdentity, type RevertEvent } from './revert.js';
import { startWatchdog } from './trial.js';
import { testPauseAfterCommand, testPauseBeforeGuard } from './test-pause.js';

export type FixEvent =
  | { type: 'propose'; step: StepResult; plan: FixPlan }
  | { type: 'declined'; step: StepId }
  | { type: 'exists'; step: StepId; argv: string[] }
  | { type: 'command'; step: StepId; argv: string[] }
  | { type: 'command-done'; step: StepId; argv: string[]; ok: boolean; error?: string }
  | { type: 'file'; step: StepId; path: string }
  | { type: 'rediagnose'; report: Report }
  | { type: 'rollback' }
  | { type: 'warning'; message: string }
  | RevertEvent;

export type FixOutcome =
  /** Nothing failed to begin with. */
  | 'nothing-to-do'
  /** Fixes applied; egress works (or every step passes when not probed). */
  | 'healthy'
  /** Fixes applied or declined, but something still fails. */
  | 'broken'
  /** A guard refused to apply (the namespace is not the one diagnosed). */
  | 'refused'
  /** A command failed; what this run applied was reverted. */
  | 'rolled-back'
  /** A command failed and reverting did not fully succeed. */
  | 'rollback-failed';

export interface FixRunResult {
  outcome: FixOutcome;
  before: Report;
  after: Report;
  /** The journal record (null when nothing was changed). */
  runId: string | null;
  applied: { step: StepId; title: string; commands: string[][]; existing: string[][] }[];
  declined: StepId[];
  /** Failing steps netdoctor has no fix for (e.g. the host has no route to the target). */
  unfixable: { step: StepId; summary: string }[];
  warnings: string[];
  message: string;
}

export interface ApplyOptions {
  /** Asked before each fix with its exact commands; false skips it. */
  confirm: (step: StepResult, plan: FixPlan) => Promise<boolean>;
  onEvent?: (e: FixEvent) => void;
  /** Ping at the end (and judge with it). */
  probe: boolean;
  stateDir: string;
  /** Keep ip_forward on across reboots (a drop-in under /etc/sysctl.d). */
  persist?: boolean;
  /**
   * --trial: the run's watchdog (the CLI at `cliPath`) starts before the first change, so the
   * changes are reverted even if netdoctor dies midway; the caller arms its deadline (armTrial).
   */
  trial?: { seconds: number; cliPath: string };
  /** NETDOCTOR_TEST_FAIL_AFTER, NETDOCTOR_TEST_PAUSE_BEFORE_GUARD / _AFTER_COMMAND, NETDOCTOR_SYSCTL_DIR. */
  env?: NodeJS.ProcessEnv;
  /** Safety bound on the number of fixes in one run. */
  maxFixes?: number;
  /**
   * Aborting (Ctrl-C, SIGTERM) stops before the next command and rolls back everything this
   * run applied: an interrupted run leaves the host as it was, not half-fixed.
   */
  signal?: AbortSignal;
}

class GuardError extends Error {}
class CommandFailed extends Error {}
class Interrupted extends CommandFailed {}

export async function applyFixes(diagnosed: Diagnosed, opts: ApplyOptions): Promise<FixRunResult> {
  const env = opts.env ?? process.env;
  const emit = opts.onEvent ?? (() => undefined);
  const input = diagnosed.snapshot.input;
  const failAfter = Number(env.NETDOCTOR_TEST_FAIL_AFTER ?? 0) || 0;
  const before = diagnosed.report;
  const result: FixRunResult = { outcome: 'nothing-to-do', before, after: before, runId: null, applied: [], declined: [], unfixable: [], warnings: [], message: '' };
  const warn = (message: string) => {
    result.warnings.push(message);
    emit({ type: 'warning', message });
  };

  if (nextFix(before, new Set()).kind === 'done') {
    result.message = 'nothing to fix';
    return result;
  }

  const release = acquireLock(opts.stateDir);
  const hostIdentity = await nsIdentity(input.hostNs);
  // What the namespace must still be: the one diagnosed (changes only when this run creates it).
  let expectedNs: NsIdentity | null = diagnosed.snapshot.nsIdentity;
  let run: RunRecord | null = null;
  let commandsRun = 0;
  const tried = new Set<StepId>();
  let current = diagnosed;

  const journal = (): RunRecord => {
    if (!run) {
      const now = new Date();
      run = {
        schemaVersion: 1,
        id: newRunId(now),
        startedAt: now.toISOString(),
        updatedAt: now.toISOString(),
        status: 'applying',
        target: { ns: input.ns, hostNs: input.hostNs, bridge: input.bridge, probe: input.target },
        identity: { ns: expectedNs, hostNs: hostIdentity },
        entries: [],
        trial: opts.trial ? { seconds: opts.trial.seconds, deadline: null, confirmed: false, watchdogPid: null, ownerPid: process.pid } : null,
      };
      result.runId = run.id;
      if (opts.trial && run.trial) {
        saveRun(opts.stateDir, run); // the watchdog must find its run
        run.trial.watchdogPid = startWatchdog(opts.stateDir, run.id, opts.trial.cliPath, env);
      }
    }
    return run;
  };
  const save = () => run && saveRun(opts.stateDir, run);

  async function guard(): Promise<void> {
    const [ns, host] = await Promise.all([nsIdentity(input.ns), nsIdentity(input.hostNs)]);
    if (!sameIdentity(ns, expectedNs)) {
      throw new GuardError(`namespace ${input.ns} is not the one diagnosed (${ns ? `inode ${ns.ino}` : 'gone'}, expected ${expectedNs ? `inode ${expectedNs.ino}` : 'none'}): refusing to apply`);
    }
    if (input.hostNs && !sameIdentity(host, hostIdentity)) {
      throw new GuardError(`host namespace ${input.hostNs} changed since the diagnosis: refusing to apply`);
    }
  }

  async function execute(action: FixAction): Promise<{ ok: boolean; existing: boolean }> {
    if (opts.signal?.aborted) throw new Interrupted('interrupted');
    if (action.exists) {
      const answer = await lookUpExistence(action.exists);
      if (alreadyDone(answer, action.exists.kind === 'nft-rule' ? action.exists.ruleText : undefined)) {
        const r = journal();
        r.entries.push({ kind: 'command', step: action.step, title: action.title, argv: action.argv, undo: [], status: 'exists', at: new Date().toISOString() });
        save();
        emit({ type: 'exists', step: action.step, argv: action.argv });
        return { ok: true, existing: true };
      }
    }
    const entry: CommandEntry = {
      kind: 'command',
      step: action.step,
      title: action.title,
      argv: action.argv,
      undo: action.undo,
      ...(action.nftRule ? { nftRule: action.nftRule } : {}),
      status: 'pending',
      at: new Date().toISOString(),
    };
    if (action.createsTable && (await runFixCommand(action.createsTable.probe)).failed) entry.cleanup = action.createsTable.cleanup;
    journal().entries.push(entry);
    save(); // recorded before it runs: a crash now still leaves the undo on record
    emit({ type: 'command', step: action.step, argv: action.argv });
    commandsRun++;
    let r: RunResult;
    if (failAfter && commandsRun === failAfter) {
      r = { argv: action.argv, exitCode: 1, stdout: '', stderr: 'NETDOCTOR_TEST_FAIL_AFTER: injected failure\n', failed: true, timedOut: false, spawnError: null, durationMs: 0 };
    } else {
      r = await runFixCommand(action.nftRule ? withEchoHandle(action.argv) : action.argv);
      await testPauseAfterCommand(env);
    }
    if (r.failed) {
      entry.status = 'failed';
      entry.error = describeFailure(r);
      save();
      emit({ type: 'command-done', step: action.step, argv: action.argv, ok: false, error: entry.error });
      throw new CommandFailed(entry.error);
    }
    if (action.nftRule) {
      const handle = parseEchoedHandle(r.stdout);
      if (handle === null) warn(`nft printed no handle for the rule it added: undo will look it up by its text in ${action.nftRule.family} ${action.nftRule.table} ${action.nftRule.chain}`);
      else entry.undo = [nftDeleteByHandle(action.nftRule, handle)];
    }
    entry.status = 'done';
    save();
    emit({ type: 'command-done', step: action.step, argv: action.argv, ok: true });
    return { ok: true, existing: false };
  }

  function persistForwarding(step: StepId): void {
    const dir = sysctlDir(env);
    const path = join(dir, DROP_IN_NAME);
    const previous = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (previous !== DROP_IN_CONTENT) {
      const r = journal();
      const entry = { kind: 'file' as const, step, title: 'Keep IPv4 forwarding on after a reboot', path, content: DROP_IN_CONTENT, previous, status: 'pending' as const, at: new Date().toISOString() };
      r.entries.push(entry);
      save();
      writeFileAtomic(path, DROP_IN_CONTENT, dir);
      (entry as { status: string }).status = 'done';
      save();
      emit({ type: 'file', step, path });
    }
    for (const w of forwardingOverrides(readSysctlFiles(env))) warn(w);
  }

  try {
    const max = opts.maxFixes ?? 40;
    for (let i = 0; i < max; i++) {
      if (opts.signal?.aborted) throw new Interrupted('interrupted');
      const next = nextFix(current.report, tried);
      if (next.kind === 'done') break;
      if (next.kind === 'stuck') {
        result.unfixable = next.unfixable.filter((s) => s.id !== 'egress.ping').map((s) => ({ step: s.id, summary: s.summary }));
        break;
      }
      tried.add(next.step.id);
      emit({ type: 'propose', step: next.step, plan: next.plan });
      if (!(await opts.confirm(next.step, next.plan))) {
        result.declined.push(next.step.id);
        emit({ type: 'declined', step: next.step.id });
        continue;
      }
      if (opts.signal?.aborted) throw new Interrupted('interrupted');
      if (commandsRun === 0) await testPauseBeforeGuard(env);
      await guard();
      const done = { step: next.step.id, title: next.plan.title, commands: [] as string[][], existing: [] as string[][] };
      for (const action of planActions(next.step.id, next.plan)) {
        const r = await execute(action);
        (r.existing ? done.existing : done.commands).push(action.argv);
        if (action.exists?.kind === 'netns') expectedNs = await nsIdentity(input.ns);
      }
      result.applied.push(done);
      if (opts.persist && next.step.id === 'host.ip-forward' && next.plan.commands.some((c) => c.includes('net.ipv4.ip_forward=1'))) {
        persistForwarding(next.step.id);
      }
      // One fix often unblocks the next: judge again (the ping only at the end: it is slow when broken).
      current = await runDiagnosis(input, { probe: false });
      emit({ type: 'rediagnose', report: current.report });
    }
  } catch (err) {
    if (err instanceof GuardError) {
      result.outcome = 'refused';
      result.message = err.message;
    } else if (err instanceof CommandFailed) {
      emit({ type: 'rollback' });
      const r = run as RunRecord | null;
      const ok = r ? await revertRun(opts.stateDir, r, emit) : true;
      if (r) r.status = ok ? 'rolled-back' : 'rollback-failed';
      save();
      result.outcome = ok ? 'rolled-back' : 'rollback-failed';
      const what = err instanceof Interrupted ? 'interrupted' : `a command failed (${err.message})`;
      result.message = ok
        ? `${what}; everything this run applied was rolled back`
        : `${what}, and rolling back did not fully succeed: see above, then \`netdoctor undo\``;
    } else {
      release();
      throw err;
    }
  }

  const finalRun = run as RunRecord | null;
  if (finalRun && finalRun.status === 'applying') {
    finalRun.identity = { ns: await nsIdentity(input.ns), hostNs: await nsIdentity(input.hostNs) };
    finalRun.status = 'applied';
    save();
  }
  release();

  result.after = await runDiagnosis(input, { probe: opts.probe }).then((d) => d.report);
  if (result.outcome === 'nothing-to-do') {
    const healthy = !result.after.diagnosis && !result.after.steps.some((s) => s.status === 'error');
    result.outcome = healthy ? 'healthy' : 'broken';
    const n = result.applied.length;
    result.message = healthy
      ? `${n} fix${n === 1 ? '' : 'es'} applied; ${input.ns} is healthy${result.after.egress === 'ok' ? ` (${input.target} answers)` : ''}`
      : `${n} fix${n === 1 ? '' : 'es'} applied; still failing: ${result.after.diagnosis?.step ?? 'a step could not be judged'}`;
  }
  return result;
}
