import { lookupLine, routeLine } from '../describe.js';
import { fail, pass, type Check } from '../check.js';

export const hostUplink: Check = {
  id: 'host.uplink',
  title: 'The host itself has a route to the target',
  explanation:
    'The host forwards the namespace\'s packets out of its own uplink, so the host itself must be able to reach the target: ' +
    'a default route out of a working interface. netdoctor follows that route to find the uplink the MASQUERADE rule must cover.',
  requires: [],
  run({ snap, topo }) {
    const target = snap.input.target;
    const host = snap.host;
    const defaults = host.routes.filter((r) => r.dst === 'default');
    const evidence = [
      lookupLine(target, host.lookup, ' (host side)'),
      `default routes on the host side: ${defaults.length ? defaults.map(routeLine).join('; ') : '(none)'}`,
    ];
    if (!host.lookup.ok) {
      return fail(`the host has no route to ${target}: ${host.lookup.error}`, evidence);
    }
    const { dev } = host.lookup;
    if (host.lookup.type && !['unicast', 'local'].includes(host.lookup.type)) {
      return fail(`the host's route to ${target} is of type ${host.lookup.type}`, evidence);
    }
    if (dev === topo.bridge.name || dev === 'lo') {
      return fail(`the host routes ${target} to ${dev}, not out of an uplink`, evidence);
    }
    const link = host.links.find((l) => l.name === dev);
    if (link && !link.up) return fail(`the uplink ${dev} is down`, evidence);
    return pass(`the host reaches ${target} via ${dev}${host.lookup.gateway ? ` (gateway ${host.lookup.gateway})` : ''}`, evidence);
  },
};
