import { hostIp, nsIp } from '../../fixes/commands.js';
import { linkLine } from '../describe.js';
import { fail, pass, type Check } from '../check.js';

/** "veth0", or veth1, veth2 ... when taken. */
export function freeLinkName(base: string, taken: Set<string>): string {
  const stem = base.replace(/\d+$/, '');
  for (let i = 0; ; i++) {
    const name = `${stem}${i}`;
    if (!taken.has(name)) return name;
  }
}

export const vethExists: Check = {
  id: 'veth.exists',
  title: 'A veth pair joins the namespace to the host',
  explanation:
    'A veth pair is a virtual cable with two ends: whatever goes in one end comes out of the other. One end stays on the host and plugs into the bridge; ' +
    'the other is moved into the namespace (`ip link set ceth0 netns ns0`) and becomes its network card. Without it the namespace is an island.',
  requires: ['netns.exists'],
  run({ snap, topo, scope }) {
    const ns = snap.input.ns;
    if (topo.nsVeth && topo.hostVeth) {
      return pass(`veth pair ${topo.hostVeth.name} (host) <-> ${topo.nsVeth.name} (in ${ns})`, [
        linkLine(topo.hostVeth, 'host side'),
        linkLine(topo.nsVeth, `in ${ns}`),
      ]);
    }
    if (topo.unmovedPair) {
      const { hostEnd, nsEnd } = topo.unmovedPair;
      return fail(
        `veth pair ${hostEnd.name} <-> ${nsEnd.name} exists, but both ends are on the host: ${nsEnd.name} was never moved into ${ns}`,
        [linkLine(hostEnd, 'host side'), linkLine(nsEnd, 'host side'), `links in ${ns}: ${snap.container!.links.map((l) => l.name).join(', ')}`],
        {
          title: `Move ${nsEnd.name} into ${ns}`,
          commands: [hostIp(scope, 'link', 'set', 'dev', nsEnd.name, 'netns', ns)],
          // Moving a link out of a namespace: back to the host side (PID 1's namespace when
          // the host side is the one netdoctor runs in).
          undo: [nsIp(scope, 'link', 'set', 'dev', nsEnd.name, 'netns', scope.hostNs ?? '1')],
        },
      );
    }
    const nsLinks = snap.container!.links;
    const evidence = [`links in ${ns}: ${nsLinks.map((l) => `${l.name}${l.kind ? ` (${l.kind})` : ''}`).join(', ') || '(none)'}`];
    if (topo.strayNsVeth) {
      evidence.push(`${topo.strayNsVeth.name} (in ${ns}) is a veth, but its peer is in another namespace, not on this host side`);
      return fail(`${ns}'s veth ${topo.strayNsVeth.name} is not connected to the host side`, evidence);
    }
    const taken = new Set([...snap.host.links, ...nsLinks].map((l) => l.name));
    const hostEnd = freeLinkName('veth0', taken);
    taken.add(hostEnd);
    const nsEnd = freeLinkName('ceth0', taken);
    return fail(`${ns} has no veth connecting it to the host`, evidence, {
      title: `Create the veth pair ${hostEnd} <-> ${nsEnd} and move ${nsEnd} into ${ns}`,
      commands: [
        hostIp(scope, 'link', 'add', 'name', hostEnd, 'type', 'veth', 'peer', 'name', nsEnd),
        hostIp(scope, 'link', 'set', 'dev', nsEnd, 'netns', ns),
      ],
      // Deleting one end of a veth pair deletes both.
      undo: [hostIp(scope, 'link', 'del', 'dev', hostEnd)],
    });
  },
};
