// Saved progress (and the secret of a running challenge), one JSON file per world prefix under
// NETDOCTOR_LEARN_DIR (tests) or /var/lib/netdoctor/learn.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateNamespaceName } from '../validate.js';
import type { Progress } from './progress.js';

export const DEFAULT_LEARN_DIR = '/var/lib/netdoctor/learn';

export interface ChallengeState {
  schemaVersion: 1;
  prefix: string;
  /** The scenario the world was built from: the truth the answer is graded against. */
  scenario: string;
  startedAt: string;
  answers: { step: string; right: boolean; at: string }[];
}

export function learnDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NETDOCTOR_LEARN_DIR || DEFAULT_LEARN_DIR;
}

function file(prefix: string, kind: 'progress' | 'challenge'): string {
  validateNamespaceName('--prefix', prefix);
  return join(learnDir(), kind === 'progress' ? `${prefix}.json` : `${prefix}.challenge.json`);
}

function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

function writeJson(path: string, data: unknown): void {
  mkdirSync(learnDir(), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export function loadProgress(prefix: string): Progress | null {
  const p = readJson<Progress>(file(prefix, 'progress'));
  return p && p.schemaVersion === 1 && p.prefix === prefix && typeof p.ticks === 'object' ? p : null;
}

export function saveProgress(p: Progress): void {
  writeJson(file(p.prefix, 'progress'), p);
}

export function loadChallenge(prefix: string): ChallengeState | null {
  const c = readJson<ChallengeState>(file(prefix, 'challenge'));
  return c && c.schemaVersion === 1 && c.prefix === prefix && typeof c.scenario === 'string' ? c : null;
}

export function saveChallenge(c: ChallengeState): void {
  writeJson(file(c.prefix, 'challenge'), c);
}

export function forget(prefix: string, what: 'progress' | 'challenge'): void {
  rmSync(file(prefix, what), { force: true });
}
