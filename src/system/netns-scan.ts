// Which network namespaces are connected to the host side, for `check --all`: every named
// namespace (/run/netns) and every other namespace a process lives in (/proc/PID/ns/net, e.g.
// a container's), deduplicated by namespace identity (device and inode), without the host side's own. Reading only.
import { readdirSync, statSync } from 'node:fs';
import { run } from './run.js';

export interface NamespaceCandidate {
  /** The name under /run/netns, or null for a namespace only a process holds. */
  name: string | null;
  /** A process inside it (unnamed namespaces only): entered through /proc/PID/ns/net. */
  pid: number | null;
  /** The namespace's identity: nsfs device and inode (an inode alone is unique only per device). */
  dev: number;
  inode: number;
}

export interface NsId {
  dev: number;
  ino: number;
}

function idOf(path: string): NsId | null {
  try {
    const s = statSync(path);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return null;
  }
}

const key = (id: NsId) => `${id.dev}:${id.ino}`;

/** The identity of the host side: the named --host-ns, or the namespace netdoctor runs in. */
export function hostId(hostNs: string | null): NsId | null {
  return idOf(hostNs ? `/run/netns/${hostNs}` : '/proc/self/ns/net');
}

/**
 * One candidate per namespace, matched by (device, inode): named ones by name (first name wins),
 * the rest by their lowest pid; the host side's own namespace left out. Pure.
 */
export function dedupeNamespaces(named: { name: string; id: NsId | null }[], procs: { pid: number; id: NsId | null }[], host: NsId | null): NamespaceCandidate[] {
  const seen = new Map<string, NamespaceCandidate>();
  const hostKey = host ? key(host) : null;
  for (const { name, id } of named) {
    if (!id || key(id) === hostKey || seen.has(key(id))) continue;
    seen.set(key(id), { name, pid: null, dev: id.dev, inode: id.ino });
  }
  for (const { pid, id } of [...procs].sort((a, b) => a.pid - b.pid)) {
    if (!id || key(id) === hostKey || seen.has(key(id))) continue;
    seen.set(key(id), { name: null, pid, dev: id.dev, inode: id.ino });
  }
  return [...seen.values()];
}

/** Every namespace on the machine but the host side's, named ones by name, the rest by one pid. */
export function scanNamespaces(hostNs: string | null): NamespaceCandidate[] {
  let names: string[] = [];
  try {
    names = readdirSync('/run/netns').sort(byNameNumeric);
  } catch {
    names = [];
  }
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    pids = [];
  }
  return dedupeNamespaces(
    names.map((name) => ({ name, id: idOf(`/run/netns/${name}`) })),
    pids.map((pid) => ({ pid: Number(pid), id: idOf(`/proc/${pid}/ns/net`) })),
    hostId(hostNs),
  );
}

/**
 * The host side's view of its peers: namespace ids that hold the far end of one of its veths
 * (bridge ports, or veths without an address of their own: uplinks are not containers), and
 * which of those ids have a name. Lets --all skip namespaces that are not attached here
 * without entering each one.
 */
export async function connectedNsids(hostNs: string | null): Promise<{ nsids: Set<number>; named: Map<number, string>; vethNsid: Map<number, number> } | null> {
  const ip = (...args: string[]) => run(hostNs ? ['ip', '-n', hostNs, ...args] : ['ip', ...args]);
  // `netns list` (each name in /run/netns with its id as seen from here), not `netns list-id`:
  // the kernel's id dump stopped after ~130 namespaces, and --all silently missed the rest.
  const [links, ids] = await Promise.all([ip('-j', '-d', 'addr', 'show', 'type', 'veth'), ip('-j', 'netns', 'list')]);
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
    for (const e of JSON.parse(ids.stdout || '[]') as { id?: number; name?: string }[]) {
      if (typeof e.id === 'number' && typeof e.name === 'string' && !named.has(e.id)) named.set(e.id, e.name);
    }
  } catch {
    return null;
  }
  return { nsids, named, vethNsid };
}

/** Names as people count them: s2 before s10 (ip netns list shows creation order, text sort would put s10 first). */
export function byNameNumeric(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}
