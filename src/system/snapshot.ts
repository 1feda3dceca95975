// Gather every fact the checks judge, once, in parallel where the facts are independent.
// Reading only: nothing here changes the system.
// Small local files (/run/netns, resolv.conf, /proc) are read synchronously: microseconds each,
// where a promise-based read waits for a thread-pool round trip and an event-loop turn, and the
// loop is busy starting the queries.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { ConntrackFacts, ContainerFacts, HostFacts, NetSnapshot, ResolvConf, RouteLookup } from '../model/snapshot.js';
import { parseSysctl } from '../parse/ip-json.js';
import { hostLookupsBatch, ipFactsBatch, parseHostLookups, parseIpFactsBatch, type HostLookupQueries, type HostLookups, type IpBatchFacts } from '../parse/ip-batch.js';
import { parseNameservers } from '../parse/resolv-conf.js';
import { parseConntrack } from '../parse/conntrack.js';
import { parseNetstat, RP_FILTER_COUNTER } from '../parse/netstat.js';
import { resolveTopology, type Topology } from '../diagnosis/topology.js';
import { CannotInspectError } from '../exit-codes.js';
import { readNetfilter } from './netfilter.js';
import { firewallTools } from './tools.js';
import { describeFailure, ipIn, isProcNetns, run } from './run.js';

export interface SnapshotInput {
  ns: string;
  hostNs: string | null;
  bridge: string | null;
  target: string;
}

const NETNS_DIR = '/run/netns';

/** `ip` with `-n NS` when the side is a named namespace (nsenter for /proc/PID/ns/net). */
function ipArgv(ns: string | null, ...args: string[]): string[] {
  return ipIn(ns, ...args);
}

export async function listNamespaces(): Promise<string[]> {
  try {
    return readdirSync(NETNS_DIR).sort();
  } catch {
    return [];
  }
}

export function namespaceIdentity(ns: string): { dev: number; ino: number } | null {
  try {
    const s = statSync(isProcNetns(ns) ? ns : `${NETNS_DIR}/${ns}`);
    return { dev: s.dev, ino: s.ino };
  } catch {
    return null;
  }
}

/**
 * The host side's resolv.conf: with --host-ns HOST, what `ip netns exec HOST` shows programs
 * there (/etc/netns/HOST/resolv.conf when it exists), else /etc/resolv.conf.
 */
export function hostResolvConf(hostNs: string | null): ResolvConf | null {
  return (hostNs ? readResolvConf(`/etc/netns/${hostNs}/resolv.conf`) : null) ?? readResolvConf('/etc/resolv.conf');
}

/** The namespace's resolv.conf: its own under /etc/netns, else the host side's (inherited). */
export function namespaceResolvConf(ns: string, hostNs: string | null): ResolvConf | null {
  return (readResolvConf(`/etc/netns/${ns}/resolv.conf`)) ?? hostResolvConf(hostNs);
}

function readResolvConf(path: string): ResolvConf | null {
  try {
    return { path, nameservers: parseNameservers(readFileSync(path, 'utf8')) };
  } catch {
    return null;
  }
}

/** Sysctls of one side: straight from /proc/sys here, through `sysctl` inside a namespace. */
async function readSysctls(ns: string | null, keys: string[], errors: string[]): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = Object.fromEntries(keys.map((k) => [k, null]));
  if (!ns) {
    for (const k of keys) {
      try {
        out[k] = readFileSync(`/proc/sys/${k.replaceAll('.', '/')}`, 'utf8').trim();
      } catch {
        /* absent on this kernel: stays null */
      }
    }
    return out;
  }
  const r = await run(['sysctl', '-e', ...keys], { ns });
  if (r.spawnError) errors.push(describeFailure(r));
  Object.assign(out, parseSysctl(r.stdout));
  return out;
}

/**
 * Inside a namespace: the base keys and every interface's forwarding and rp_filter in ONE
 * `sysctl` (a pattern over the net.ipv4.conf tree; only matching keys are read), before the
 * interfaces are known. interfaceSysctls() then picks the keys it would have asked for.
 */
const SYSCTL_PATTERN = '^net\\.ipv4\\.(ip_forward|conf\\.[^.]+\\.(forwarding|rp_filter))$|^net\\.bridge\\.bridge-nf-call-iptables$';

async function readSysctlsWithInterfaces(ns: string, errors: string[]): Promise<Record<string, string>> {
  const r = await run(['sysctl', '-e', '-r', SYSCTL_PATTERN, 'net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables', 'net.ipv4.conf'], { ns });
  if (r.spawnError) errors.push(describeFailure(r));
  return parseSysctl(r.stdout);
}

/** `keys` from what was read, null where absent (as readSysctls gives them). */
function pickSysctls(read: Record<string, string | null>, keys: readonly string[]): Record<string, string | null> {
  return Object.fromEntries(keys.map((k) => [k, read[k] ?? null]));
}

// Per-interface sysctl names use the interface name as a path component; names with a '.'
// cannot be spelled in dotted form, so they are only read where that is unambiguous.
function interfaceKeys(names: (string | null | undefined)[]): string[] {
  return names
    .filter((n): n is string => !!n && !n.includes('.'))
    .flatMap((n) => [`net.ipv4.conf.${n}.forwarding`, `net.ipv4.conf.${n}.rp_filter`]);
}

/** A file under /proc/net of one side: /proc/net is per network namespace, so read it from inside. */
async function readProcNet(ns: string | null, file: string): Promise<string | null> {
  if (!ns) {
    try {
      return readFileSync(`/proc/net/${file}`, 'utf8');
    } catch {
      return null;
    }
  }
  const r = await run(['cat', `/proc/net/${file}`], { ns });
  return r.failed ? null : r.stdout;
}

/** Packets the side's kernel dropped because rp_filter rejected their source (null: unreadable). */
export async function readRpFilterDrops(ns: string | null): Promise<number | null> {
  const text = await readProcNet(ns, 'netstat');
  return text === null ? null : (parseNetstat(text)[RP_FILTER_COUNTER] ?? null);
}

/** Conntrack entries whose original source is `src`: conntrack-tools, else /proc/net/nf_conntrack. */
export async function readConntrack(ns: string | null, src: string): Promise<ConntrackFacts> {
  const r = await run(['conntrack', '-L', '-s', src], { ns });
  if (!r.failed) return { source: 'conntrack', entries: parseConntrack(r.stdout) };
  const proc = await readProcNet(ns, 'nf_conntrack');
  if (proc !== null) return { source: '/proc/net/nf_conntrack', entries: parseConntrack(proc).filter((e) => e.orig.src === src) };
  return { source: null, error: r.spawnError === 'ENOENT' ? 'conntrack (conntrack-tools) is not installed and /proc/net/nf_conntrack is absent' : describeFailure(r) };
}

/** The forward and reply route lookups and the bridge's neighbours of one side, in ONE spawn. */
async function hostLookups(ns: string | null, q: HostLookupQueries): Promise<HostLookups> {
  const input = hostLookupsBatch(q);
  if (input === null) return { forward: null, reply: null, neighbours: null };
  const r = await run(ipArgv(ns, '-4', '-j', '-force', '-batch', '-'), { input });
  if (r.spawnError) {
    const failed: RouteLookup = { ok: false, error: describeFailure(r) };
    return { forward: q.forward && failed, reply: q.reply && failed, neighbours: null };
  }
  return parseHostLookups(q, r.exitCode, r.stdout, r.stderr);
}

interface IpFacts extends Omit<IpBatchFacts, 'errors'> {
  failure: string | null;
}

/**
 * Links with addresses, IPv4 routes and the route to the target of one side in ONE spawn
 * (`ip -j -d -batch -`): each spawn costs a few ms of fork/exec and bookkeeping.
 */
async function ipFacts(ns: string | null, target: string, errors: string[]): Promise<IpFacts> {
  const r = await run(ipArgv(ns, '-j', '-d', '-batch', '-'), { input: ipFactsBatch(target) });
  if (r.spawnError === 'ENOENT') {
    throw new CannotInspectError('`ip` (iproute2) is not installed: netdoctor reads everything through it', 'install it: apt-get install iproute2');
  }
  const facts = parseIpFactsBatch(r.spawnError ? null : r.exitCode, r.stdout, r.stderr);
  errors.push(...facts.errors.map((e) => `${ns ?? 'host'}: ${e}`));
  const failure = facts.ok ? null : describeFailure(r);
  if (failure) errors.push(failure);
  return { links: facts.links, routes: facts.routes, lookup: facts.lookup, ok: facts.ok, failure };
}

const BASE_SYSCTLS = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter', 'net.bridge.bridge-nf-call-iptables'];

/**
 * `onLinks`, when given, receives a copy of the snapshot as soon as the first stage (links,
 * routes, lookups, base sysctls) is in, before netfilter: the session's checklist fills in live.
 * `onTopology` gets who is who (the bridge, the uplink, the namespace's address) the moment the
 * links are read, before anything else is awaited: the capture is configured from it.
 */
export async function takeSnapshot(
  input: SnapshotInput,
  onLinks?: (partial: NetSnapshot) => void,
  onTopology?: (partial: NetSnapshot, topo: Topology) => void,
): Promise<NetSnapshot> {
  const errors: string[] = [];
  const hostNs = input.hostNs;
  // Everything that does not depend on another fact starts at once, the links first (the second
  // stage waits for them); the queries run in parallel. The namespace's links are asked for
  // before its existence is known, and only kept when it exists.
  const hostLRP = ipFacts(hostNs, input.target, errors);
  const containerErrors: string[] = [];
  const containerLRP = ipFacts(input.ns, input.target, containerErrors);
  // Inside a namespace, the interfaces' sysctls come with the base ones (one spawn).
  const sysctlsP = hostNs ? readSysctlsWithInterfaces(hostNs, errors) : readSysctls(hostNs, BASE_SYSCTLS, errors);
  const netfilterP = readNetfilter(hostNs);
  const rpDropsP = readRpFilterDrops(hostNs);
  const toolsP = firewallTools();
  // One await for all of them: a rejection (no `ip`) is always handled.
  const [hostLR, containerRead, namespaces, identity, ownResolv, hostResolv] = await Promise.all([
    hostLRP,
    containerLRP,
    listNamespaces(),
    namespaceIdentity(input.ns),
    // A process's namespace: its own root's resolv.conf (a container's); a named one: /etc/netns.
    readResolvConf(isProcNetns(input.ns) ? input.ns.replace(/ns\/net$/, 'root/etc/resolv.conf') : `/etc/netns/${input.ns}/resolv.conf`),
    hostResolvConf(hostNs),
  ]);

  const containerLR = identity !== null ? containerRead : null;
  if (containerLR) errors.push(...containerErrors);
  const container: ContainerFacts | null =
    containerLR && containerLR.ok
      ? { ns: input.ns, links: containerLR.links, routes: containerLR.routes, lookup: containerLR.lookup, sysctls: {}, resolvConf: ownResolv ?? hostResolv }
      : null;
  const containerError = containerLR && !containerLR.ok ? (containerLR.failure ?? 'unknown error') : null;
  if (containerError) errors.push(`namespace ${input.ns} could not be entered: ${containerError}`);

  const partialHost: HostFacts = {
    ns: hostNs,
    links: hostLR.links,
    routes: hostLR.routes,
    lookup: hostLR.lookup,
    sysctls: {},
    netfilter: { tables: [], errors: [] },
    netfilterSources: [],
  };
  const partial: NetSnapshot = {
    schemaVersion: 1,
    takenAt: new Date().toISOString(),
    input: { ns: input.ns, hostNs, bridge: input.bridge, target: input.target },
    namespaces,
    nsIdentity: container ? identity : null,
    ...(containerError ? { containerError } : {}),
    host: partialHost,
    container,
    forwardLookup: null,
    hostResolvConf: hostResolv,
    errors,
  };
  // Phase 2, as soon as the links are in: what depends on who is who (the bridge, the uplink,
  // the namespace's address). The topology reads no sysctl, so it need not wait for them.
  const topo = resolveTopology(partial);
  onTopology?.(partial, topo);
  const nsIp = topo.nsAddress?.ip ?? null;
  const lookupsP = hostLookups(hostNs, {
    forward: topo.source && topo.bridge.link ? [input.target, 'from', topo.source.ip, 'iif', topo.bridge.name] : null,
    reply: nsIp ? [nsIp] : null,
    neighDev: topo.bridge.link ? topo.bridge.name : null,
  });
  const conntrackP = nsIp ? readConntrack(hostNs, nsIp) : null;
  const hostSysctls = await sysctlsP;
  partialHost.sysctls = hostNs ? pickSysctls(hostSysctls, BASE_SYSCTLS) : hostSysctls;
  onLinks?.(structuredClone(partial));
  // Every host interface's rp_filter: replies may come back on any of them.
  const ifNames = [topo.bridge.name, topo.uplink?.name, ...hostLR.links.map((l) => l.name)];
  const ifKeys = [...new Set(interfaceKeys(ifNames))];
  const [ifSysctls, { forward: forwardLookup, reply: replyLookup, neighbours }, conntrack, netfilter, rpDrops, tools] = await Promise.all([
    hostNs ? pickSysctls(hostSysctls, ifKeys) : readSysctls(hostNs, ifKeys, errors),
    lookupsP,
    conntrackP,
    netfilterP,
    rpDropsP,
    toolsP,
  ]);
  partialHost.tools = tools;
  if (neighbours) partialHost.neighbours = neighbours;
  partialHost.sysctls = { ...partialHost.sysctls, ...ifSysctls };
  partialHost.netfilter = netfilter.ruleset;
  partialHost.netfilterSources = netfilter.sources;
  // Degraded, not fatal: say which backend went unread (the checks weigh what it means).
  for (const src of netfilter.sources) {
    if (src.status === 'absent') errors.push(`${src.detail ?? `${src.source === 'nft' ? 'nft' : `${src.source}-save`} is not installed`}: ${src.source} rules were not inspected`);
    else if (src.status === 'error') errors.push(`${src.source} rules could not be read: ${src.detail ?? 'unknown error'}`);
  }
  partial.forwardLookup = forwardLookup;
  partial.replyLookup = replyLookup;
  partial.conntrack = conntrack;
  partial.rpFilterDrops = { before: rpDrops, after: null };
  return partial;
}
