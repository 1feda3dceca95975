import { nsIp } from '../../fixes/commands.js';
import { cidrContains, freeHostAddresses } from '../../net/ipv4.js';
import { linkLine } from '../describe.js';
import { ipv4Addrs, neighbourAddresses } from '../topology.js';
import { fail, pass, type Check } from '../check.js';

export const TUTORIAL_NS_CIDR = '192.168.0.2/16';

export const nsAddress: Check = {
  id: 'ns.address',
  title: 'The namespace has an address in the bridge subnet',
  explanation:
    'The namespace needs an IPv4 address on its veth end, in the same subnet as the bridge (`ip netns exec ns0 ip addr add 192.168.0.2/16 dev ceth0`). ' +
    'The shared subnet is what lets it reach the bridge\'s address directly, and so use it as its gateway.',
  requires: ['veth.exists'],
  run({ snap, topo, scope }) {
    const veth = topo.nsVeth!;
    const where = `in ${snap.input.ns}`;
    const evidence = [linkLine(veth, where)];
    const bridgeAddr = topo.bridgeAddress;
    if (bridgeAddr) evidence.push(`${topo.bridge.name}: ${bridgeAddr.cidr} (subnet ${bridgeAddr.subnet})`);
    const own = topo.nsAddress;
    if (own && (!bridgeAddr || cidrContains(bridgeAddr.subnet, own.ip))) {
      const note = bridgeAddr ? `, in ${topo.bridge.name}'s subnet ${bridgeAddr.subnet}` : '';
      return pass(`${veth.name} has ${own.cidr}${note}`, evidence);
    }
    // Pick a free address in the bridge's subnet (the tutorial's .2 when free).
    let cidr = TUTORIAL_NS_CIDR;
    if (bridgeAddr) {
      // Nor one a neighbour on the bridge already uses (another container, a DHCP lease).
      const taken = [bridgeAddr.ip, ...ipv4Addrs(topo.bridge.link).map((a) => a.ip), ...neighbourAddresses(snap, topo.bridge.name)];
      const [ip] = freeHostAddresses(bridgeAddr.subnet, taken);
      if (ip) cidr = `${ip}/${bridgeAddr.prefixlen}`;
    }
    const fix = {
      title: `Give ${veth.name} the address ${cidr} ${where}`,
      commands: [nsIp(scope, 'addr', 'add', cidr, 'dev', veth.name)],
      undo: [nsIp(scope, 'addr', 'del', cidr, 'dev', veth.name)],
    };
    if (own && bridgeAddr) {
      return fail(`${veth.name} has ${own.cidr}, outside ${topo.bridge.name}'s subnet ${bridgeAddr.subnet}`, evidence, fix);
    }
    return fail(`${veth.name} has no IPv4 address ${where}`, evidence, fix);
  },
};
