import { hostIp } from '../../fixes/commands.js';
import { linkLine } from '../describe.js';
import { fail, pass, type Check } from '../check.js';

export const vethAttached: Check = {
  id: 'veth.attached',
  title: 'The host end of the veth is on the bridge',
  explanation:
    'The host end of the cable must be plugged into the switch: `ip link set veth0 master br0`. Until then, frames from the namespace arrive on a ' +
    'loose veth end with no address, and the host drops them: the bridge, and its gateway address, never see them.',
  requires: ['veth.exists', 'bridge.exists'],
  run({ topo, scope }) {
    const veth = topo.hostVeth!;
    const bridge = topo.bridge.name;
    if (veth.master === bridge) return pass(`${veth.name} is attached to ${bridge}`, [linkLine(veth, 'host side')]);
    return fail(
      veth.master ? `${veth.name} is attached to ${veth.master}, not to ${bridge}` : `${veth.name} is not attached to ${bridge}`,
      [linkLine(veth, 'host side')],
      {
        title: `Attach ${veth.name} to ${bridge}`,
        commands: [hostIp(scope, 'link', 'set', 'dev', veth.name, 'master', bridge)],
        undo: [veth.master ? hostIp(scope, 'link', 'set', 'dev', veth.name, 'master', veth.master) : hostIp(scope, 'link', 'set', 'dev', veth.name, 'nomaster')],
      },
    );
  },
};
