// Gather every fact the checks judge, once, in parallel where the facts are independent.
// Reading only: nothing here changes the system.
// Small local files (/run/netns, resolv.conf, /proc) are read synchronously: microseconds each,
// where a promise-based read waits for a thread-pool round trip and an event-loop turn, and the
// loop is busy starting the queries.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { ConntrackFacts, ContainerFacts, HostFacts, NetSnapshot, ResolvConf, RouteLookup } from '../model/snapshot.js';
import { parseSysctl } from '../parse/ip-json.js';
import { hostLookupsBatch, ipFactsBatch, parseHostLookups, parseIpFactsBatch, type HostLookupQueries, type HostLookups, type IpBatchFacts, type SideOutput } from '../parse/ip-batch.js';
import { parseNameservers } from '../parse/resolv-conf.js';
import { parseConntrack } from '../parse/conntrack.js';
import { parseNetstat, RP_FILTER_COUNTER } from '../parse/netstat.js';
import { resolveTopology, type Topology } from '../diagnosis/topology.js';
import { CannotInspectError } from '../exit-codes.js';
import { readNetfilter, type NetfilterRead } from './netfilter.js';
import { firewallTools } from './tools.js';
import { describeFailure, ipIn, isProcNetns, run } from './run.js';
import { byNameNumeric } from './netns-scan.js';

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
    return readdirSync(NETNS_DIR).sort(byNameNumeric);
  } catch {
    return [];
  }
}

export function namespaceIdentity(ns: string): { dev: number; ino: number; ctimeMs?: number } | null {
  try {
    if (isProcNetns(ns)) {
      const s = statSync(ns);
      return { dev: s.dev, ino: s.ino };
    }
    // The kernel reuses nsfs inode numbers: a namespace deleted and recreated under the same name
    // can get the old one back. Its nsfs inode is new, though, and so is its ctime (pinned by the
    // bind mount in /run/netns). Rounded as the fix guard's nsIdentity rounds it.
    const s = statSync(`${NETNS_DIR}/${ns}`);
    return { dev: s.dev, ino: s.ino, ctimeMs: Math.round(s.ctimeMs) };
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

/** Every conntrack entry of the side (`check --all` filters it per namespace): one dump, not one per address. */
export async function readConntrackAll(ns: string | null): Promise<ConntrackFacts> {
  const r = await run(['conntrack', '-L'], { ns });
  if (!r.failed) return { source: 'conntrack', entries: parseConntrack(r.stdout) };
  const proc = await readProcNet(ns, 'nf_conntrack');
  if (proc !== null) return { source: '/proc/net/nf_conntrack', entries: parseConntrack(proc) };
  return { source: null, error: r.spawnError === 'ENOENT' ? 'conntrack (conntrack-tools) is not installed and /proc/net/nf_conntrack is absent' : describeFailure(r) };
}

/** The forward and reply route lookups and the bridge's neighbours of one side, in ONE spawn. */
export async function hostLookups(ns: string | null, q: HostLookupQueries): Promise<HostLookups> {
  const input = hostLookupsBatch(q);
  if (input === null) return { forward: null, reply: null, neighbours: null };
  const r = await run(ipArgv(ns, '-4', '-j', '-force', '-batch', '-'), { input });
  if (r.spawnError) {
    const failed: RouteLookup = { ok: false, error: describeFailure(r) };
    return { forward: q.forward && failed, reply: q.reply && failed, neighbours: null };
  }
  return parseHostLookups(q, r.exitCode, r.stdout, r.stderr);
}

export interface IpFacts extends Omit<IpBatchFacts, 'errors'> {
  failure: string | null;
}

/**
 * Links with addresses, IPv4 routes and the route to the target of one side in ONE spawn
 * (`ip -j -d -batch -`): each spawn costs a few ms of fork/exec and bookkeeping.
 */
export async function ipFacts(ns: string | null, target: string, errors: string[]): Promise<IpFacts> {
  const r = await run(ipArgv(ns, '-j', '-d', '-batch', '-'), { input: ipFactsBatch(target) });
  if (r.spawnError === 'ENOENT') {
    throw new CannotInspectError('`ip` (iproute2) is not installed: netdoctor reads everything through it', 'install it: apt-get install iproute2');
  }
  const facts = parseIpFactsBatch(r.spawnError ? null : r.exitCode, r.stdout, r.stderr);
  const failure = facts.ok ? null : describeFailure(r);
  return withErrors(ns, facts, failure, errors);
}

/** The same facts from that batch's output read by someone else (check --all reads many at once). */
export function ipFactsFromOutput(ns: string, out: SideOutput, errors: string[]): IpFacts | null {
  const facts = parseIpFactsBatch(out.exitCode, out.stdout, out.stderr);
  // A side that could not be read is read alone, so its failure is described as a lone check would.
  return facts.ok ? withErrors(ns, facts, null, errors) : null;
}

function withErrors(ns: string | null, facts: IpBatchFacts, failure: string | null, errors: string[]): IpFacts {
  errors.push(...facts.errors.map((e) => `${ns ?? 'host'}: ${e}`));
  if (failure) errors.push(failure);
  return { links: facts.links, routes: facts.routes, lookup: facts.lookup, ok: facts.ok, failure };
}

const BASE_SYSCTLS = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter', 'net.bridge.bridge-nf-call-iptables'];

/**
 * The host side's reads, behind one interface: `directHostReader` reads on every call (one
 * `check`); `sharedHostReader` (shared-reads.ts) reads each fact once for every namespace of a
 * `check --all`. Reads that can go wrong push one line each onto the caller's `errors`.
 */
export interface HostReader {
  namespaces(): Promise<string[]>;
  ip(target: string, errors: string[]): Promise<IpFacts>;
  /** The base sysctls; inside a namespace every interface's too (one `sysctl`). */
  sysctls(errors: string[]): Promise<Record<string, string | null>>;
  /** Interface keys: picked from what sysctls() read inside a namespace, else read here. */
  interfaceSysctls(read: Record<string, string | null>, keys: string[], errors: string[]): Promise<Record<string, string | null>>;
  netfilter(): Promise<NetfilterRead>;
  rpFilterDrops(): Promise<number | null>;
  tools(): Promise<Record<string, boolean>>;
  resolvConf(): ResolvConf | null;
  lookups(q: HostLookupQueries): Promise<HostLookups>;
  conntrack(src: string): Promise<ConntrackFacts>;
}

export function directHostReader(hostNs: string | null): HostReader {
  return {
    namespaces: listNamespaces,
    ip: (target, errors) => ipFacts(hostNs, target, errors),
    // Inside a namespace, the interfaces' sysctls come with the base ones (one spawn).
    sysctls: (errors) => (hostNs ? readSysctlsWithInterfaces(hostNs, errors) : readSysctls(hostNs, BASE_SYSCTLS, errors)),
    interfaceSysctls: async (read, keys, errors) => (hostNs ? pickSysctls(read, keys) : readSysctls(hostNs, keys, errors)),
    netfilter: () => readNetfilter(hostNs),
    rpFilterDrops: () => readRpFilterDrops(hostNs),
    tools: firewallTools,
    resolvConf: () => hostResolvConf(hostNs),
    lookups: (q) => hostLookups(hostNs, q),
    conntrack: (src) => readConntrack(hostNs, src),
  };
}

/** What the second stage asks of the host side, known once the first stage is in. */
export interface HostQueries {
  lookups: HostLookupQueries;
  /** Conntrack entries from this source. */
  conntrackSrc: string | null;
}

export interface SnapshotStart {
  queries: HostQueries;
  /** The second stage, through the same host reader: the whole snapshot. */
  finish(onLinks?: (partial: NetSnapshot) => void): Promise<NetSnapshot>;
}

// check --all's namespaces get the very same sysctl records from the shared reader: merge them
// once (the record is only read). Object.assign, not spread: spreading a record of a few hundred
// keys (a host with many veths) cost ~6 ms each in V8.
const merged = new WeakMap<object, WeakMap<object, Record<string, string | null>>>();

function mergedSysctls(base: Record<string, string | null>, more: Record<string, string | null>): Record<string, string | null> {
  let byBase = merged.get(more);
  if (!byBase) merged.set(more, (byBase = new WeakMap()));
  let out = byBase.get(base);
  if (!out) byBase.set(base, (out = Object.assign({}, base, more)));
  return out;
}

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
  host: HostReader = directHostReader(input.hostNs),
): Promise<NetSnapshot> {
  return (await startSnapshot(input, host, null, onTopology)).finish(onLinks);
}

/**
 * The snapshot in two stages: `check --all` starts every namespace's, asks the shared reader
 * for all their host queries at once, then finishes them. `ownSide`: the namespace's own
 * `ip -batch` output, already read (check --all reads many namespaces in one spawn).
 */
export async function startSnapshot(
  input: SnapshotInput,
  host: HostReader,
  ownSide?: SideOutput | null,
  onTopology?: (partial: NetSnapshot, topo: Topology) => void,
): Promise<SnapshotStart> {
  const errors: string[] = [];
  const hostNs = input.hostNs;
  // Everything that does not depend on another fact starts at once, the links first (the second
  // stage waits for them); the queries run in parallel. The namespace's links are asked for
  // before its existence is known, and only kept when it exists.
  const hostLRP = host.ip(input.target, errors);
  const containerErrors: string[] = [];
  const given = ownSide ? ipFactsFromOutput(input.ns, ownSide, containerErrors) : null;
  const containerLRP = given ?? ipFacts(input.ns, input.target, containerErrors);
  const sysctlsP = host.sysctls(errors);
  const netfilterP = host.netfilter();
  const rpDropsP = host.rpFilterDrops();
  const toolsP = host.tools();
  // Awaited in the second stage, which check --all runs later: a failure must not go unhandled meanwhile.
  for (const p of [sysctlsP, netfilterP, rpDropsP, toolsP] as Promise<unknown>[]) p.catch(() => undefined);
  // One await for all of them: a rejection (no `ip`) is always handled.
  const [hostLR, containerRead, namespaces, identity, ownResolv, hostResolv] = await Promise.all([
    hostLRP,
    containerLRP,
    host.namespaces(),
    namespaceIdentity(input.ns),
    // A process's namespace: its own root's resolv.conf (a container's); a named one: /etc/netns.
    readResolvConf(isProcNetns(input.ns) ? input.ns.replace(/ns\/net$/, 'root/etc/resolv.conf') : `/etc/netns/${input.ns}/resolv.conf`),
    host.resolvConf(),
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
  const queries: HostQueries = {
    lookups: {
      forward: topo.source && topo.bridge.link ? [input.target, 'from', topo.source.ip, 'iif', topo.bridge.name] : null,
      reply: nsIp ? [nsIp] : null,
      neighDev: topo.bridge.link ? topo.bridge.name : null,
    },
    conntrackSrc: nsIp,
  };
  const finish = async (onLinks?: (partial: NetSnapshot) => void): Promise<NetSnapshot> => {
    const lookupsP = host.lookups(queries.lookups);
    const conntrackP = queries.conntrackSrc ? host.conntrack(queries.conntrackSrc) : null;
    const hostSysctls = await sysctlsP;
    partialHost.sysctls = hostNs ? pickSysctls(hostSysctls, BASE_SYSCTLS) : hostSysctls;
    onLinks?.(structuredClone(partial));
    // Every host interface's rp_filter: replies may come back on any of them.
    const ifNames = [topo.bridge.name, topo.uplink?.name, ...hostLR.links.map((l) => l.name)];
    const ifKeys = [...new Set(interfaceKeys(ifNames))];
    const [ifSysctls, { forward: forwardLookup, reply: replyLookup, neighbours }, conntrack, netfilter, rpDrops, tools] = await Promise.all([
      host.interfaceSysctls(hostSysctls, ifKeys, errors),
      lookupsP,
      conntrackP,
      netfilterP,
      rpDropsP,
      toolsP,
    ]);
    partialHost.tools = tools;
    if (neighbours) partialHost.neighbours = neighbours;
    partialHost.sysctls = mergedSysctls(partialHost.sysctls, ifSysctls);
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
  };
  return { queries, finish };
}
