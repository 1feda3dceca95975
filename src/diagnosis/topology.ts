// Who is who: from the raw facts, work out the namespace's veth, its host-side peer, the
// bridge, the namespace's address and subnet, and the uplink. Pure; computed once per
// diagnosis and handed to every check.
import type { AddrFact, LinkFact, NetSnapshot } from '../model/snapshot.js';
import { cidrContains, freeHostAddresses, networkCidr } from '../net/ipv4.js';

export interface Ipv4Address {
  ip: string;
  prefixlen: number;
  /** The subnet it belongs to, e.g. 192.168.0.0/16 */
  subnet: string;
  /** as written by `ip addr`: 192.168.0.2/16 */
  cidr: string;
}

export type BridgeSource = 'flag' | 'veth-peer' | 'subnet' | 'only-bridge' | 'default';

export interface Topology {
  /** The veth inside the namespace whose peer is on the host side. */
  nsVeth: LinkFact | null;
  /** A veth in the namespace whose peer is somewhere other than the host side. */
  strayNsVeth: LinkFact | null;
  /** The host-side end of the pair. */
  hostVeth: LinkFact | null;
  /** A veth pair with both ends still on the host (one was never moved into the namespace). */
  unmovedPair: { hostEnd: LinkFact; nsEnd: LinkFact } | null;
  bridge: { name: string; link: LinkFact | null; source: BridgeSource; note: string | null };
  nsAddress: Ipv4Address | null;
  /** The bridge address in the namespace's subnet (else its first IPv4 address). */
  bridgeAddress: Ipv4Address | null;
  /**
   * The address the namespace's traffic leaves with: its own when it is in the bridge's subnet
   * (or the bridge has none), else the one the ns.address fix would give it, so the host-side
   * steps (forward, masquerade) are still judged for the traffic that will flow once the earlier
   * steps are fixed. `assumed` marks the second case. null: neither is known.
   */
  source: (Ipv4Address & { assumed: boolean }) | null;
  /** The subnet of `source`, else the namespace's, else the bridge's. */
  subnet: string | null;
  /** Where the host sends traffic for the target. */
  uplink: { name: string; gateway: string | null } | null;
}

export const DEFAULT_BRIDGE = 'br0';

// Bridges that belong to other software: never assumed to be the namespace's bridge.
const OWNED_BRIDGE = /^(docker\d+|br-[0-9a-f]{12}|virbr\d+|lxcbr\d+|lxdbr\d+|cni\d+|podman\d+|cni-podman\d+)$/;

export function ipv4Of(addr: AddrFact): Ipv4Address {
  return {
    ip: addr.local,
    prefixlen: addr.prefixlen,
    subnet: networkCidr(addr.local, addr.prefixlen),
    cidr: `${addr.local}/${addr.prefixlen}`,
  };
}

export function ipv4Addrs(link: LinkFact | null | undefined): Ipv4Address[] {
  return (link?.addrs ?? []).filter((a) => a.family === 'inet' && a.scope !== 'host').map(ipv4Of);
}

function isVeth(l: LinkFact): boolean {
  return l.kind === 'veth';
}

export function resolveTopology(snap: NetSnapshot): Topology {
  const hostLinks = snap.host.links;
  const nsLinks = snap.container?.links ?? [];

  // A pair across namespaces: each end names the other's ifindex, and the ns end's peer is
  // in another namespace (netnsid set). ifindexes are per namespace, so both directions must agree.
  let nsVeth: LinkFact | null = null;
  let hostVeth: LinkFact | null = null;
  let strayNsVeth: LinkFact | null = null;
  for (const l of nsLinks.filter(isVeth)) {
    if (!l.peer || l.peer.netnsid === null) continue;
    const peer = hostLinks.find((h) => isVeth(h) && h.ifindex === l.peer!.ifindex && h.peer?.ifindex === l.ifindex && h.peer.netnsid !== null);
    if (peer) {
      // Prefer the pair whose ns end has an address (a namespace may have several veths).
      if (!nsVeth || (ipv4Addrs(nsVeth).length === 0 && ipv4Addrs(l).length > 0)) {
        nsVeth = l;
        hostVeth = peer;
      }
    } else {
      strayNsVeth ??= l;
    }
  }

  const nsAddrs = ipv4Addrs(nsVeth);

  // Both ends of a pair on the host: prefer a pair with one end on a bridge.
  let unmovedPair: Topology['unmovedPair'] = null;
  if (!nsVeth) {
    for (const a of hostLinks.filter(isVeth)) {
      if (!a.peer || a.peer.netnsid !== null) continue;
      const b = hostLinks.find((h) => isVeth(h) && (h.name === a.peer!.name || h.ifindex === a.peer!.ifindex));
      if (!b) continue;
      if (a.master && !b.master) {
        unmovedPair = { hostEnd: a, nsEnd: b };
        break;
      }
      if (!a.master && !b.master && !unmovedPair) {
        // Tutorial naming: the c-end goes into the container.
        unmovedPair = a.name.startsWith('c') ? { hostEnd: b, nsEnd: a } : { hostEnd: a, nsEnd: b };
      }
    }
  }

  const bridge = resolveBridge(snap, hostVeth ?? unmovedPair?.hostEnd ?? null, nsAddrs);
  const bridgeAddrs = ipv4Addrs(bridge.link);
  // The namespace address that matters is the one in the bridge's subnet, if it has one.
  const inBridgeSubnet = (a: Ipv4Address) => bridgeAddrs.some((b) => cidrContains(b.subnet, a.ip));
  const nsAddress = nsAddrs.find(inBridgeSubnet) ?? nsAddrs[0] ?? null;
  const bridgeAddress =
    (nsAddress && bridgeAddrs.find((a) => cidrContains(a.subnet, nsAddress.ip))) ?? bridgeAddrs[0] ?? null;

  let source: Topology['source'] = null;
  if (nsAddress && (bridgeAddrs.length === 0 || inBridgeSubnet(nsAddress))) source = { ...nsAddress, assumed: false };
  else if (bridgeAddress) {
    const [ip] = freeHostAddresses(bridgeAddress.subnet, bridgeAddrs.map((a) => a.ip));
    if (ip) source = { ip, prefixlen: bridgeAddress.prefixlen, subnet: bridgeAddress.subnet, cidr: `${ip}/${bridgeAddress.prefixlen}`, assumed: true };
  }

  const lookup = snap.host.lookup;
  const uplink = lookup.ok ? { name: lookup.dev, gateway: lookup.gateway ?? null } : null;

  return {
    nsVeth,
    strayNsVeth,
    hostVeth,
    unmovedPair,
    bridge,
    nsAddress,
    bridgeAddress,
    source,
    subnet: source?.subnet ?? nsAddress?.subnet ?? bridgeAddress?.subnet ?? null,
    uplink,
  };
}

function resolveBridge(snap: NetSnapshot, hostEnd: LinkFact | null, nsAddrs: Ipv4Address[]): Topology['bridge'] {
  const links = snap.host.links;
  const byName = (name: string) => links.find((l) => l.name === name) ?? null;
  const bridges = links.filter((l) => l.kind === 'bridge');

  if (snap.input.bridge) {
    return { name: snap.input.bridge, link: byName(snap.input.bridge), source: 'flag', note: null };
  }
  if (hostEnd?.master) {
    const master = byName(hostEnd.master);
    if (master?.kind === 'bridge') return { name: master.name, link: master, source: 'veth-peer', note: null };
  }
  const bySubnet = bridges.find((b) => ipv4Addrs(b).some((a) => nsAddrs.some((n) => cidrContains(a.subnet, n.ip))));
  if (bySubnet) return { name: bySubnet.name, link: bySubnet, source: 'subnet', note: null };
  const candidates = bridges.filter((b) => !OWNED_BRIDGE.test(b.name));
  if (candidates.length === 1) {
    const only = candidates[0]!;
    return { name: only.name, link: only, source: 'only-bridge', note: `assumed ${only.name}, the only bridge on the host side (pass --bridge to choose)` };
  }
  const tutorial = candidates.find((b) => b.name === DEFAULT_BRIDGE);
  if (tutorial) {
    return { name: tutorial.name, link: tutorial, source: 'default', note: `several bridges (${candidates.map((b) => b.name).join(', ')}); assumed ${DEFAULT_BRIDGE} (pass --bridge to choose)` };
  }
  if (candidates.length > 1) {
    const first = candidates[0]!;
    return { name: first.name, link: first, source: 'default', note: `several bridges (${candidates.map((b) => b.name).join(', ')}); assumed ${first.name} (pass --bridge to choose)` };
  }
  return { name: DEFAULT_BRIDGE, link: byName(DEFAULT_BRIDGE), source: 'default', note: null };
}

/**
 * Addresses the host has seen on `dev` (its neighbour table): in use by someone, so a fix must
 * not hand them out. A FAILED entry is one nobody answered for: free.
 */
export function neighbourAddresses(snap: NetSnapshot, dev: string): string[] {
  return (snap.host.neighbours ?? []).filter((n) => n.dev === dev && !n.state.includes('FAILED')).map((n) => n.ip);
}
