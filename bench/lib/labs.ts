// The bench's own labs: built through the BUILT CLI (`lab up`), like the integration tests,
// under a unique `ndb<tag>...` prefix, and always removed again: on success, on a failure and
// on SIGINT/SIGTERM. Everything lives in the labs' namespaces; the root namespace is never
// touched. Each bench run records its tag and pid, so a later run removes the leftovers of a
// run that was killed outright, and never the labs of a bench still going.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabInfo } from '../../src/lab/lab.js';
import { processAlive, run } from '../../src/system/run.js';

/** The built CLI under test; NETDOCTOR_BENCH_CLI measures another build (e.g. main's) instead. */
export const CLI = process.env.NETDOCTOR_BENCH_CLI || fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const BENCH_PREFIX = 'ndb';
const TAG_LENGTH = 3;
const RUNS_DIR = '/run/netdoctor/bench-runs';
const LAB_STATE_DIR = '/run/netdoctor/labs';
const NETNS_DIR = '/run/netns';

export function randomTag(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Tags of recorded bench runs whose process is gone (killed before it could clean up). */
function deadRuns(): string[] {
  const dead: string[] = [];
  for (const f of list(RUNS_DIR)) {
    if (!f.endsWith('.pid')) continue;
    let pid = NaN;
    try {
      pid = Number(readFileSync(join(RUNS_DIR, f), 'utf8').trim());
    } catch {
      continue; // vanished meanwhile: its run cleaned up
    }
    if (!(Number.isInteger(pid) && pid > 0 && processAlive(pid))) dead.push(f.slice(0, -'.pid'.length));
  }
  return dead;
}

/** Delete namespaces by name (one `ip -batch`); -force keeps going past ones already gone. */
export async function deleteNamespaces(names: string[]): Promise<void> {
  if (!names.length) return;
  await run(['ip', '-force', '-batch', '-'], { input: `${names.map((n) => `netns del ${n}`).join('\n')}\n`, timeoutMs: 120_000 });
}

// Exactly what a bench run names: ndb + its 3-character tag + 4 random characters, then `-...`
// (namespaces) or `.json` (lab state files).
const BENCH_NAME = /^ndb([a-z0-9]{3})[a-z0-9]{4}(-|\.json$)/;

/**
 * Bench names that belong to the given runs. Pure (unit-tested). Only runs the bench recorded
 * are ever swept, so a namespace of someone else's that happens to start with `ndb` is safe.
 */
export function benchStrays(names: string[], tags: ReadonlySet<string>): string[] {
  return names.filter((n) => {
    const m = BENCH_NAME.exec(n);
    return m !== null && tags.has(m[1]!);
  });
}

export class BenchLabs {
  readonly tag = randomTag(TAG_LENGTH);
  private readonly prefixes = new Set<string>();
  private readonly worlds = new Set<string>();
  private cleaning: Promise<void> | null = null;

  /** Record this run and sweep what killed bench runs left behind. */
  async start(): Promise<void> {
    mkdirSync(RUNS_DIR, { recursive: true });
    writeFileSync(join(RUNS_DIR, `${this.tag}.pid`), `${process.pid}\n`);
    await this.sweep(deadRuns());
  }

  /** Remove the runs' namespaces and state files, then their records. */
  private async sweep(tags: string[]): Promise<void> {
    if (!tags.length) return;
    const set = new Set(tags);
    await deleteNamespaces(benchStrays(list(NETNS_DIR), set));
    for (const f of benchStrays(list(LAB_STATE_DIR), set)) rmSync(join(LAB_STATE_DIR, f), { force: true });
    for (const t of tags) rmSync(join(RUNS_DIR, `${t}.pid`), { force: true });
  }

  /** A prefix for a lab world (`learn --up`), removed with `lab down` at cleanup. */
  newWorld(): string {
    const p = this.newPrefix();
    this.worlds.add(p);
    return p;
  }

  newPrefix(): string {
    const p = `${BENCH_PREFIX}${this.tag}${randomTag(4)}`;
    this.prefixes.add(p);
    return p;
  }

  /** `netdoctor lab up SCENARIO` with bench names: a random /16 subnet, non-tutorial names. */
  async up(scenario: string, extra: string[] = []): Promise<LabInfo> {
    const prefix = this.newPrefix();
    const subnet = `10.${100 + Math.floor(Math.random() * 150)}.0.0/16`;
    const args = ['lab', 'up', scenario, '--json', '--prefix', prefix, '--ns', 'c0', '--bridge', 'brb', '--veth-host', 'vhb0', '--veth-ns', 'eth0', '--uplink', 'wanb', '--subnet', subnet, ...extra];
    const r = await run(['node', CLI, ...args], { timeoutMs: 120_000 });
    if (r.exitCode !== 0) throw new Error(`lab up ${scenario} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as LabInfo;
  }

  /** Remove every lab and namespace this run made (idempotent; safe to call concurrently). */
  cleanup(): Promise<void> {
    this.cleaning ??= (async () => {
      // Worlds hold mounts and a watcher besides namespaces: only `lab down` removes them whole.
      for (const w of this.worlds) await run(['node', CLI, 'lab', 'down', '--prefix', w], { timeoutMs: 60_000 });
      const doomed = list(NETNS_DIR).filter((n) => [...this.prefixes].some((p) => n.startsWith(`${p}-`)));
      await deleteNamespaces(doomed);
      for (const p of this.prefixes) rmSync(join(LAB_STATE_DIR, `${p}.json`), { force: true });
      await this.sweep([this.tag]);
    })();
    return this.cleaning;
  }
}
