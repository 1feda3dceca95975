import { hostIp } from '../../fixes/commands.js';
import { linkLine } from '../describe.js';
import { fail, pass, type Check } from '../check.js';

export const bridgeUp: Check = {
  id: 'bridge.up',
  title: 'The bridge is up',
  explanation:
    'A new link starts administratively down: it neither sends nor receives. Until `ip link set br0 up`, the switch is switched off, ' +
    'so frames from the namespace never reach the host\'s routing.',
  requires: ['bridge.exists'],
  run({ topo, scope }) {
    const link = topo.bridge.link!;
    if (link.up) return pass(`bridge ${link.name} is up`, [linkLine(link)]);
    return fail(`bridge ${link.name} is down`, [linkLine(link)], {
      title: `Bring ${link.name} up`,
      commands: [hostIp(scope, 'link', 'set', 'dev', link.name, 'up')],
      undo: [hostIp(scope, 'link', 'set', 'dev', link.name, 'down')],
    });
  },
};
