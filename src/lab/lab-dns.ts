// DNS for a lab: a resolver in the lab's internet (a tiny responder process at RESOLVER_IP) and
// /etc/netns/<ns>/resolv.conf files, which `ip netns exec` shows programs in that namespace as
// /etc/resolv.conf. Every file carries the lab's marker, so `lab down` removes only its own.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { distFile } from '../dist-path.js';
import { processAlive, run, startDaemon } from '../system/run.js';
import { RESOLVER_IP, TARGET_IP } from './topology.js';

export const NETNS_ETC = '/etc/netns';
const RESPONDER = distFile('lab/dns-responder.js');
const RESPONDER_NAME = 'dns-responder.js';

export function resolvMarker(prefix: string): string {
  return `# netdoctor lab ${prefix}: written by netdoctor lab up, removed by netdoctor lab down`;
}

function resolvPath(ns: string): string {
  return join(NETNS_ETC, ns, 'resolv.conf');
}

/** Write the lab's resolv.conf for `ns`; refuses to overwrite a file that is not this lab's. */
export function writeLabResolvConf(prefix: string, ns: string, nameservers: readonly string[]): string {
  const path = resolvPath(ns);
  let existing: string | null = null;
  try {
    existing = readFileSync(path, 'utf8');
  } catch {
    /* absent: the usual case */
  }
  if (existing !== null && !existing.startsWith(resolvMarker(prefix))) throw new Error(`${path} exists and is not lab ${prefix}'s: not overwritten`);
  mkdirSync(join(NETNS_ETC, ns), { recursive: true });
  writeFileSync(path, `${resolvMarker(prefix)}\n${nameservers.map((n) => `nameserver ${n}`).join('\n')}\n`);
  return path;
}

/** Remove this lab's resolv.conf files (and their directories when left empty). */
export function removeLabResolvConfs(prefix: string, namespaces: readonly string[]): string[] {
  const removed: string[] = [];
  for (const ns of namespaces) {
    const path = resolvPath(ns);
    try {
      if (!readFileSync(path, 'utf8').startsWith(resolvMarker(prefix))) continue;
      rmSync(path);
      removed.push(path);
      if (readdirSync(join(NETNS_ETC, ns)).length === 0) rmdirSync(join(NETNS_ETC, ns));
    } catch {
      /* not there, or not ours */
    }
  }
  return removed;
}

/** Namespaces under /etc/netns named like lab `prefix`'s (removeLabResolvConfs still checks each file's marker). */
export function labResolvConfNamespaces(prefix: string): string[] {
  try {
    return readdirSync(NETNS_ETC).filter((n) => n.startsWith(`${prefix}-`));
  } catch {
    return [];
  }
}

/** Start the lab internet's resolver inside `inetNs`; its pid. */
export async function startLabResolver(inetNs: string): Promise<number> {
  const { pid } = await startDaemon([process.execPath, RESPONDER, RESOLVER_IP, TARGET_IP], { ns: inetNs, readyTimeoutMs: 15_000, env: { NETDOCTOR_LAB_NS: inetNs } });
  return pid;
}

/** Whether `pid` is a lab resolver (the responder `lab up` started), by its command line. */
export async function isLabResolver(pid: number): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').some((a) => a.endsWith(RESPONDER_NAME));
  } catch {
    return false;
  }
}

/**
 * End the lab resolver(s) running in `ns`: only processes in that namespace whose command is
 * netdoctor's responder, never anything else. A process left there would keep the namespace
 * alive after `ip netns del`.
 */
export async function stopLabResolvers(ns: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', ns]);
  if (r.failed) return [];
  const pids: number[] = [];
  for (const p of r.stdout.split(/\s+/).filter(Boolean).map(Number)) {
    if (Number.isInteger(p) && p > 1 && (await isLabResolver(p))) pids.push(p);
  }
  for (const p of pids) signal(p, 'SIGTERM');
  for (let i = 0; i < 40 && pids.some(processAlive); i++) await new Promise((res) => setTimeout(res, 50));
  for (const p of pids.filter(processAlive)) signal(p, 'SIGKILL');
  return pids;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}
