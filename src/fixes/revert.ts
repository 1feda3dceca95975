// Reverting recorded changes: the rollback of a failed run and `netdoctor undo` both come here.
// Entries are reverted newest first; each entry's state is saved as it changes, so an
// interrupted undo can simply be run again.
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeFailure } from '../system/run.js';
import { nftDeleteByHandle, nftListChain, nftTableHasRules, type NftRuleRef } from './actions.js';
import { nftRuleToRemove } from './idempotence.js';
import { nsIdentity, runFixCommand } from '../system/fix-exec.js';
import { acquireLock, isInPlace, runPath, saveRun, undoableRuns, writeFileAtomic, type JournalEntry, type NsIdentity, type RunRecord } from './journal.js';

export type RevertEvent =
  | { type: 'revert-command'; argv: string[]; ok: boolean; error?: string }
  | { type: 'revert-file'; path: string; ok: boolean; error?: string }
  /**
   * A change journaled as about to run that never took effect (netdoctor died first): skipped.
   * `gone`: it did take effect, but is no longer there (an nft rule someone else deleted).
   */
  | { type: 'revert-skipped'; argv: string[] | null; path: string | null; title: string; gone?: boolean };

type Reverted = 'undone' | 'failed' | 'not-applied';

export function sameIdentity(a: NsIdentity | null, b: NsIdentity | null): boolean {
  if (!a || !b) return a === b;
  if (a.dev !== b.dev || a.ino !== b.ino) return false;
  return a.ctimeMs === undefined || b.ctimeMs === undefined || a.ctimeMs === b.ctimeMs;
}

/**
 * The undo of an nft rule whose handle was never recorded (netdoctor died between adding it and
 * journaling the handle, or nft printed none): find the rule by its exact text, netdoctor comment
 * included, and delete that handle. 'absent': no such rule (not even its chain).
 */
async function locateNftRule(ref: NftRuleRef): Promise<{ argv: string[] } | { error: string } | 'absent'> {
  const r = await runFixCommand(nftListChain(ref));
  if (r.failed) {
    if (/No such file or directory/.test(r.stderr)) return 'absent';
    return { error: `cannot look for the rule in ${ref.family} ${ref.table} ${ref.chain}: ${describeFailure(r)}` };
  }
  const handle = nftRuleToRemove(r.stdout, ref.ruleText, ref.at);
  return handle === null ? 'absent' : { argv: nftDeleteByHandle(ref, handle) };
}

async function revertEntry(e: JournalEntry, onEvent: (e: RevertEvent) => void): Promise<Reverted> {
  if (e.kind === 'file') {
    try {
      const now = (() => {
        try {
          return readFileSync(e.path, 'utf8');
        } catch {
          return null;
        }
      })();
      // Journaled, then netdoctor died before writing: the file is still what it was.
      if (e.status === 'pending' && now === e.previous && now !== e.content) {
        onEvent({ type: 'revert-skipped', argv: null, path: e.path, title: e.title });
        return 'not-applied';
      }
      // Only put back what netdoctor wrote: a file changed since is the administrator's now.
      if (now !== null && now !== e.content) throw new Error(`${e.path} changed since netdoctor wrote it; left as it is`);
      if (e.previous === null) rmSync(e.path, { force: true });
      else writeFileAtomic(e.path, e.previous, dirname(e.path));
      onEvent({ type: 'revert-file', path: e.path, ok: true });
      return 'undone';
    } catch (err) {
      e.error = (err as Error).message;
      onEvent({ type: 'revert-file', path: e.path, ok: false, error: e.error });
      return 'failed';
    }
  }
  if (!e.undo.length && e.nftRule) {
    const found = await locateNftRule(e.nftRule);
    if (found === 'absent') {
      onEvent({ type: 'revert-skipped', argv: e.argv, path: null, title: e.title, ...(e.status === 'pending' ? {} : { gone: true }) });
      return e.status === 'pending' ? 'not-applied' : 'undone';
    }
    if ('error' in found) {
      e.error = found.error;
      onEvent({ type: 'revert-command', argv: nftListChain(e.nftRule), ok: false, error: found.error });
      return 'failed';
    }
    e.undo = [found.argv];
  }
  let ok = true;
  for (const [i, argv] of e.undo.entries()) {
    const r = await runFixCommand(argv);
    // A pending entry was journaled before its command ran and netdoctor died in between, or
    // just after. Its undo failing at once means the change is not there: it never ran.
    if (r.failed && e.status === 'pending' && i === 0) {
      onEvent({ type: 'revert-skipped', argv: e.argv, path: null, title: e.title });
      return 'not-applied';
    }
    const fine = !r.failed || e.status === 'pending';
    onEvent({ type: 'revert-command', argv, ok: !r.failed, ...(r.failed ? { error: describeFailure(r) } : {}) });
    if (!fine) {
      ok = false;
      e.error = describeFailure(r);
    }
  }
  if (ok && e.cleanup) {
    const listed = await runFixCommand(e.cleanup.list);
    if (!listed.failed && !nftTableHasRules(listed.stdout)) {
      const r = await runFixCommand(e.cleanup.remove);
      onEvent({ type: 'revert-command', argv: e.cleanup.remove, ok: !r.failed, ...(r.failed ? { error: describeFailure(r) } : {}) });
    }
  }
  return ok ? 'undone' : 'failed';
}

/** Revert every entry of `run` that is in place, newest first. True when all reverted cleanly. */
export async function revertRun(stateDir: string, run: RunRecord, onEvent: (e: RevertEvent) => void): Promise<boolean> {
  let allOk = true;
  for (const e of [...run.entries].reverse()) {
    if (!isInPlace(e)) continue;
    const outcome = await revertEntry(e, onEvent);
    e.status = outcome === 'failed' ? 'undo-failed' : outcome;
    if (outcome === 'failed') allOk = false;
    saveRun(stateDir, run);
  }
  return allOk;
}

export interface UndoResult {
  outcome: 'undone' | 'nothing' | 'refused' | 'declined' | 'failed';
  run: RunRecord | null;
  message: string;
}

export interface UndoOptions {
  stateDir: string;
  /** Asked with the run and the exact undo lines; return false to leave everything as it is. */
  confirm: (run: RunRecord, lines: string[][]) => Promise<boolean>;
  onEvent?: (e: RevertEvent) => void;
  /** Revert this run instead of the newest one (the --trial watchdog). */
  runId?: string;
  /** Only revert when it is still an unconfirmed trial (the watchdog). */
  onlyUnconfirmedTrial?: boolean;
}

/** Does the run still address the namespaces it changed (not same-named new ones)? */
export async function identityProblem(run: RunRecord): Promise<string | null> {
  const [ns, host] = await Promise.all([nsIdentity(run.target.ns), nsIdentity(run.target.hostNs)]);
  if (run.identity.ns && !sameIdentity(run.identity.ns, ns)) {
    return ns ? `namespace ${run.target.ns} is not the one netdoctor changed (it was deleted and made again)` : `namespace ${run.target.ns} no longer exists`;
  }
  if (run.target.hostNs && !sameIdentity(run.identity.hostNs, host)) {
    return `host namespace ${run.target.hostNs} is not the one netdoctor changed`;
  }
  return null;
}

export async function undoLastRun(opts: UndoOptions): Promise<UndoResult> {
  const release = await acquireLockWaiting(opts.stateDir);
  try {
    const runs = undoableRuns(opts.stateDir);
    const run = opts.runId ? runs.find((r) => r.id === opts.runId) ?? null : runs.at(-1) ?? null;
    if (!run) return { outcome: 'nothing', run: null, message: 'nothing to undo: no fix run with changes in place' };
    if (opts.onlyUnconfirmedTrial && (!run.trial || run.trial.confirmed)) {
      return { outcome: 'nothing', run, message: 'the trial was confirmed: changes kept' };
    }
    const problem = await identityProblem(run);
    if (problem) {
      const where = `its record is ${runPath(opts.stateDir, run.id)}: move it out of that directory to undo the run before it`;
      return { outcome: 'refused', run, message: `refusing to undo run ${run.id}: ${problem} (${where})` };
    }
    // Rules journaled without their handle: look them up now, so the question shows the real command.
    for (const e of run.entries) {
      if (e.kind !== 'command' || !isInPlace(e) || e.undo.length || !e.nftRule) continue;
      const found = await locateNftRule(e.nftRule);
      if (typeof found === 'object' && 'argv' in found) e.undo = [found.argv];
    }
    const lines = [...run.entries].reverse().filter(isInPlace).flatMap((e) => (e.kind === 'command' ? e.undo : [['rm', e.path]]));
    if (!(await opts.confirm(run, lines))) return { outcome: 'declined', run, message: 'nothing was changed' };
    const ok = await revertRun(opts.stateDir, run, opts.onEvent ?? (() => undefined));
    run.status = ok ? 'undone' : 'undo-failed';
    saveRun(opts.stateDir, run);
    const never = run.entries.filter((e) => e.status === 'not-applied').length;
    const skipped = never ? `; ${never} change(s) journaled but never applied, skipped` : '';
    return ok
      ? { outcome: 'undone', run, message: `undid run ${run.id} (${run.entries.filter((e) => e.status === 'undone').length} change(s)${skipped})` }
      : { outcome: 'failed', run, message: `some changes of run ${run.id} could not be undone (see above); run \`netdoctor undo\` again once fixed` };
  } finally {
    release();
  }
}

/** The lock, waiting a while for another netdoctor (a confirm, a watchdog) to finish. */
export async function acquireLockWaiting(stateDir: string, waitMs = 30_000): Promise<() => void> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return acquireLock(stateDir);
    } catch (err) {
      if ((err as Error).name !== 'LockedError' || Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
