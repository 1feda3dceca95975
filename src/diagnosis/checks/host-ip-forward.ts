import { hostExec } from '../../fixes/commands.js';
import { lookupLine } from '../describe.js';
import { error, fail, pass, type Check } from '../check.js';

export const hostIpForward: Check = {
  id: 'host.ip-forward',
  title: 'The host forwards IPv4 packets',
  explanation:
    'A Linux host drops packets that are not addressed to it unless it is told to act as a router: `sysctl -w net.ipv4.ip_forward=1`. ' +
    'The namespace\'s packets arrive on the bridge addressed to the target, not to the host, so without forwarding they stop at the bridge.',
  requires: [],
  run({ snap, topo, scope }) {
    const sys = snap.host.sysctls;
    const global = sys['net.ipv4.ip_forward'] ?? null;
    const bridgeKey = `net.ipv4.conf.${topo.bridge.name}.forwarding`;
    const onBridge = sys[bridgeKey] ?? null;
    const evidence = [`net.ipv4.ip_forward = ${global ?? '(unreadable)'}`];
    if (onBridge !== null) evidence.push(`${bridgeKey} = ${onBridge}`);
    if (snap.forwardLookup && topo.source) {
      evidence.push(lookupLine(snap.input.target, snap.forwardLookup, ` from ${topo.source.ip} iif ${topo.bridge.name}`));
    }
    if (global === null) return error('cannot read net.ipv4.ip_forward on the host side', [...evidence, ...snap.errors.filter((e) => e.includes('sysctl'))]);
    if (global !== '1') {
      return fail(`IPv4 forwarding is off on the host (net.ipv4.ip_forward = ${global ?? '?'})`, evidence, {
        title: 'Turn on IPv4 forwarding',
        commands: [hostExec(scope, 'sysctl', '-w', 'net.ipv4.ip_forward=1')],
        undo: [hostExec(scope, 'sysctl', '-w', `net.ipv4.ip_forward=${global ?? '0'}`)],
      });
    }
    if (onBridge === '0') {
      return fail(`forwarding is off on ${topo.bridge.name} (${bridgeKey} = 0)`, evidence, {
        title: `Turn on forwarding for ${topo.bridge.name}`,
        commands: [hostExec(scope, 'sysctl', '-w', `${bridgeKey}=1`)],
        undo: [hostExec(scope, 'sysctl', '-w', `${bridgeKey}=0`)],
      });
    }
    return pass('IPv4 forwarding is on', evidence);
  },
};
