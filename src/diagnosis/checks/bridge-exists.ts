import { hostIp } from '../../fixes/commands.js';
import { fail, pass, warn, type Check } from '../check.js';

const SOURCE: Record<string, string> = {
  flag: 'named with --bridge',
  'veth-peer': 'the master of the namespace\'s veth peer',
  subnet: 'its subnet holds the namespace\'s address',
  'only-bridge': 'the only bridge on the host side',
  default: 'the tutorial\'s default name',
};

export const bridgeExists: Check = {
  id: 'bridge.exists',
  title: 'The bridge exists',
  explanation:
    'The bridge is a virtual switch on the host. The host end of the veth cable plugs into it, and once it has an address it is the namespace\'s gateway: ' +
    'the door between the container network and the host\'s routing. `ip link add br0 type bridge` creates it.',
  requires: [],
  run({ topo, snap, scope }) {
    const { name, link, source, note } = topo.bridge;
    const bridges = snap.host.links.filter((l) => l.kind === 'bridge').map((l) => l.name);
    const evidence = [`bridges on the host side: ${bridges.length ? bridges.join(', ') : '(none)'}`];
    if (link && link.kind === 'bridge') {
      evidence.push(`${name}: kind bridge (${SOURCE[source] ?? source})`);
      if (note) return warn(`bridge ${name} exists, but ${note}`, evidence);
      return pass(`bridge ${name} exists`, evidence);
    }
    if (link) {
      return fail(`${name} exists but is ${link.kind ? `a ${link.kind}` : 'not a virtual device'}, not a bridge`, [...evidence, `${name}: kind ${link.kind ?? 'none'}`]);
    }
    return fail(`there is no bridge ${name} on the host side`, evidence, {
      title: `Create bridge ${name}`,
      commands: [hostIp(scope, 'link', 'add', 'name', name, 'type', 'bridge')],
      undo: [hostIp(scope, 'link', 'del', 'dev', name)],
    });
  },
};
