import { nsIp } from '../../fixes/commands.js';
import { lookupLine, routeLine } from '../describe.js';
import { fail, pass, skip, type Check } from '../check.js';

export const nsDefaultRoute: Check = {
  id: 'ns.default-route',
  title: 'The namespace has a default route via the bridge',
  explanation:
    'The namespace only knows its own subnet. For any other address, ping says "Network is unreachable" until a default route sends ' +
    'everything else to the gateway: `ip netns exec ns0 ip route add default via 192.168.0.1`, the bridge\'s address.',
  // Which gateway is right depends on the bridge's address: without one there is nothing to judge.
  requires: ['ns.address', 'bridge.address'],
  run({ snap, topo, scope }) {
    const ns = snap.input.ns;
    const container = snap.container!;
    const gw = topo.bridgeAddress;
    if (!gw) return skip(`cannot tell which gateway ${ns} should use: ${topo.bridge.name} has no address`);
    const defaults = container.routes.filter((r) => r.dst === 'default' && (!r.type || r.type === 'unicast'));
    const evidence = [
      `routes in ${ns}: ${container.routes.length ? container.routes.map(routeLine).join('; ') : '(none)'}`,
      lookupLine(snap.input.target, container.lookup, ` (in ${ns})`),
      `${topo.bridge.name} (the gateway): ${gw.ip}`,
    ];
    const good = defaults.find((r) => r.gateway === gw.ip);
    if (good && container.lookup.ok) return pass(`default via ${gw.ip} dev ${good.dev ?? '?'}`, evidence);
    const first = defaults[0];
    const dev = topo.nsVeth?.name;
    const devArgs = dev ? ['dev', dev] : [];
    if (!first) {
      return fail(`${ns} has no default route: packets to ${snap.input.target} have nowhere to go ("Network is unreachable")`, evidence, {
        title: `Add a default route via ${gw.ip} in ${ns}`,
        commands: [nsIp(scope, 'route', 'add', 'default', 'via', gw.ip, ...devArgs)],
        undo: [nsIp(scope, 'route', 'del', 'default', 'via', gw.ip, ...devArgs)],
      });
    }
    const current = first.gateway ? `via ${first.gateway}` : `straight out of ${first.dev ?? '?'} with no gateway`;
    const restore = first.gateway ? ['via', first.gateway, ...(first.dev ? ['dev', first.dev] : [])] : first.dev ? ['dev', first.dev] : [];
    return fail(`${ns}'s default route goes ${current}, but the gateway is the bridge, ${gw.ip}`, evidence, {
      title: `Point ${ns}'s default route at ${gw.ip}`,
      commands: [nsIp(scope, 'route', 'replace', 'default', 'via', gw.ip, ...devArgs)],
      undo: [nsIp(scope, 'route', 'replace', 'default', ...restore)],
    });
  },
};
