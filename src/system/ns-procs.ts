// Namespace identities and the processes inside them, read from /proc. Used to tear a lab world
// down completely: a shell or a `sleep` still running in it would keep its namespaces alive.
import { readdirSync, readlinkSync, statSync } from 'node:fs';

/** The inode of the namespace an nsfs file (or /proc/PID/ns/X link) refers to; null if it is none. */
export function nsInode(path: string): number | null {
  try {
    const nsfsDev = statSync('/proc/self/ns/net').dev;
    const s = statSync(path);
    return s.dev === nsfsDev ? s.ino : null;
  } catch {
    return null;
  }
}

function linkInode(pid: string, kind: 'mnt' | 'net'): number | null {
  try {
    const m = /\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/${kind}`));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Processes (other than this one) inside any of the given mount or network namespaces. */
export function processesIn(ns: { mnt: number[]; net: number[] }): number[] {
  const mnt = new Set(ns.mnt);
  const net = new Set(ns.net);
  const out: number[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    const m = linkInode(pid, 'mnt');
    const n = linkInode(pid, 'net');
    if ((m !== null && mnt.has(m)) || (n !== null && net.has(n))) out.push(Number(pid));
  }
  return out;
}

/** Our own namespaces, to refuse tearing down a world from inside it. */
export function ownNamespaces(): { mnt: number | null; net: number | null } {
  return { mnt: linkInode('self', 'mnt'), net: linkInode('self', 'net') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL whatever is still there after `graceMs`. Returns how many were signalled. */
export async function killAll(pids: number[], graceMs = 500): Promise<number> {
  const signal = (pid: number, sig: NodeJS.Signals | 0) => {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false; // already gone
    }
  };
  const hit = pids.filter((p) => signal(p, 'SIGTERM'));
  if (hit.length === 0) return 0;
  const deadline = Date.now() + graceMs;
  let alive = hit;
  while (alive.length && Date.now() < deadline) {
    await sleep(50);
    alive = alive.filter((p) => signal(p, 0));
  }
  for (const p of alive) signal(p, 'SIGKILL');
  return hit.length;
}
