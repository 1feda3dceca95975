import type { FixPlan } from '../../model/result.js';
import type { RouteFact } from '../../model/snapshot.js';
import { hostIp, type CommandScope } from '../../fixes/commands.js';
import { cidrContains, cidrsOverlap, parseCidr } from '../../net/ipv4.js';
import { lookupLine, routeLine } from '../describe.js';
import { fail, pass, skip, warn, type Check } from '../check.js';

function prefixOf(dst: string): number {
  return parseCidr(dst)[1];
}

export const hostSubnetOverlap: Check = {
  id: 'host.subnet-overlap',
  title: 'No other route on the host claims the namespace\'s subnet',
  explanation:
    'The host sends a reply to the namespace by looking up the namespace\'s address in its routing table, like any other packet. ' +
    'When another route covers the same addresses (a VPN that pushes 10.0.0.0/8, a LAN on the same private range), the most specific route wins: ' +
    'if it is not the bridge\'s, the replies leave by the VPN or the LAN interface and never reach the namespace, although every rule is right. ' +
    'Subnets of namespaces and containers must not overlap anything else the host can reach.',
  requires: ['ns.address', 'bridge.up', 'bridge.address'],
  run({ snap, topo, scope }) {
    const subnet = topo.subnet;
    const nsIp = topo.nsAddress?.ip;
    const bridge = topo.bridge.name;
    if (!subnet || !nsIp) return skip('cannot compare subnets without the namespace\'s address');
    const link = (dev: string | undefined) => snap.host.links.find((l) => l.name === dev);
    const describe = (r: RouteFact) => {
      const kind = link(r.dev)?.kind;
      return `route ${routeLine(r)}${kind ? ` (${r.dev} is a ${kind} device)` : ''}`;
    };
    const overlapping = snap.host.routes.filter((r) => r.dst !== 'default' && r.dev !== bridge && cidrsOverlap(r.dst, subnet));
    const bridgeRoute = snap.host.routes.find((r) => r.dev === bridge && r.dst !== 'default' && cidrContains(r.dst, nsIp));
    // A wider route (a VPN's 10.0.0.0/8 around the bridge's 10.200.0.0/16) takes none of the
    // namespace's addresses while the bridge's route is more specific: no concern for egress.
    const wider = (r: RouteFact) => !!bridgeRoute && prefixOf(r.dst) < prefixOf(bridgeRoute.dst) && cidrContains(r.dst, bridgeRoute.dst.split('/')[0]!);
    const others = overlapping.filter((r) => !wider(r));
    const evidence = others.map((r) => `${describe(r)} overlaps the namespace's subnet ${subnet}`);
    for (const r of overlapping.filter(wider)) {
      evidence.push(`${describe(r)} covers ${bridgeRoute!.dst}, but ${bridge}'s ${bridgeRoute!.dst} is more specific: the namespace's addresses stay on ${bridge} (only ${r.dev ?? 'that route'}'s own addresses in ${bridgeRoute!.dst} are out of reach)`);
    }
    const reply = snap.replyLookup;
    if (reply) evidence.push(lookupLine(nsIp, reply, ' (host side: where replies to the namespace go)'));

    // The most specific other route holding the namespace's own address takes its replies.
    const capturing = others.filter((r) => cidrContains(r.dst, nsIp)).sort((a, b) => prefixOf(b.dst) - prefixOf(a.dst))[0];
    // Only another route that claims the address is an overlap (a reply that falls through to
    // the default route means the bridge's own route is missing: bridge.up / bridge.address).
    const wrongDev = capturing && reply ? (reply.ok ? reply.dev !== bridge : true) : false;
    const capturedByRoute = !reply && capturing && (!bridgeRoute || prefixOf(capturing.dst) > prefixOf(bridgeRoute.dst));
    if (wrongDev || capturedByRoute) {
      const where = reply?.ok ? `out ${reply.dev}${reply.gateway ? ` via ${reply.gateway}` : ''}` : reply ? `nowhere (${reply.error})` : `out ${capturing!.dev ?? capturing!.type}`;
      const by = capturing ? `: ${describe(capturing)} is more specific than ${bridge}'s ${bridgeRoute?.dst ?? 'route'}` : '';
      return fail(`replies to ${nsIp} go ${where}, not to ${bridge}${by}`, evidence, overlapFix(scope, capturing, nsIp, bridge));
    }
    if (others.length) {
      return warn(
        `${others.map((r) => `${r.dst} (${r.dev ?? r.type ?? '?'})`).join(', ')} overlaps ${subnet}: those addresses are reached through ${others.length > 1 ? 'other interfaces' : others[0]!.dev ?? 'another route'}, not ${bridge}`,
        evidence,
      );
    }
    return pass(`no other route overlaps ${subnet}`, evidence);
  },
};

/**
 * A /32 for the namespace's own address via the bridge beats any shorter route. It carves that
 * one address out of the other network: renumbering the namespace is the lasting fix.
 */
function overlapFix(scope: CommandScope, capturing: RouteFact | undefined, nsIp: string, bridge: string): FixPlan | null {
  if (!capturing || prefixOf(capturing.dst) >= 32 || (capturing.type && capturing.type !== 'unicast')) return null;
  return {
    title: `Route ${nsIp} to ${bridge} ahead of ${capturing.dst}`,
    commands: [hostIp(scope, 'route', 'add', `${nsIp}/32`, 'dev', bridge)],
    undo: [hostIp(scope, 'route', 'del', `${nsIp}/32`, 'dev', bridge)],
    notes: [
      `${nsIp} becomes unreachable on ${capturing.dev ?? 'the other network'}, should a machine there use it`,
      `the lasting fix: give the namespace a subnet that overlaps nothing the host routes (compare \`ip route\`)`,
    ],
  };
}
