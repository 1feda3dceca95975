// Helpers for tests of lab worlds (`lab up --world`, `lab exec`, `lab shell`, `learn`): each test
// builds its own world with a unique `ndt...` prefix through the built CLI and always removes it.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { run } from '../../src/system/run.js';
import type { WorldInfo } from '../../src/lab/world.js';
import { WORLD_DIR } from '../../src/lab/world-plan.js';
import { CLI as CLI_PATH, runCli, uniquePrefix, type CliResult } from './helpers.js';

export async function worldUp(scenario: string | null = null, prefix = uniquePrefix()): Promise<WorldInfo> {
  const r = await runCli(['lab', 'up', '--world', '--prefix', prefix, '--json', ...(scenario ? [scenario] : [])]);
  if (r.code !== 0) throw new Error(`lab up --world failed (exit ${r.code}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as WorldInfo;
}

export async function worldDown(prefix: string): Promise<CliResult> {
  return runCli(['lab', 'down', '--prefix', prefix]);
}

export async function withWorld<T>(scenario: string | null, fn: (w: WorldInfo) => Promise<T>, prefix = uniquePrefix()): Promise<T> {
  try {
    return await fn(await worldUp(scenario, prefix));
  } finally {
    await worldDown(prefix);
  }
}

/** `netdoctor lab exec --prefix P -- argv...`, output captured. */
export async function labExec(prefix: string, argv: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = await run(['node', CLI_PATH, 'lab', 'exec', '--prefix', prefix, '--', ...argv], {
    timeoutMs: opts.timeoutMs ?? 30_000,
    ...(opts.input === undefined ? {} : { input: opts.input }),
  });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/**
 * What the real host would show if a lab leaked into it: the root namespace's links, nft
 * ruleset and ip_forward, and named namespaces that could be the learner's or this world's.
 * Other runs create and delete PREFIX-name namespaces concurrently; they are left out.
 */
export async function hostView(prefix: string): Promise<Record<string, string>> {
  const out = async (argv: string[]) => {
    const r = await run(argv, { timeoutMs: 10_000 });
    return `${r.exitCode}\n${r.stdout}`;
  };
  const [link, addr, route, nft] = await Promise.all([
    out(['ip', '-o', 'link']),
    out(['ip', '-o', '-4', 'addr']),
    out(['ip', '-4', 'route']),
    out(['nft', 'list', 'ruleset']),
  ]);
  let names: string[] = [];
  try {
    names = readdirSync('/run/netns');
  } catch {
    names = [];
  }
  return {
    // Link statistics are not part of `ip -o link`; the state and flags are.
    link,
    addr: addr.replace(/valid_lft \S+ preferred_lft \S+/g, ''),
    route,
    nft: nft.replace(/counter packets \d+ bytes \d+/g, 'counter'),
    ipForward: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'),
    // Lab namespaces are PREFIX-name; another prefix's belong to a concurrent run (another test,
    // a person's lab), not to this one. Unprefixed names (ns0) would be a world leaking out.
    namespaces: names
      .filter((n) => !n.includes('-') || n.startsWith(prefix))
      .sort()
      .join(','),
  };
}

/** Mount points (in our mount namespace) that belong to a world. */
export function worldMounts(prefix: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p === `${WORLD_DIR}/${prefix}` || p.startsWith(`${WORLD_DIR}/${prefix}/`));
}

export function worldDirExists(prefix: string): boolean {
  return existsSync(`${WORLD_DIR}/${prefix}`);
}

/** Seconds since boot (the clock process start times are counted in). */
export function uptime(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

/** A process's start, in seconds since boot (USER_HZ is 100 on Linux). */
function startedAt(pid: string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[19]) / 100;
}

/**
 * Processes in a namespace (by inode) of the given kind. The kernel reuses a freed namespace's
 * inode number quickly (other tests create namespaces all the time), so with `startedBefore`
 * (uptime seconds) only processes that already ran by then count.
 */
export function processesInNs(kind: 'mnt' | 'net', inode: number, startedBefore = Infinity): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const m = /\[(\d+)\]/.exec(readlinkSyncSafe(`/proc/${pid}/ns/${kind}`));
      if (m && Number(m[1]) === inode && startedAt(pid) < startedBefore) out.push(Number(pid));
    } catch {
      /* gone */
    }
  }
  return out;
}

function readlinkSyncSafe(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return '';
  }
}
