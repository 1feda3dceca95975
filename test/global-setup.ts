// Global setup/teardown: whatever happens inside the tests, a test run leaves no lab behind.
//
// Every test lab's prefix is `ndt` + this run's 3-character tag + a random suffix. Each run
// records its tag and pid under /run/netdoctor/test-runs, so teardown removes its own labs and
// the leftovers of crashed runs, but never the labs of another test run still going on the same
// machine.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { processAlive, run } from '../src/system/run.js';
import { NETNS_ETC, stopLabResolvers } from '../src/lab/lab-dns.js';
import { worldDown } from '../src/lab/world.js';
import { WORLD_DIR } from '../src/lab/world-plan.js';

declare module 'vitest' {
  export interface ProvidedContext {
    ndtRunTag: string;
  }
}

export const TEST_PREFIX = 'ndt';
export const TAG_LENGTH = 3;
const RUNS_DIR = '/run/netdoctor/test-runs';
const LAB_STATE_DIR = '/run/netdoctor/labs';
const NETNS_DIR = '/run/netns';

let ownTag: string | null = null;

export function randomTag(length = TAG_LENGTH): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Tags of other test runs that are still going. */
function liveTags(): Set<string> {
  const live = new Set<string>();
  let files: string[] = [];
  try {
    files = readdirSync(RUNS_DIR);
  } catch {
    return live;
  }
  for (const f of files) {
    const tag = f.replace(/\.pid$/, '');
    const pid = Number(readFileSync(join(RUNS_DIR, f), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) live.add(tag);
    else rmSync(join(RUNS_DIR, f), { force: true });
  }
  return live;
}

/** Names (of namespaces or lab prefixes) that belong to this run or to no live run. */
export function strays(names: string[], live: Set<string>, own: string | null): string[] {
  return names.filter((n) => {
    if (!n.startsWith(TEST_PREFIX)) return false;
    const tag = n.slice(TEST_PREFIX.length, TEST_PREFIX.length + TAG_LENGTH);
    return tag === own || !live.has(tag);
  });
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function sweep(own: string | null): Promise<string[]> {
  if (!isRoot()) return [];
  const live = liveTags();
  if (own) live.delete(own);
  // Lab worlds are pinned under WORLD_DIR, not named in /run/netns: take them down first
  // (worldDown also stops whatever still runs inside them).
  for (const prefix of strays(list(WORLD_DIR), live, own)) await worldDown(prefix).catch(() => undefined);
  const doomed = strays(list(NETNS_DIR), live, own);
  // A lab's resolver process would keep its internet namespace alive after `netns del`.
  await Promise.all(doomed.filter((n) => n.endsWith('-inet')).map((n) => stopLabResolvers(n).catch(() => [])));
  for (const ns of strays(list(NETNS_ETC), live, own)) {
    try {
      const file = join(NETNS_ETC, ns, 'resolv.conf');
      if (!readFileSync(file, 'utf8').startsWith('# netdoctor lab ')) continue;
      rmSync(file);
      if (list(join(NETNS_ETC, ns)).length === 0) rmSync(join(NETNS_ETC, ns), { recursive: true });
    } catch {
      /* not a lab's file */
    }
  }
  if (doomed.length) {
    await run(['ip', '-force', '-batch', '-'], { input: `${doomed.map((n) => `netns del ${n}`).join('\n')}\n`, timeoutMs: 30_000 });
  }
  for (const f of strays(list(LAB_STATE_DIR), live, own)) rmSync(join(LAB_STATE_DIR, f), { force: true });
  return doomed;
}

export async function setup(project: TestProject): Promise<void> {
  ownTag = randomTag();
  if (isRoot()) {
    mkdirSync(RUNS_DIR, { recursive: true });
    writeFileSync(join(RUNS_DIR, `${ownTag}.pid`), `${process.pid}\n`);
  }
  // Leftovers of a crashed earlier run.
  await sweep(null);
  project.provide('ndtRunTag', ownTag);
}

export async function teardown(): Promise<void> {
  const removed = await sweep(ownTag);
  if (removed.length) process.stderr.write(`global teardown: removed ${removed.length} leftover test namespace(s)\n`);
  if (ownTag) rmSync(join(RUNS_DIR, `${ownTag}.pid`), { force: true });
}
