// What crossed br0 and eth0 while the learn watcher pinged, as PathEvidence: from the live
// capture (the same worker and per-hop count as `check`), or from link counters when pcap is
// unavailable; and the verdict on it (the same judgePath as `check`). Pure.
import { countHops, judgePath } from '../diagnosis/path-verdict.js';
import type { CaptureOutcome, PathVerdictId } from '../model/capture.js';
import type { NetSnapshot } from '../model/snapshot.js';
import type { LinkCounters } from '../system/link-stats.js';
import { ipv4Addrs } from '../diagnosis/topology.js';
import { TUTORIAL_NAMES as N } from './lesson.js';
import type { PathEvidence, PathHop } from './types.js';

export interface PathWhere {
  bridge: string;
  /** Null when the world has no such link (then only the bridge is watched). */
  uplink: string | null;
  nsAddress: string;
  uplinkAddress: string | null;
}

/**
 * Where a ping from ns0 would run, from the world's snapshot; null when there is nothing to
 * capture (no br0, or ceth0 has no address yet: the bridge filter needs ns0's source).
 */
export function pathWhere(s: NetSnapshot): PathWhere | null {
  const br = s.host.links.find((l) => l.name === N.bridge);
  const ceth = s.container?.links.find((l) => l.name === N.vethNs);
  const nsAddress = ipv4Addrs(ceth)[0]?.ip ?? s.container?.links.flatMap((l) => (l.name === 'lo' ? [] : ipv4Addrs(l)))[0]?.ip ?? null;
  if (!br || !nsAddress) return null;
  const up = s.host.links.find((l) => l.name === N.uplink);
  return { bridge: N.bridge, uplink: up ? N.uplink : null, nsAddress, uplinkAddress: ipv4Addrs(up)[0]?.ip ?? null };
}

/** The capture's outcome as evidence; null when it saw nothing usable (bridge not opened: counters then). */
export function evidenceFromCapture(outcome: CaptureOutcome, where: PathWhere): PathEvidence | { unavailable: { reason: string; remedy: string } } {
  if (!outcome.available) return { unavailable: { reason: outcome.reason, remedy: outcome.remedy } };
  // An interface pcap could not open saw nothing: showing 0 for it would be a lie.
  if (!outcome.interfaces.includes(where.bridge)) {
    const why = outcome.errors.find((e) => e.interface === where.bridge)?.message ?? 'not opened';
    return { unavailable: { reason: `cannot capture on ${where.bridge}: ${why}`, remedy: 'check that br0 exists in the lab world' } };
  }
  const uplink = where.uplink && outcome.interfaces.includes(where.uplink) ? where.uplink : null;
  const hops = countHops(outcome.packets, where.bridge, uplink);
  return { source: 'capture', bridge: hops.bridge, uplink: hops.uplink, nsAddress: where.nsAddress, uplinkAddress: where.uplinkAddress, captureUnavailable: null };
}

/**
 * Link counters around the ping. They see every packet (ARP too), in and out, and no
 * addresses: the bridge's rx/tx and the uplink's tx/rx stand for requests/replies.
 */
export function evidenceFromCounters(
  before: Record<string, LinkCounters | null>,
  after: Record<string, LinkCounters | null>,
  where: { bridge: string; uplink: string; nsAddress: string | null; uplinkAddress: string | null },
  captureUnavailable: { reason: string; remedy: string } | null,
): PathEvidence {
  const hop = (name: string, reqOf: keyof LinkCounters, repOf: keyof LinkCounters): PathHop | null => {
    const b = before[name];
    const a = after[name];
    if (!a || !b) return null;
    return { interface: name, requests: Math.max(0, a[reqOf] - b[reqOf]), replies: Math.max(0, a[repOf] - b[repOf]), sources: [], replyDestinations: [] };
  };
  return {
    source: 'counters',
    bridge: hop(where.bridge, 'rxPackets', 'txPackets'),
    uplink: hop(where.uplink, 'txPackets', 'rxPackets'),
    nsAddress: where.nsAddress,
    uplinkAddress: where.uplinkAddress,
    captureUnavailable,
  };
}

/** Where the captured packets died, as `check` would say it (null: counters, or no ns address). */
export function pathVerdict(path: PathEvidence, target: string): PathVerdictId | null {
  if (path.source !== 'capture' || !path.bridge || !path.nsAddress) return null;
  return judgePath({ bridge: path.bridge, uplink: path.uplink, nsAddress: path.nsAddress, target, passive: null, drop: null }).verdict;
}
