import { evaluateFilterHook, type ChainOutcome } from '../../netfilter/evaluate.js';
import type { Packet, Table } from '../../netfilter/model.js';
import { hostExec, RULE_COMMENT, type CommandScope } from '../../fixes/commands.js';
import type { FixPlan } from '../../model/result.js';
import { freeHostAddresses } from '../../net/ipv4.js';
import { ownedChainNames, ownerNote, type Owner } from '../owners.js';
import { fail, pass, skip, type Check } from '../check.js';
import { describeChainOutcome, dropOwner, ownerName } from './host-forward.js';
import { nftQuote } from './nft-quote.js';

const SYSCTL = 'net.bridge.bridge-nf-call-iptables';

export const hostBrNetfilter: Check = {
  id: 'host.br-netfilter',
  title: 'Bridged traffic is not dropped by the FORWARD chain',
  explanation:
    'Namespaces on the same bridge talk through the bridge, at layer 2: the host does not route those frames. ' +
    `But when the br_netfilter module is loaded (Docker and Kubernetes load it) and ${SYSCTL} = 1, the kernel hands every bridged IPv4 frame to the ` +
    'iptables and nftables FORWARD hook as well, with the bridge as both the in- and the out-interface. ' +
    'A FORWARD chain that drops by default (Docker sets policy DROP) then cuts the namespaces on one bridge off from each other, while their routed traffic may still work. ' +
    'The fix is an ACCEPT for frames that stay on the bridge (`-m physdev --physdev-is-bridged`); turning the sysctl off would change every bridge on the host, so netdoctor leaves it alone.',
  requires: ['ns.address', 'veth.attached'],
  // It does not stop the namespace's egress (the ping is new, routed traffic): a warning with its fix.
  warnOnly: true,
  run({ snap, topo, scope }) {
    const bridge = topo.bridge.name;
    const src = topo.nsAddress?.ip;
    const subnet = topo.subnet;
    const port = topo.hostVeth?.name;
    if (!src || !subnet || !port) return skip('cannot evaluate bridged traffic without the namespace\'s address and bridge port');
    const value = snap.host.sysctls[SYSCTL] ?? null;
    const evidence = [
      value === null
        ? `${SYSCTL}: absent (br_netfilter is not loaded)`
        : `${SYSCTL} = ${value}${value === '1' ? ' (bridged IPv4 frames pass the FORWARD hook)' : ''}`,
    ];
    if (value !== '1') return pass(value === null ? 'br_netfilter is not loaded: bridged frames never reach iptables' : 'bridged frames bypass iptables and nftables (bridge-nf-call-iptables = 0)', evidence);

    const others = snap.host.links.filter((l) => l.master === bridge && l.name !== port).map((l) => l.name);
    evidence.push(portsLine(bridge, port, others));
    const taken = [src, topo.bridgeAddress?.ip ?? ''];
    const peer = freeHostAddresses(subnet, taken, 1)[0] ?? src;
    const peerPort = others[0] ?? 'another-port';
    const out: Packet = { saddr: src, daddr: peer, iif: bridge, oif: bridge, protocol: 'icmp', ctstate: 'new', physdev: { in: port, out: peerPort } };
    const back: Packet = { saddr: peer, daddr: src, iif: bridge, oif: bridge, protocol: 'icmp', ctstate: 'established', physdev: { in: peerPort, out: port } };
    const rs = snap.host.netfilter;
    const oOut = evaluateFilterHook(rs, 'forward', out);
    const oBack = evaluateFilterHook(rs, 'forward', back);
    for (const c of oOut.chains) evidence.push(`bridged ${src} -> ${peer} (${port} -> ${peerPort} on ${bridge}): ${describeChainOutcome(c)}`);
    for (const c of oBack.chains) evidence.push(`bridged reply ${peer} -> ${src} (${peerPort} -> ${port}): ${describeChainOutcome(c)}`);
    const drop = oOut.droppedBy ?? oBack.droppedBy;
    if (!drop) return pass(`bridged traffic on ${bridge} passes the FORWARD hook`, evidence);
    const owner = dropOwner(rs.tables, drop);
    const ownerTable = rs.tables.find((t) => t.backend === drop.backend && t.family === drop.family && t.name === drop.table);
    if (owner && ownerTable) evidence.push(`owner: ${ownerName(owner)} (its chains here: ${ownedChainNames(ownerTable, owner).join(', ')})`);
    const who = droppedBy(drop, owner);
    if (!others.length) {
      // One port: nothing is bridged yet. Worth knowing before a second namespace joins.
      return pass(`only ${port} is on ${bridge}, so nothing is bridged yet (a second namespace there would be cut off: ${who} drops bridged frames)`, evidence);
    }
    return fail(
      `traffic between the namespaces on ${bridge} is dropped: ${SYSCTL} = 1 sends bridged frames through FORWARD, and ${who} drops them`,
      evidence,
      bridgedFix(scope, rs.tables, drop, bridge),
    );
  },
};

/** Bounded: this namespace's port, how many others, the first few by name (check --all on a bridge of hundreds stays small). */
export function portsLine(bridge: string, port: string, others: readonly string[], show = 3): string {
  if (!others.length) return `ports of ${bridge}: ${port} (this namespace's) only`;
  const named = others.slice(0, show).join(', ');
  return `ports of ${bridge}: ${port} (this namespace's) and ${others.length} other${others.length === 1 ? '' : 's'}: ${named}${others.length > show ? `, … (${others.length - show} more)` : ''}`;
}

function droppedBy(o: ChainOutcome, who: Owner): string {
  const chain = o.decidedBy.kind === 'rule' ? (o.decidedBy.chainPath.at(-1) ?? o.chain) : o.chain;
  const owner = ownerNote(who);
  return o.decidedBy.kind === 'policy'
    ? `the ${o.backend} ${o.table} ${o.chain} chain${owner} (policy ${o.decidedBy.policy})`
    : `a rule in ${o.backend} ${o.table} ${chain}${owner}`;
}

/** Accept frames that enter and leave by the same bridge, where the dropping firewall looks first. */
function bridgedFix(scope: CommandScope, tables: Table[], drop: ChainOutcome, bridge: string): FixPlan {
  const notes = [`not done: sysctl -w ${SYSCTL}=0 would also stop filtering on every other bridge (Docker and Kubernetes rely on it)`];
  if (drop.backend === 'nft') {
    return {
      title: `Accept traffic that stays on ${bridge} (${drop.family} ${drop.table} ${drop.chain})`,
      commands: [hostExec(scope, 'nft', 'insert', 'rule', drop.family, drop.table, drop.chain, 'iifname', nftQuote(bridge), 'oifname', nftQuote(bridge), 'accept', 'comment', nftQuote(RULE_COMMENT))],
      undo: [],
      notes: [...notes, `to undo: delete the rule commented "${RULE_COMMENT}" in ${drop.family} ${drop.table} ${drop.chain} by handle (nft -a list chain ${drop.family} ${drop.table} ${drop.chain})`],
    };
  }
  const bin = drop.backend === 'iptables-legacy' ? 'iptables-legacy' : 'iptables-nft';
  const filter = tables.find((t) => t.backend === drop.backend && t.name === 'filter');
  // Docker rewrites FORWARD on restart and asks for user rules in DOCKER-USER.
  const chain = filter?.chains.some((c) => c.name === 'DOCKER-USER') ? 'DOCKER-USER' : 'FORWARD';
  const spec = ['-i', bridge, '-o', bridge, '-m', 'physdev', '--physdev-is-bridged', '-m', 'comment', '--comment', RULE_COMMENT, '-j', 'ACCEPT'];
  return {
    title: `Accept traffic that stays on ${bridge} (${bin} ${chain})`,
    commands: [hostExec(scope, bin, '-I', chain, ...spec)],
    undo: [hostExec(scope, bin, '-D', chain, ...spec)],
    notes,
  };
}
