import { nsIp } from '../../fixes/commands.js';
import { linkLine } from '../describe.js';
import { fail, pass, type Check } from '../check.js';

export const nsLinkUp: Check = {
  id: 'ns.link-up',
  title: 'The namespace end of the veth is up',
  explanation:
    'Inside the namespace the veth end is its network card, and it starts down. `ip netns exec ns0 ip link set ceth0 up` brings it up; ' +
    'until then the namespace has no usable interface and no connected route to its own subnet.',
  requires: ['veth.exists'],
  run({ snap, topo, scope }) {
    const veth = topo.nsVeth!;
    const where = `in ${snap.input.ns}`;
    if (veth.up) return pass(`${veth.name} is up ${where}`, [linkLine(veth, where)]);
    return fail(`${veth.name} is down ${where}`, [linkLine(veth, where)], {
      title: `Bring ${veth.name} up ${where}`,
      commands: [nsIp(scope, 'link', 'set', 'dev', veth.name, 'up')],
      undo: [nsIp(scope, 'link', 'set', 'dev', veth.name, 'down')],
    });
  },
};
