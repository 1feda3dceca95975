// The bench's own labs: built through the BUILT CLI (`lab up`), like the integration tests,
// under a unique `ndb<tag>...` prefix, and always removed again: on success, on a failure and
// on SIGINT/SIGTERM. Everything lives in the labs' namespaces; the root namespace is never
// touched. Each bench run records its tag and pid, so a later run removes the leftovers of a
// run that was killed outright, and never the labs of a bench still going.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabInfo } from '../../src/lab/lab.js';
import { run } from '../../src/system/run.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Tags of bench runs still going (their pid is alive); stale records are removed. */
function liveTags(): Set<string> {
  const live = new Set<string>();
  for (const f of list(RUNS_DIR)) {
    const tag = f.replace(/\.pid$/, '');
    let pid = NaN;
    try {
      pid = Number(readFileSync(join(RUNS_DIR, f), 'utf8').trim());
    } catch {
      /* vanished meanwhile */
    }
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) live.add(tag);
    else rmSync(join(RUNS_DIR, f), { force: true });
  }
  return live;
}

/** Delete namespaces by name (one `ip -batch`); -force keeps going past ones already gone. */
export async function deleteNamespaces(names: string[]): Promise<void> {
  if (!names.length) return;
  await run(['ip', '-force', '-batch', '-'], { input: `${names.map((n) => `netns del ${n}`).join('\n')}\n`, timeoutMs: 120_000 });
}

/** Bench namespace/state names whose run is this one or is gone. Pure (unit-tested). */
export function benchStrays(names: string[], live: Set<string>, own: string | null): string[] {
  return names.filter((n) => {
    if (!n.startsWith(BENCH_PREFIX)) return false;
    const tag = n.slice(BENCH_PREFIX.length, BENCH_PREFIX.length + TAG_LENGTH);
    return tag.length === TAG_LENGTH && (tag === own || !live.has(tag));
  });
}

export class BenchLabs {
  readonly tag = randomTag(TAG_LENGTH);
  private readonly prefixes = new Set<string>();
  private cleaning: Promise<void> | null = null;

  /** Record this run and sweep what killed bench runs left behind. */
  async start(): Promise<void> {
    mkdirSync(RUNS_DIR, { recursive: true });
    const live = liveTags();
    writeFileSync(join(RUNS_DIR, `${this.tag}.pid`), `${process.pid}\n`);
    await this.sweep(live, null);
  }

  private async sweep(live: Set<string>, own: string | null): Promise<void> {
    if (own) live.delete(own);
    await deleteNamespaces(benchStrays(list(NETNS_DIR), live, own));
    for (const f of benchStrays(list(LAB_STATE_DIR), live, own)) rmSync(join(LAB_STATE_DIR, f), { force: true });
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
      const doomed = list(NETNS_DIR).filter((n) => [...this.prefixes].some((p) => n.startsWith(`${p}-`)));
      await deleteNamespaces(doomed);
      for (const p of this.prefixes) rmSync(join(LAB_STATE_DIR, `${p}.json`), { force: true });
      await this.sweep(liveTags(), this.tag);
      rmSync(join(RUNS_DIR, `${this.tag}.pid`), { force: true });
    })();
    return this.cleaning;
  }
}
