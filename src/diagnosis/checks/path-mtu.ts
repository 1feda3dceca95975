import { nsIp } from '../../fixes/commands.js';
import { pass, skip, warn, type Check } from '../check.js';

export const pathMtu: Check = {
  id: 'path.mtu',
  title: 'Full-size packets get through',
  explanation:
    'Every link has an MTU, the largest packet it carries (1500 bytes on Ethernet and veth). Somewhere on the way out the path may be narrower: a VPN or tunnel (WireGuard 1420), PPPoE (1492), a cloud network. ' +
    'A router that cannot forward a packet with the don\'t-fragment bit set should answer "fragmentation needed" so the sender shrinks its packets; when that ICMP message is filtered or lost (a PMTU blackhole), ' +
    'small packets such as pings and DNS pass while full-size ones vanish: TLS handshakes and downloads hang. netdoctor sends don\'t-fragment pings of decreasing size (`ping -M do -s SIZE`) from inside the namespace and finds the largest that gets through. ' +
    'The safe fix is to send no larger packets than the path carries: lower the MTU of the namespace\'s interface to that size (or clamp TCP MSS on the host).',
  requires: ['netns.exists'],
  warnOnly: true,
  run({ snap, topo, scope, mtu, ping }) {
    if (!mtu) return skip(ping?.ran && ping.received > 0 ? 'not probed' : 'not probed: the path MTU is measured once a plain ping gets through');
    const tried = mtu.tried.map((t) => `${t.mtu}: ${t.ok ? 'answered' : 'no answer'}`).join(', ');
    const evidence = [`${topo.nsVeth?.name ?? 'the namespace interface'} MTU ${mtu.linkMtu}`, `ping -M do from ${snap.input.ns} to ${mtu.target}, by packet size: ${tried}`];
    if (mtu.reportedMtu !== null) evidence.push(`a router announced mtu = ${mtu.reportedMtu} (ICMP fragmentation needed)`);
    if (mtu.fullSize) return pass(`${mtu.linkMtu}-byte packets get through with don't-fragment set`, evidence);
    if (mtu.workingMtu === null) return warn(`not even ${Math.min(...mtu.tried.map((t) => t.mtu))}-byte don't-fragment pings get through, though a plain ping does`, evidence);
    const blackhole = mtu.reportedMtu === null ? ', and nobody says so (no ICMP "fragmentation needed": a PMTU blackhole)' : '';
    const veth = topo.nsVeth?.name;
    const fix = veth
      ? {
          title: `Lower ${veth}'s MTU to ${mtu.workingMtu}, what the path carries`,
          commands: [nsIp(scope, 'link', 'set', 'dev', veth, 'mtu', String(mtu.workingMtu))],
          undo: [nsIp(scope, 'link', 'set', 'dev', veth, 'mtu', String(mtu.linkMtu))],
          notes: ['the bridge side may keep its MTU: the namespace then sends packets no larger than the path carries'],
        }
      : null;
    return warn(`the path to ${mtu.target} carries packets of ${mtu.workingMtu} bytes but not ${mtu.linkMtu}, the links' MTU${blackhole}: full-size packets are lost`, evidence, fix);
  },
};
