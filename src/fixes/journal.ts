// The undo journal: one JSON file per fix run under STATE_DIR/runs, rewritten atomically
// (temp file, fsync, rename, fsync of the directory) before and after every change, so a crash
// at any point leaves a complete record of what was applied (an entry still `pending` may or
// may not have run; its undo is tried and allowed to fail).
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StepId } from '../diagnosis/steps.js';
import type { NftRuleRef, TableCleanup } from './actions.js';

export const DEFAULT_STATE_DIR = '/var/lib/netdoctor';

export function stateDirFrom(env: NodeJS.ProcessEnv = process.env): string {
  return env.NETDOCTOR_STATE_DIR || DEFAULT_STATE_DIR;
}

/** A namespace's identity: its nsfs inode (and when it was made), not just its name. */
export interface NsIdentity {
  dev: number;
  ino: number;
  ctimeMs?: number;
}

// not-applied: was `pending` (journaled, about to run), and undo found the change never took effect.
export type EntryStatus = 'pending' | 'done' | 'exists' | 'failed' | 'undone' | 'undo-failed' | 'not-applied';

export interface CommandEntry {
  kind: 'command';
  step: StepId;
  title: string;
  argv: string[];
  undo: string[][];
  /** After the undo lines: remove a table this command created, if it holds no rules. */
  cleanup?: TableCleanup;
  /**
   * An nft rule: while its handle is unknown (undo empty: netdoctor died before recording it,
   * or nft printed none), undo finds the rule by its exact text and deletes that handle.
   */
  nftRule?: NftRuleRef;
  status: EntryStatus;
  at: string;
  error?: string;
}

/** A file netdoctor wrote (--persist): undo puts back what was there (or removes it). */
export interface FileEntry {
  kind: 'file';
  step: StepId;
  title: string;
  path: string;
  content: string;
  previous: string | null;
  status: EntryStatus;
  at: string;
  error?: string;
}

export type JournalEntry = CommandEntry | FileEntry;

export type RunStatus =
  | 'applying' // in progress, or interrupted
  | 'applied'
  | 'rolled-back' // a command failed; what this run applied was reverted
  | 'rollback-failed'
  | 'undone'
  | 'undo-failed';

export interface RunRecord {
  schemaVersion: 1;
  id: string;
  startedAt: string;
  updatedAt: string;
  status: RunStatus;
  target: { ns: string; hostNs: string | null; bridge: string | null; probe: string };
  /** Identity of the namespaces the commands address, as they are after the run (null: absent). */
  identity: { ns: NsIdentity | null; hostNs: NsIdentity | null };
  entries: JournalEntry[];
  /**
   * --trial: reverted automatically at `deadline` unless confirmed. The watchdog starts before
   * the first change; until the run is over the deadline is null, and if netdoctor (`ownerPid`)
   * dies meanwhile the watchdog reverts at once.
   */
  trial: { seconds: number; deadline: string | null; confirmed: boolean; watchdogPid: number | null; ownerPid?: number } | null;
}

export function runsDir(stateDir: string): string {
  return join(stateDir, 'runs');
}

/** Sortable, unique run id: time, then pid. */
export function newRunId(now = new Date(), pid = process.pid): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${pid}`;
}

export function runPath(stateDir: string, id: string): string {
  if (!/^[0-9TZ]+-\d+$/.test(id)) throw new Error(`not a run id: ${JSON.stringify(id)}`);
  return join(runsDir(stateDir), `${id}.json`);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Write a file so that readers see the old or the new content, never a torn one. */
export function writeFileAtomic(path: string, content: string, dir: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dir);
}

export function saveRun(stateDir: string, run: RunRecord): void {
  const dir = runsDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  run.updatedAt = new Date().toISOString();
  writeFileAtomic(runPath(stateDir, run.id), `${JSON.stringify(run, null, 2)}\n`, dir);
}

export function parseRun(text: string): RunRecord | null {
  try {
    const r = JSON.parse(text) as RunRecord;
    if (r?.schemaVersion !== 1 || typeof r.id !== 'string' || !Array.isArray(r.entries)) return null;
    return r;
  } catch {
    return null;
  }
}

export function loadRun(stateDir: string, id: string): RunRecord | null {
  const path = runPath(stateDir, id);
  try {
    return parseRun(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Every recorded run, oldest first. */
export function listRuns(stateDir: string): RunRecord[] {
  let names: string[];
  try {
    names = readdirSync(runsDir(stateDir));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => loadRun(stateDir, n.slice(0, -5)))
    .filter((r): r is RunRecord => r !== null);
}

/** Runs whose changes are (or may be) in place: what `undo` reverts, newest last. */
export function undoableRuns(stateDir: string): RunRecord[] {
  return listRuns(stateDir).filter((r) => ['applied', 'applying', 'rollback-failed', 'undo-failed'].includes(r.status) && r.entries.some((e) => isInPlace(e)));
}

/** Entries whose change is (or may be) in place. */
export function isInPlace(e: JournalEntry): boolean {
  return e.status === 'done' || e.status === 'pending' || e.status === 'undo-failed';
}

// One fix run at a time per state directory: a lock file holding the owner's pid. A lock whose
// owner is gone is stale and taken over.
export function acquireLock(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
        throw new LockedError(`another netdoctor (pid ${pid}) is changing this host; wait for it to finish`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new LockedError(`cannot take the lock ${path}`);
}

export class LockedError extends Error {
  override name = 'LockedError';
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
