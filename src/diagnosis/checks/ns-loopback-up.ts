import { nsIp } from '../../fixes/commands.js';
import { linkLine } from '../describe.js';
import { pass, warn, type Check } from '../check.js';

export const nsLoopbackUp: Check = {
  id: 'ns.loopback-up',
  title: 'Loopback is up in the namespace',
  explanation:
    'A new namespace has its own loopback, and it starts down. Egress does not need it, but programs inside that talk to 127.0.0.1 ' +
    '(a local DNS cache, a sidecar, a health check) fail until `ip netns exec ns0 ip link set lo up`.',
  requires: ['netns.exists'],
  warnOnly: true,
  run({ snap, scope }) {
    const where = `in ${snap.input.ns}`;
    const lo = snap.container!.links.find((l) => l.name === 'lo');
    if (lo?.up) return pass(`lo is up ${where}`, [linkLine(lo, where)]);
    return warn(`lo is down ${where} (egress does not need it; local services do)`, lo ? [linkLine(lo, where)] : [`no lo ${where}`], {
      title: `Bring lo up ${where}`,
      commands: [nsIp(scope, 'link', 'set', 'dev', 'lo', 'up')],
      undo: [nsIp(scope, 'link', 'set', 'dev', 'lo', 'down')],
    });
  },
};
