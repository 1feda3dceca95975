import { hostIp } from '../../fixes/commands.js';
import { linkLine } from '../describe.js';
import { fail, pass, type Check } from '../check.js';

export const vethUp: Check = {
  id: 'veth.up',
  title: 'The host end of the veth is up',
  explanation:
    'Both ends of the cable must be up for anything to pass: a veth has carrier only when its peer is up too. `ip link set veth0 up` brings the host end up.',
  requires: ['veth.exists'],
  run({ topo, scope }) {
    const veth = topo.hostVeth!;
    if (veth.up) return pass(`${veth.name} is up`, [linkLine(veth, 'host side')]);
    return fail(`${veth.name} (the host end) is down`, [linkLine(veth, 'host side')], {
      title: `Bring ${veth.name} up`,
      commands: [hostIp(scope, 'link', 'set', 'dev', veth.name, 'up')],
      undo: [hostIp(scope, 'link', 'set', 'dev', veth.name, 'down')],
    });
  },
};
