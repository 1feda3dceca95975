import { hostIp } from '../../fixes/commands.js';
import { freeHostAddresses } from '../../net/ipv4.js';
import { linkLine } from '../describe.js';
import { ipv4Addrs, neighbourAddresses } from '../topology.js';
import { fail, pass, type Check } from '../check.js';

export const TUTORIAL_BRIDGE_CIDR = '192.168.0.1/16';

export const bridgeAddress: Check = {
  id: 'bridge.address',
  title: 'The bridge has an address',
  explanation:
    'Giving the bridge an address (`ip addr add 192.168.0.1/16 dev br0`) does two things: the host gets a route to the container subnet, ' +
    'and the namespace gets a gateway to send everything else to. Without it the host cannot route the namespace\'s packets anywhere.',
  requires: ['bridge.exists'],
  run({ snap, topo, scope }) {
    const link = topo.bridge.link!;
    const addrs = ipv4Addrs(link);
    if (addrs.length) return pass(`bridge ${link.name} has ${addrs.map((a) => a.cidr).join(', ')}`, [linkLine(link)]);
    // Give the bridge the first free address of the namespace's subnet (the tutorial's .1).
    let cidr = TUTORIAL_BRIDGE_CIDR;
    if (topo.nsAddress) {
      const [ip] = freeHostAddresses(topo.nsAddress.subnet, [topo.nsAddress.ip, ...neighbourAddresses(snap, link.name)]);
      if (ip) cidr = `${ip}/${topo.nsAddress.prefixlen}`;
    }
    return fail(`bridge ${link.name} has no IPv4 address`, [linkLine(link)], {
      title: `Give ${link.name} the gateway address ${cidr}`,
      commands: [hostIp(scope, 'addr', 'add', cidr, 'dev', link.name)],
      undo: [hostIp(scope, 'addr', 'del', cidr, 'dev', link.name)],
    });
  },
};
