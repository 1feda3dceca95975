// NetSnapshot: every fact the steps judge, gathered once per run by system/snapshot.ts.
// Plain JSON-able data, so a snapshot can be saved (`check --save-snapshot`) and judged
// again later (`check --from-snapshot`, the unit tests) without touching a kernel.
import type { Ruleset } from '../netfilter/model.js';
import type { ConntrackEntry } from '../parse/conntrack.js';

export type { ConntrackEntry } from '../parse/conntrack.js';

export interface AddrFact {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope: string;
}

export interface LinkFact {
  name: string;
  ifindex: number;
  /** linkinfo.info_kind: 'veth', 'bridge', 'wireguard' ...; null for physical devices and lo. */
  kind: string | null;
  /** The bridge (or bond ...) this link is enslaved to. */
  master: string | null;
  operstate: string;
  /** Administratively up (`ip link set X up`): the UP flag. */
  up: boolean;
  /** Carrier present (LOWER_UP): for a veth, its peer is up too. */
  lowerUp: boolean;
  mtu: number;
  /**
   * veth only. Peer in another namespace: its ifindex there and that namespace's id as seen
   * from this side. Peer in the same namespace: its name (iproute2 prints `link` then).
   */
  peer: { ifindex: number | null; name: string | null; netnsid: number | null } | null;
  addrs: AddrFact[];
}

export interface RouteFact {
  dst: string; // 'default' or a CIDR / address
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  type?: string; // unicast (absent), blackhole, unreachable, prohibit ...
  metric?: number;
  flags: string[];
}

/** `ip route get`: what the kernel would do with a packet. */
export type RouteLookup =
  | { ok: true; dev: string; gateway?: string; prefsrc?: string; type?: string }
  | { ok: false; error: string };

export interface ResolvConf {
  path: string;
  nameservers: string[];
}

export interface SideFacts {
  /** The named namespace these facts come from; null: the one netdoctor runs in. */
  ns: string | null;
  links: LinkFact[];
  routes: RouteFact[];
  /** The route to the probe target. */
  lookup: RouteLookup;
  /** Sysctl name -> value (null: not present on this kernel). */
  sysctls: Record<string, string | null>;
}

export interface HostFacts extends SideFacts {
  netfilter: Ruleset;
  /** Which netfilter views were read, and which tools were missing. */
  netfilterSources: { source: 'nft' | 'iptables-nft' | 'iptables-legacy'; status: 'read' | 'absent' | 'empty' | 'error'; detail?: string }[];
  /** Firewall front-ends installed here (ufw, firewall-cmd, docker); absent in older snapshots. */
  tools?: Record<string, boolean>;
  /**
   * IPv4 neighbours on the bridge (`ip -j -4 neigh show dev BRIDGE`): addresses in use there, so a
   * fix never picks one of them. Absent in older snapshots, or when there is no bridge.
   */
  neighbours?: NeighbourFact[];
}

export interface NeighbourFact {
  ip: string;
  dev: string;
  lladdr: string | null;
  state: string[];
}

export interface ContainerFacts extends SideFacts {
  resolvConf: ResolvConf | null;
}

export interface NetSnapshot {
  schemaVersion: 1;
  takenAt: string;
  input: { ns: string; hostNs: string | null; bridge: string | null; target: string };
  /** Named namespaces (`ip netns list`). */
  namespaces: string[];
  /** The container namespace's identity (device and inode of its nsfs file); null when it does not exist. */
  /** nsfs device and inode, and for a named namespace its ctime (inode numbers are reused). */
  nsIdentity: { dev: number; ino: number; ctimeMs?: number } | null;
  /** The namespace exists (its /run/netns file is there) but reading it failed: why. */
  containerError?: string;
  host: HostFacts;
  container: ContainerFacts | null;
  /** Host: `ip route get TARGET from NSADDR iif BRIDGE`, the kernel's forwarding decision. */
  forwardLookup: RouteLookup | null;
  /** The host's /etc/resolv.conf (the namespace inherits it without /etc/netns/NS/resolv.conf). */
  hostResolvConf: ResolvConf | null;
  /**
   * Host: `ip route get NSADDR`, where the host sends packets for the namespace (the replies,
   * once NAT has rewritten them back). Absent in snapshots recorded before it was gathered.
   */
  replyLookup?: RouteLookup | null;
  /** Host: conntrack entries whose original source is the namespace's address. */
  conntrack?: ConntrackFacts | null;
  /** Host: packets dropped by rp_filter (IPReversePathFilter), before and after the probe. */
  rpFilterDrops?: { before: number | null; after: number | null } | null;
  /** Facts that could not be gathered, one line each. */
  errors: string[];
}

export type ConntrackFacts =
  | { source: 'conntrack' | '/proc/net/nf_conntrack'; entries: ConntrackEntry[] }
  | { source: null; error: string };
