// Helpers for tests that build real labs. Labs are built and removed through the BUILT CLI
// (dist/cli.js), exactly as a user would; every lab gets a unique `ndt...` prefix (which the
// global teardown sweeps up even after a crash) and random, non-tutorial names and subnet, so
// no test relies on br0/eth0/192.168.0.0/16 by accident.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { LabInfo } from '../../src/lab/lab.js';
import { run } from '../../src/system/run.js';
import { TEST_PREFIX, randomTag } from '../global-setup.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export const TARGET = '198.51.100.8';
export const LAB_STATE_DIR = '/run/netdoctor/labs';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Integration tests need root and a built CLI; say why they are skipped otherwise. */
export function integrationSkipReason(): string | null {
  const reason = !isRoot()
    ? 'integration tests need root (they build network namespaces)'
    : !existsSync(CLI)
      ? `${CLI} is missing: run npm run build first`
      : null;
  // A suite that silently skips its heart passes without testing anything: skipping must be asked for.
  if (reason && process.env.NETDOCTOR_SKIP_INTEGRATION !== '1') {
    throw new Error(`${reason}. To skip the real-namespace tests on purpose, set NETDOCTOR_SKIP_INTEGRATION=1.`);
  }
  return reason;
}

let fallbackTag: string | null = null;

/** `ndt` + this run's tag + 4 random characters: unique per lab, owned by this test run. */
export function uniquePrefix(): string {
  let tag: string | undefined;
  try {
    tag = inject('ndtRunTag');
  } catch {
    tag = undefined;
  }
  fallbackTag ??= randomTag();
  return `${TEST_PREFIX}${tag ?? fallbackTag}${randomTag(4)}`;
}

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('pick: empty list');
  return item;
}

function byte(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

/** A random private subnet: a /16 or a /24 in one of the RFC 1918 blocks. */
export function randomSubnet(): string {
  return pick([
    () => `10.${byte(1, 250)}.0.0/16`,
    () => `172.${byte(16, 31)}.0.0/16`,
    () => `10.${byte(1, 250)}.${byte(0, 255)}.0/24`,
    () => `192.168.${byte(0, 255)}.0/24`,
  ])();
}

export interface TestLabOptions {
  prefix: string;
  ns: string;
  bridge: string;
  vethHost: string;
  vethNs: string;
  uplink: string;
  subnet: string;
}

/** Unique prefix, random interface names that are not the tutorial's, random subnet. */
export function randomLabOptions(): TestLabOptions {
  return {
    prefix: uniquePrefix(),
    ns: `c${randomTag(3)}`,
    bridge: `br${randomTag(3)}`,
    vethHost: `vh${randomTag(3)}`,
    vethNs: `vc${randomTag(3)}`,
    uplink: `wan${randomTag(2)}`,
    subnet: randomSubnet(),
  };
}

export async function runCli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  const r = await run(['node', CLI, ...args], { timeoutMs });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

export function labUpArgs(scenario: string, opts: Partial<TestLabOptions>): string[] {
  const args = ['lab', 'up', scenario, '--json'];
  const flags: [keyof TestLabOptions, string][] = [
    ['prefix', '--prefix'],
    ['ns', '--ns'],
    ['bridge', '--bridge'],
    ['vethHost', '--veth-host'],
    ['vethNs', '--veth-ns'],
    ['uplink', '--uplink'],
    ['subnet', '--subnet'],
  ];
  for (const [key, flag] of flags) {
    const v = opts[key];
    if (v !== undefined) args.push(flag, v);
  }
  return args;
}

/** `netdoctor lab up SCENARIO ... --json` through the built CLI. Throws with stderr on failure. */
export async function labUp(scenario: string, opts: Partial<TestLabOptions> = randomLabOptions()): Promise<LabInfo> {
  const r = await runCli(labUpArgs(scenario, { prefix: uniquePrefix(), ...opts }));
  if (r.code !== 0) throw new Error(`lab up ${scenario} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as LabInfo;
}

export async function labDown(prefix: string, extra: string[] = []): Promise<CliResult> {
  return runCli(['lab', 'down', '--prefix', prefix, ...extra]);
}

/** Build a lab, hand it to `fn`, and always take it down again. */
export async function withLab<T>(scenario: string, opts: Partial<TestLabOptions>, fn: (lab: LabInfo) => Promise<T>): Promise<T> {
  const prefix = opts.prefix ?? uniquePrefix();
  try {
    return await fn(await labUp(scenario, { ...opts, prefix }));
  } finally {
    await labDown(prefix, opts.ns ? ['--ns', opts.ns] : []);
  }
}

/**
 * A real ping from inside the lab's container namespace: true when any of three echoes is
 * answered. Three tries and a 3 s wait keep a loaded machine (a full suite on 2 cores) from
 * turning one late reply into a failure; a dead path still answers false in ~3.5 s.
 */
export async function pingFromNs(ns: string, target: string = TARGET): Promise<boolean> {
  const r = await run(['ping', '-n', '-c', '3', '-i', '0.2', '-W', '3', target], { ns, timeoutMs: 15_000 });
  return !r.failed;
}

/** Namespaces (as in `ip netns list`) whose name starts with `prefix-`. */
export function namespacesOf(prefix: string): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(`${prefix}-`));
  } catch {
    return [];
  }
}

export function stateFileExists(prefix: string): boolean {
  return existsSync(`${LAB_STATE_DIR}/${prefix}.json`);
}
