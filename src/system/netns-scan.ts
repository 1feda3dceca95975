// Which network namespaces are connected to the host side, for `check --all`: every named
// namespace (/run/netns) and every other namespace a process lives in (/proc/PID/ns/net, e.g.
// a container's), deduplicated by namespace inode, without the host side's own. Reading only.
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { run } from './run.js';

export interface NamespaceCandidate {
  /** The name under /run/netns, or null for a namespace only a process holds. */
  name: string | null;
  /** A process inside it (unnamed namespaces only): entered through /proc/PID/ns/net. */
  pid: number | null;
  inode: number;
}

function inodeOf(path: string): number | null {
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}

function linkInode(pid: string): number | null {
  try {
    const m = /\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The inode of the host side: the named --host-ns, or the namespace netdoctor runs in. */
export function hostInode(hostNs: string | null): number | null {
  return hostNs ? inodeOf(`/run/netns/${hostNs}`) : linkInode('self');
}

/** Every namespace on the machine but the host side's, named ones by name, the rest by one pid. */
export function scanNamespaces(hostNs: string | null): NamespaceCandidate[] {
  const host = hostInode(hostNs);
  const seen = new Map<number, NamespaceCandidate>();
  let names: string[] = [];
  try {
    names = readdirSync('/run/netns').sort();
  } catch {
    names = [];
  }
  for (const name of names) {
    const inode = inodeOf(`/run/netns/${name}`);
    if (inode === null || inode === host || seen.has(inode)) continue;
    seen.set(inode, { name, pid: null, inode });
  }
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    pids = [];
  }
  for (const pid of pids.sort((a, b) => Number(a) - Number(b))) {
    const inode = linkInode(pid);
    if (inode === null || inode === host || seen.has(inode)) continue;
    seen.set(inode, { name: null, pid: Number(pid), inode });
  }
  return [...seen.values()];
}

/**
 * The host side's view of its peers: namespace ids that hold the far end of one of its veths
 * (bridge ports, or veths without an address of their own: uplinks are not containers), and
 * which of those ids have a name. Lets --all skip namespaces that are not attached here
 * without entering each one.
 */
export async function connectedNsids(hostNs: string | null): Promise<{ nsids: Set<number>; named: Map<number, string>; vethNsid: Map<number, number> } | null> {
  const ip = (...args: string[]) => run(hostNs ? ['ip', '-n', hostNs, ...args] : ['ip', ...args]);
  const [links, ids] = await Promise.all([ip('-j', '-d', 'addr', 'show', 'type', 'veth'), ip('-j', 'netns', 'list-id')]);
  if (links.failed) return null;
  const nsids = new Set<number>();
  const named = new Map<number, string>();
  const vethNsid = new Map<number, number>();
  try {
    for (const l of JSON.parse(links.stdout || '[]') as { ifindex?: number; link_netnsid?: number; master?: string; addr_info?: { family: string }[] }[]) {
      if (typeof l.link_netnsid !== 'number') continue;
      if (typeof l.ifindex === 'number') vethNsid.set(l.ifindex, l.link_netnsid);
      const hasV4 = (l.addr_info ?? []).some((a) => a.family === 'inet');
      if (l.master || !hasV4) nsids.add(l.link_netnsid);
    }
    for (const e of JSON.parse(ids.stdout || '[]') as { nsid?: number; name?: string }[]) {
      if (typeof e.nsid === 'number' && typeof e.name === 'string') named.set(e.nsid, e.name);
    }
  } catch {
    return null;
  }
  return { nsids, named, vethNsid };
}
