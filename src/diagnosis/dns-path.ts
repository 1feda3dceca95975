// Is a resolver reached the same way as the ping's target? When the ping got no reply, a
// resolver beyond the same broken path cannot answer either: its timeout is expected, and
// waiting it out would only repeat what the ping showed. Pure: the snapshot's routes only.
import type { NetSnapshot, RouteFact, SideFacts } from '../model/snapshot.js';
import { cidrContains, isIPv4, parseCidr } from '../net/ipv4.js';

/** The main-table route the kernel would pick for `ip` (longest prefix, then lowest metric). */
export function bestRoute(routes: readonly RouteFact[], ip: string): RouteFact | null {
  let best: RouteFact | null = null;
  let bestLen = -1;
  for (const r of routes) {
    let len: number;
    if (r.dst === 'default') len = 0;
    else {
      if (!cidrContains(r.dst, ip)) continue;
      len = parseCidr(r.dst)[1];
    }
    if (len > bestLen || (len === bestLen && (r.metric ?? 0) < (best?.metric ?? 0))) {
      best = r;
      bestLen = len;
    }
  }
  return best;
}

function hop(side: SideFacts, ip: string): string {
  const r = bestRoute(side.routes, ip);
  return r ? `${r.type ?? 'unicast'} ${r.dev ?? '-'} ${r.gateway ?? 'on-link'}` : 'no route';
}

function ownAddresses(side: SideFacts | null): Set<string> {
  return new Set((side?.links ?? []).flatMap((l) => l.addrs.filter((a) => a.family === 'inet').map((a) => a.local)));
}

/**
 * True when `server` leaves the namespace through its gateway and the host the same way as the
 * target (same route type, device and next hop on both sides), and is none of their own
 * addresses: a host or on-link resolver can answer while the internet cannot, so it is not.
 */
export function beyondTargetPath(snap: NetSnapshot, server: string): boolean {
  const { container, host } = snap;
  const target = snap.input.target;
  if (!container || !isIPv4(server) || !isIPv4(target)) return false;
  if (server.startsWith('127.') || server.startsWith('0.')) return false;
  if (ownAddresses(container).has(server) || ownAddresses(host).has(server)) return false;
  const inNs = bestRoute(container.routes, server);
  if (!inNs?.gateway) return false; // on-link (or no route): not through the host's forwarding
  return hop(container, server) === hop(container, target) && hop(host, server) === hop(host, target);
}

/** The ping went out and nothing came back: the path to the target is broken. */
export function pingGotNoReply(ping: { ran: boolean; received: number } | null): boolean {
  return !!ping?.ran && ping.received === 0;
}
