// The sandbox lab's shape, as pure data: names, addresses, and the tutorial's build steps as
// argv lines. Nothing here spawns a process; src/lab/lab.ts runs what buildPlan() returns.
//
// Three namespaces, none of them the root namespace:
//   <prefix>-host  stands in for the machine's root namespace (bridge, veth, NAT live here)
//   <prefix>-inet  the "internet": documentation addresses only, no route back to the lab
//   <prefix>-<ns>  the tutorial's container
import ipaddr from 'ipaddr.js';
import { UsageError, validateIPv4Cidr, validateInterfaceName, validateNamespaceName } from '../validate.js';

/** Documentation ranges (RFC 5737) that play the internet; a lab subnet may not overlap them. */
export const UPSTREAM_NET = '203.0.113.0/24';
export const TARGET_NET = '198.51.100.0/24';
/** The host's side of the upstream link, its gateway, and the probe target (stands in for 8.8.8.8). */
export const UPLINK_IP = '203.0.113.2';
export const GATEWAY_IP = '203.0.113.1';
export const UPSTREAM_PREFIX_LEN = 24;
export const TARGET_IP = '198.51.100.8';
/** The lab internet's DNS resolver (a responder process `lab up` starts in the internet namespace). */
export const RESOLVER_IP = '198.51.100.53';
/**
 * A second uplink for scenarios that need two ways out: a /30 at the top of the "internet"
 * range (lab subnets may not overlap it), host end .254, the internet's end .253.
 */
export const UPLINK2_IP = '198.51.100.254';
export const GATEWAY2_IP = '198.51.100.253';
export const UPLINK2_PREFIX_LEN = 30;
/** The internet namespace's end of the second uplink. */
export const INET_LINK2 = 'wan1';

export const DEFAULTS = {
  prefix: 'nd',
  ns: 'ns0',
  bridge: 'br0',
  vethHost: 'veth0',
  vethNs: 'ceth0',
  uplink: 'eth0',
  subnet: '192.168.0.0/16',
} as const;

/** The internet namespace's end of the upstream link (it lives alone there, so it cannot clash). */
export const INET_LINK = 'wan0';

export interface LabOptions {
  prefix?: string;
  /** Short container name; the namespace is `${prefix}-${ns}`. */
  ns?: string;
  bridge?: string;
  vethHost?: string;
  vethNs?: string;
  uplink?: string;
  subnet?: string;
  /** How many containers share the bridge (default 1: just the tutorial's). */
  containers?: number;
}

export interface LabNames {
  prefix: string;
  /** Short container name as given (ns0); containerNs is the real namespace name. */
  ns: string;
  hostNs: string;
  inetNs: string;
  containerNs: string;
  /** Interface names inside hostNs (bridge, vethHost, uplink), containerNs (vethNs), inetNs (inetLink). */
  bridge: string;
  vethHost: string;
  vethNs: string;
  uplink: string;
  inetLink: string;
}

export interface LabAddresses {
  /** The lab subnet as a network CIDR (host bits cleared), e.g. 192.168.0.0/16. */
  subnet: string;
  prefixLen: number;
  bridgeIp: string;
  bridgeCidr: string;
  nsIp: string;
  nsCidr: string;
  /** The host's upstream address and its default gateway (in the inet namespace). */
  uplinkIp: string;
  uplinkCidr: string;
  gateway: string;
  gatewayCidr: string;
  target: string;
  /** Deliberately wrong values for broken scenarios. */
  otherSubnet: string;
  outsideCidr: string;
  wrongGateway: string;
}

/** A further container on the same bridge (`--containers N`): its own namespace, veth pair and address. */
export interface ExtraContainer {
  ns: string;
  vethHost: string;
  /** Inside its own namespace, so it may repeat the first container's name. */
  vethNs: string;
  ip: string;
  cidr: string;
}

export interface LabConfig {
  names: LabNames;
  addresses: LabAddresses;
  /** Containers 2..N (absent or empty: only the tutorial's one). */
  containers?: ExtraContainer[];
}

export const MAX_CONTAINERS = 250;

// ---------------------------------------------------------------------------------------------
// Addressing (all through ipaddr.js)

type V4 = ipaddr.IPv4;

function toInt(a: V4): number {
  return a.octets.reduce((acc, b) => acc * 256 + b, 0);
}

function fromInt(n: number): V4 {
  return new ipaddr.IPv4([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

function offset(a: V4, by: number): V4 {
  return fromInt(toInt(a) + by);
}

function cidrsOverlap(a: string, b: string): boolean {
  const [aNet, aLen] = ipaddr.IPv4.parseCIDR(a);
  const [bNet, bLen] = ipaddr.IPv4.parseCIDR(b);
  return aNet.match(bNet, Math.min(aLen, bLen));
}

/** /16s in three different private blocks: at least one is disjoint from any lab subnet of /8 or longer. */
const OTHER_SUBNET_CANDIDATES = ['10.0.0.0/16', '172.16.0.0/16', '192.168.0.0/16'];

export const MIN_PREFIX_LEN = 8;
/** /29 leaves six hosts: bridge .1, container .2 and a distinct wrong gateway. */
export const MAX_PREFIX_LEN = 29;

const UNUSABLE_RANGES = new Set(['unspecified', 'broadcast', 'multicast', 'loopback', 'linkLocal', 'reserved']);

/** Validate a lab subnet and derive every address the lab uses. Throws UsageError. */
export function labAddresses(subnetInput: string, flag = '--subnet'): LabAddresses {
  validateIPv4Cidr(flag, subnetInput);
  const [given, prefixLen] = ipaddr.IPv4.parseCIDR(subnetInput);
  if (prefixLen < MIN_PREFIX_LEN || prefixLen > MAX_PREFIX_LEN) {
    throw new UsageError(
      `${flag} ${subnetInput}: prefix length must be /${MIN_PREFIX_LEN}../${MAX_PREFIX_LEN} (room for the bridge, the container and a spare address)`,
    );
  }
  const network = ipaddr.IPv4.networkAddressFromCIDR(`${given.toString()}/${prefixLen}`);
  const broadcast = ipaddr.IPv4.broadcastAddressFromCIDR(`${given.toString()}/${prefixLen}`);
  const subnet = `${network.toString()}/${prefixLen}`;
  for (const doc of [UPSTREAM_NET, TARGET_NET]) {
    if (cidrsOverlap(subnet, doc)) {
      throw new UsageError(`${flag} ${subnetInput}: overlaps ${doc}, which the lab's internet uses`);
    }
  }
  const range = network.range();
  if (UNUSABLE_RANGES.has(range)) {
    throw new UsageError(`${flag} ${subnetInput}: a ${range} range cannot be a lab subnet (use a private one, e.g. 10.20.0.0/16)`);
  }
  const otherSubnet = OTHER_SUBNET_CANDIDATES.find((c) => !cidrsOverlap(c, subnet));
  if (!otherSubnet) throw new UsageError(`${flag} ${subnetInput}: no disjoint subnet left for the broken scenarios`);
  const [otherNet, otherLen] = ipaddr.IPv4.parseCIDR(otherSubnet);

  const bridgeIp = offset(network, 1).toString();
  const nsIp = offset(network, 2).toString();
  return {
    subnet,
    prefixLen,
    bridgeIp,
    bridgeCidr: `${bridgeIp}/${prefixLen}`,
    nsIp,
    nsCidr: `${nsIp}/${prefixLen}`,
    uplinkIp: UPLINK_IP,
    uplinkCidr: `${UPLINK_IP}/${UPSTREAM_PREFIX_LEN}`,
    gateway: GATEWAY_IP,
    gatewayCidr: `${GATEWAY_IP}/${UPSTREAM_PREFIX_LEN}`,
    target: TARGET_IP,
    otherSubnet,
    outsideCidr: `${offset(otherNet, 2).toString()}/${otherLen}`,
    // The last usable host: a plausible-looking gateway that nobody answers for.
    wrongGateway: offset(broadcast, -1).toString(),
  };
}

// ---------------------------------------------------------------------------------------------
// Names

export const MAX_PREFIX_CHARS = 32;

/** Resolve and validate every name and address of a lab. Throws UsageError (exit 2). */
export function labConfig(opts: LabOptions = {}): LabConfig {
  const prefix = validateNamespaceName('--prefix', opts.prefix ?? DEFAULTS.prefix);
  if (prefix.length > MAX_PREFIX_CHARS) throw new UsageError(`--prefix ${JSON.stringify(prefix)}: at most ${MAX_PREFIX_CHARS} characters`);
  const ns = validateNamespaceName('--ns', opts.ns ?? DEFAULTS.ns);
  if (ns === 'host' || ns === 'inet') throw new UsageError(`--ns ${ns}: the lab already uses ${prefix}-${ns}; pick another name`);
  const names: LabNames = {
    prefix,
    ns,
    hostNs: `${prefix}-host`,
    inetNs: `${prefix}-inet`,
    containerNs: validateNamespaceName('--ns', `${prefix}-${ns}`),
    bridge: validateInterfaceName('--bridge', opts.bridge ?? DEFAULTS.bridge),
    vethHost: validateInterfaceName('--veth-host', opts.vethHost ?? DEFAULTS.vethHost),
    vethNs: validateInterfaceName('--veth-ns', opts.vethNs ?? DEFAULTS.vethNs),
    uplink: validateInterfaceName('--uplink', opts.uplink ?? DEFAULTS.uplink),
    inetLink: INET_LINK,
  };
  // All four are created in the host namespace (vethNs too, before it moves): they must differ.
  const hostSide: [string, string][] = [
    ['--bridge', names.bridge],
    ['--veth-host', names.vethHost],
    ['--veth-ns', names.vethNs],
    ['--uplink', names.uplink],
  ];
  const seen = new Map<string, string>();
  for (const [flag, name] of hostSide) {
    if (name === 'lo') throw new UsageError(`${flag} lo: the loopback interface already exists`);
    const clash = seen.get(name);
    if (clash) throw new UsageError(`${flag} ${name}: same name as ${clash}; every lab interface needs its own name`);
    seen.set(name, flag);
  }
  const addresses = labAddresses(opts.subnet ?? DEFAULTS.subnet);
  return { names, addresses, containers: extraContainers(names, addresses, opts.containers ?? 1) };
}

/** Containers 2..count: namespaces P-NS-2 ..., host ends named after the first one's, the next free addresses. */
function extraContainers(names: LabNames, a: LabAddresses, count: number): ExtraContainer[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_CONTAINERS) {
    throw new UsageError(`--containers ${count}: must be a whole number from 1 to ${MAX_CONTAINERS}`);
  }
  const out: ExtraContainer[] = [];
  const network = ipaddr.IPv4.parse(a.subnet.split('/')[0]!);
  const size = 2 ** (32 - a.prefixLen);
  const taken = new Set([a.bridgeIp, a.nsIp, a.wrongGateway]);
  let next = 3;
  for (let i = 2; i <= count; i++) {
    while (next < size - 1 && taken.has(offset(network, next).toString())) next++;
    if (next >= size - 1) throw new UsageError(`--containers ${count}: ${a.subnet} has no room for ${count} containers`);
    const ip = offset(network, next++).toString();
    const suffix = `-${i}`;
    out.push({
      ns: validateNamespaceName('--ns', `${names.containerNs}${suffix}`),
      vethHost: validateInterfaceName('--veth-host', `${names.vethHost.slice(0, 15 - suffix.length)}${suffix}`),
      vethNs: names.vethNs,
      ip,
      cidr: `${ip}/${a.prefixLen}`,
    });
  }
  const clash = out.find((c) => [names.bridge, names.vethNs, names.uplink, names.vethHost].includes(c.vethHost));
  if (clash) throw new UsageError(`--containers: interface name ${clash.vethHost} is already used in the lab; pick other --veth-host/--uplink names`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Build steps

export const BUILD_STEP_IDS = [
  'base',
  'uplink.link',
  'host.uplink',
  'netns.exists',
  'bridge.exists',
  'bridge.up',
  'bridge.address',
  'veth.exists',
  'veth.move',
  'veth.attached',
  'veth.up',
  'ns.link-up',
  'ns.loopback-up',
  'ns.address',
  'ns.default-route',
  'host.ip-forward',
  'host.masquerade',
] as const;

export type BuildStepId = (typeof BUILD_STEP_IDS)[number];

export function isBuildStepId(value: string): value is BuildStepId {
  return (BUILD_STEP_IDS as readonly string[]).includes(value);
}

/**
 * What each build step needs first. Kernel facts behind the edges: a route via a gateway needs
 * its link up and the connected route (link up + address); a veth end can only move into a
 * namespace that exists.
 */
export const BUILD_STEP_DEPS: Readonly<Record<BuildStepId, readonly BuildStepId[]>> = {
  base: [],
  'uplink.link': ['base'],
  'host.uplink': ['uplink.link'],
  'netns.exists': [],
  'bridge.exists': ['base'],
  'bridge.up': ['bridge.exists'],
  'bridge.address': ['bridge.exists'],
  'veth.exists': ['base'],
  'veth.move': ['veth.exists', 'netns.exists'],
  'veth.attached': ['veth.exists', 'bridge.exists'],
  'veth.up': ['veth.exists'],
  'ns.link-up': ['veth.move'],
  'ns.loopback-up': ['netns.exists'],
  'ns.address': ['veth.move'],
  'ns.default-route': ['ns.link-up', 'ns.address'],
  'host.ip-forward': ['base'],
  'host.masquerade': ['base'],
};

/** One command as it runs inside `ns` (null: at the top level, only for `ip netns add`). */
export interface NsCommand {
  ns: string | null;
  argv: string[];
}

export interface BuildStep {
  id: BuildStepId;
  deps: readonly BuildStepId[];
  commands: NsCommand[];
}

/** The tutorial, step by step, for this lab's names and addresses. */
// Names always follow their keyword (`dev NAME`, `name NAME`): a bare interface name such as
// "a" or "t" would otherwise be read by ip as an abbreviated keyword (address, txqueuelen).
export function buildSteps(config: LabConfig): BuildStep[] {
  const n = config.names;
  const a = config.addresses;
  const top = (...argv: string[]): NsCommand => ({ ns: null, argv });
  const host = (...argv: string[]): NsCommand => ({ ns: n.hostNs, argv });
  const inet = (...argv: string[]): NsCommand => ({ ns: n.inetNs, argv });
  const ctr = (...argv: string[]): NsCommand => ({ ns: n.containerNs, argv });
  const commands: Record<BuildStepId, NsCommand[]> = {
    base: [
      top('ip', 'netns', 'add', n.hostNs),
      top('ip', 'netns', 'add', n.inetNs),
      host('ip', 'link', 'set', 'dev', 'lo', 'up'),
      // Created from the host side with its peer placed straight into the internet namespace.
      host('ip', 'link', 'add', 'name', n.uplink, 'type', 'veth', 'peer', 'name', n.inetLink, 'netns', n.inetNs),
      inet('ip', 'link', 'set', 'dev', 'lo', 'up'),
      inet('ip', 'addr', 'add', `${a.target}/32`, 'dev', 'lo'),
      inet('ip', 'addr', 'add', `${RESOLVER_IP}/32`, 'dev', 'lo'),
      inet('ip', 'addr', 'add', a.gatewayCidr, 'dev', n.inetLink),
      inet('ip', 'link', 'set', 'dev', n.inetLink, 'up'),
    ],
    'uplink.link': [host('ip', 'addr', 'add', a.uplinkCidr, 'dev', n.uplink), host('ip', 'link', 'set', 'dev', n.uplink, 'up')],
    'host.uplink': [host('ip', 'route', 'add', 'default', 'via', a.gateway, 'dev', n.uplink)],
    'netns.exists': [top('ip', 'netns', 'add', n.containerNs)],
    'bridge.exists': [host('ip', 'link', 'add', 'name', n.bridge, 'type', 'bridge')],
    'bridge.up': [host('ip', 'link', 'set', 'dev', n.bridge, 'up')],
    'bridge.address': [host('ip', 'addr', 'add', a.bridgeCidr, 'dev', n.bridge)],
    'veth.exists': [host('ip', 'link', 'add', 'name', n.vethHost, 'type', 'veth', 'peer', 'name', n.vethNs)],
    'veth.move': [host('ip', 'link', 'set', 'dev', n.vethNs, 'netns', n.containerNs)],
    'veth.attached': [host('ip', 'link', 'set', 'dev', n.vethHost, 'master', n.bridge)],
    'veth.up': [host('ip', 'link', 'set', 'dev', n.vethHost, 'up')],
    'ns.link-up': [ctr('ip', 'link', 'set', 'dev', n.vethNs, 'up')],
    'ns.loopback-up': [ctr('ip', 'link', 'set', 'dev', 'lo', 'up')],
    'ns.address': [ctr('ip', 'addr', 'add', a.nsCidr, 'dev', n.vethNs)],
    'ns.default-route': [ctr('ip', 'route', 'add', 'default', 'via', a.bridgeIp)],
    'host.ip-forward': [host('sysctl', '-w', 'net.ipv4.ip_forward=1')],
    // iptables-nft by name, so the lab is the same whichever backend `iptables` points at.
    'host.masquerade': [host('iptables-nft', '-t', 'nat', '-A', 'POSTROUTING', '-s', a.subnet, '-j', 'MASQUERADE')],
  };
  return BUILD_STEP_IDS.map((id) => ({ id, deps: BUILD_STEP_DEPS[id], commands: commands[id] }));
}

export interface StepSelection {
  built: BuildStepId[];
  /** Omitted by the scenario, or skipped because something they depend on was. */
  skipped: { id: BuildStepId; because: BuildStepId }[];
}

/** Which steps a scenario builds: every step not omitted whose dependencies are all built. */
export function selectSteps(omit: readonly string[]): StepSelection {
  for (const id of omit) {
    if (!isBuildStepId(id)) throw new UsageError(`omit: ${JSON.stringify(id)} is not a build step (one of ${BUILD_STEP_IDS.join(', ')})`);
    if (id === 'base') throw new UsageError('omit: "base" cannot be omitted (it is the lab itself)');
  }
  const built: BuildStepId[] = [];
  const skipped: StepSelection['skipped'] = [];
  const reason = new Map<BuildStepId, BuildStepId>();
  // BUILD_STEP_IDS lists every step after its dependencies, so one pass suffices.
  for (const id of BUILD_STEP_IDS) {
    if (omit.includes(id)) {
      reason.set(id, id);
    } else {
      const missing = BUILD_STEP_DEPS[id].find((d) => reason.has(d));
      if (missing) reason.set(id, reason.get(missing) ?? missing);
    }
    const because = reason.get(id);
    if (because) skipped.push({ id, because });
    else built.push(id);
  }
  return { built, skipped };
}

// ---------------------------------------------------------------------------------------------
// Placeholders for scenario argv

export const PLACEHOLDER_NAMES = [
  'ns',
  'hostNs',
  'inetNs',
  'bridge',
  'vethHost',
  'vethNs',
  'uplink',
  'subnet',
  'prefixLen',
  'bridgeIp',
  'bridgeCidr',
  'nsIp',
  'nsCidr',
  'otherSubnet',
  'outsideCidr',
  'wrongGateway',
  'otherIf',
  'target',
  'gateway',
  'uplinkIp',
  'overlapSubnet',
  'widerSubnet',
  'uplink2',
  'uplink2Ip',
  'uplink2Cidr',
  'gateway2',
  'gateway2Cidr',
  'inetLink2',
  'peerIp',
] as const;

export type PlaceholderName = (typeof PLACEHOLDER_NAMES)[number];

/** Interface names a scenario can use for "the wrong interface": the first that the lab does not use. */
const OTHER_IF_CANDIDATES = ['eth1', 'wlan0', 'ens3', 'enp1s0'];
/** Names for a second uplink (`{uplink2}`), the first the lab does not use. */
const UPLINK2_CANDIDATES = ['up2', 'wwan0', 'eth2', 'lte0'];

export function placeholderValues(config: LabConfig): Record<PlaceholderName, string> {
  const n = config.names;
  const a = config.addresses;
  const used = new Set([n.bridge, n.vethHost, n.vethNs, n.uplink]);
  const otherIf = OTHER_IF_CANDIDATES.find((c) => !used.has(c)) ?? 'eth1';
  const uplink2 = UPLINK2_CANDIDATES.find((c) => !used.has(c) && c !== otherIf) ?? 'up2';
  // Half of the lab subnet, the half that holds the container: more specific than the bridge's route.
  const overlapLen = Math.min(a.prefixLen + 1, 32);
  const overlapSubnet = `${ipaddr.IPv4.networkAddressFromCIDR(`${a.nsIp}/${overlapLen}`).toString()}/${overlapLen}`;
  // Sixteen times the lab subnet around it (a VPN's 10.0.0.0/8 around 10.200.0.0/16): less specific than the bridge's route.
  const widerLen = Math.max(a.prefixLen - 4, 4);
  const widerSubnet = `${ipaddr.IPv4.networkAddressFromCIDR(`${a.nsIp}/${widerLen}`).toString()}/${widerLen}`;
  return {
    ns: n.containerNs,
    hostNs: n.hostNs,
    inetNs: n.inetNs,
    bridge: n.bridge,
    vethHost: n.vethHost,
    vethNs: n.vethNs,
    uplink: n.uplink,
    subnet: a.subnet,
    prefixLen: String(a.prefixLen),
    bridgeIp: a.bridgeIp,
    bridgeCidr: a.bridgeCidr,
    nsIp: a.nsIp,
    nsCidr: a.nsCidr,
    otherSubnet: a.otherSubnet,
    outsideCidr: a.outsideCidr,
    wrongGateway: a.wrongGateway,
    otherIf,
    target: a.target,
    // The host's upstream gateway (in the internet namespace); the container's gateway is {bridgeIp}.
    gateway: a.gateway,
    uplinkIp: a.uplinkIp,
    overlapSubnet,
    widerSubnet,
    uplink2,
    uplink2Ip: UPLINK2_IP,
    uplink2Cidr: `${UPLINK2_IP}/${UPLINK2_PREFIX_LEN}`,
    gateway2: GATEWAY2_IP,
    gateway2Cidr: `${GATEWAY2_IP}/${UPLINK2_PREFIX_LEN}`,
    inetLink2: INET_LINK2,
    // The second container's address (or the next free one when there is no second container).
    peerIp: config.containers?.[0]?.ip ?? offset(ipaddr.IPv4.parse(a.nsIp), 1).toString(),
  };
}

// `{name}` with a letters-only name; nft syntax such as "{ type filter hook ... }" has spaces
// and is left alone.
const PLACEHOLDER_RE = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

export function isPlaceholderName(value: string): value is PlaceholderName {
  return (PLACEHOLDER_NAMES as readonly string[]).includes(value);
}

/** Placeholder names used in argv that the lab does not define. */
export function unknownPlaceholders(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    for (const m of arg.matchAll(PLACEHOLDER_RE)) {
      const name = m[1] ?? '';
      if (!isPlaceholderName(name)) out.push(name);
    }
  }
  return out;
}

/** Substitute placeholders in each argv element separately (never through a shell). */
export function substitute(argv: readonly string[], values: Record<PlaceholderName, string>): string[] {
  return argv.map((arg) =>
    arg.replace(PLACEHOLDER_RE, (whole, name: string) => {
      if (!isPlaceholderName(name)) throw new UsageError(`unknown placeholder ${whole} in ${JSON.stringify(arg)}`);
      return values[name];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The plan

export type ExtraPlace = 'host' | 'ns' | 'inet';

export interface ExtraCommand {
  in: ExtraPlace;
  argv: string[];
  /** Runs before the scenario's background programs start (the others run after them). */
  early?: boolean;
}

/** What buildPlan needs from a scenario. */
export interface PlanInput {
  omit: readonly string[];
  extra: readonly ExtraCommand[];
}

export interface LabCommand extends NsCommand {
  /** The build step this command belongs to, 'containers' for containers 2..N, or 'extra' for a scenario's own command. */
  step: BuildStepId | 'containers' | 'extra';
  /**
   * Commands of one stage may run concurrently when they act in different namespaces (or
   * are different non-`ip` steps); within a namespace they keep their order. Stages run in
   * ascending order.
   */
  stage: number;
  /** An extra command that runs before background programs. */
  early?: boolean;
}

/** Stage 0 creates namespaces; 1 builds the host's links; 2 the rest; extras follow one by one. */
function stageOf(cmd: NsCommand, names: LabNames): number {
  if (cmd.ns === null) return 0;
  if (cmd.ns === names.hostNs && cmd.argv[0] === 'ip') return 1;
  return 2;
}

export const EXTRA_FIRST_STAGE = 3;

/** The commands that build `scenario`'s lab, in an order the kernel accepts. Pure. */
export function buildPlan(config: LabConfig, scenario: PlanInput): LabCommand[] {
  const { built } = selectSteps(scenario.omit);
  const steps = buildSteps(config).filter((s) => built.includes(s.id));
  const planned: LabCommand[] = [];
  for (const s of steps) {
    for (const c of s.commands) planned.push({ step: s.id, ns: c.ns, argv: c.argv, stage: stageOf(c, config.names) });
  }
  const more = config.containers ?? [];
  if (more.length && !(['bridge.exists', 'bridge.address'] as const).every((id) => built.includes(id))) {
    throw new UsageError('--containers: this scenario leaves out the bridge or its address, which further containers need');
  }
  // Further containers are always complete: they are the neighbours, not the lesson.
  for (const c of more) {
    const n = config.names;
    planned.push({ step: 'containers', ns: null, argv: ['ip', 'netns', 'add', c.ns], stage: 0 });
    for (const argv of [
      ['ip', 'link', 'add', c.vethHost, 'type', 'veth', 'peer', 'name', c.vethNs, 'netns', c.ns],
      ['ip', 'link', 'set', c.vethHost, 'master', n.bridge],
      ['ip', 'link', 'set', c.vethHost, 'up'],
    ]) planned.push({ step: 'containers', ns: n.hostNs, argv, stage: 1 });
    for (const argv of [
      ['ip', 'link', 'set', 'lo', 'up'],
      ['ip', 'addr', 'add', c.cidr, 'dev', c.vethNs],
      ['ip', 'link', 'set', c.vethNs, 'up'],
      ['ip', 'route', 'add', 'default', 'via', config.addresses.bridgeIp],
    ]) planned.push({ step: 'containers', ns: c.ns, argv, stage: 2 });
  }
  // Stable sort: within a stage and namespace, step order (which respects dependencies) is kept.
  planned.sort((x, y) => x.stage - y.stage);

  const values = placeholderValues(config);
  const where: Record<ExtraPlace, string> = {
    host: config.names.hostNs,
    ns: config.names.containerNs,
    inet: config.names.inetNs,
  };
  scenario.extra.forEach((e, i) => {
    if (e.in === 'ns' && !built.includes('netns.exists')) {
      throw new UsageError(`extra[${i}]: runs "in": "ns" but the scenario leaves out the container namespace`);
    }
    planned.push({ step: 'extra', ns: where[e.in], argv: substitute(e.argv, values), stage: EXTRA_FIRST_STAGE + i, ...(e.early ? { early: true } : {}) });
  });
  return planned;
}

/** The argv that really runs: `ip -n NS ...` for ip, `ip netns exec NS ...` for anything else. */
export function commandArgv(cmd: NsCommand): string[] {
  if (cmd.ns === null) return [...cmd.argv];
  if (cmd.argv[0] === 'ip') return ['ip', '-n', cmd.ns, ...cmd.argv.slice(1)];
  return ['ip', 'netns', 'exec', cmd.ns, ...cmd.argv];
}

/** The command that diagnoses a lab, as printed after `lab up`. */
export function checkArgv(names: LabNames): string[] {
  return ['netdoctor', 'check', '--ns', names.containerNs, '--host-ns', names.hostNs, '--target', TARGET_IP];
}
