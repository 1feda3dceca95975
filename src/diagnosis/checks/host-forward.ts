import { evaluateFilterHook, type ChainOutcome } from '../../netfilter/evaluate.js';
import type { Packet, Table } from '../../netfilter/model.js';
import { hostExec, RULE_COMMENT, type CommandScope } from '../../fixes/commands.js';
import type { FixPlan } from '../../model/result.js';
import { ownerNote, ownerOf } from '../owners.js';
import { error, fail, pass, skip, type Check } from '../check.js';
import { netfilterGap } from '../netfilter-readable.js';
import { assumedSourceNote } from '../describe.js';
import { nftQuote } from './nft-quote.js';

export function describeChainOutcome(o: ChainOutcome): string {
  const where = `${o.backend} ${o.family} ${o.table} ${o.chain}`;
  if (o.decidedBy.kind === 'policy') return `${where}: policy ${o.decidedBy.policy}${ownerNote(ownerOf(o.table, o.chain))}`;
  const path = o.decidedBy.chainPath;
  const inChain = path[path.length - 1] ?? o.chain;
  const via = path.length > 1 ? ` (via ${path.join(' -> ')})` : '';
  return `${where}: ${o.verdict} by rule "${o.decidedBy.rule.text}"${via}${ownerNote(ownerOf(o.table, inChain))}`;
}

function droppedSummary(o: ChainOutcome): string {
  const owner = ownerNote(ownerOf(o.table, o.decidedBy.kind === 'rule' ? (o.decidedBy.chainPath.at(-1) ?? o.chain) : o.chain));
  const verb = o.verdict === 'reject' ? 'rejects' : 'drops';
  if (o.decidedBy.kind === 'policy') return `the ${o.backend} ${o.table} ${o.chain} chain${owner} ${verb} it by policy`;
  return `a rule in ${o.backend} ${o.table} ${o.decidedBy.chainPath.at(-1) ?? o.chain}${owner} ${verb} it`;
}

export const hostForward: Check = {
  id: 'host.forward',
  title: 'The firewall lets the namespace\'s traffic through',
  explanation:
    'Forwarded packets pass the FORWARD hook, where every firewall on the host gets a say: iptables (nft or legacy) and native nftables chains alike. ' +
    'A DROP policy (Docker sets one), a DROP or REJECT rule in any of them stops the packet, and an ACCEPT in one table does not overrule a drop in another. ' +
    'Both directions must pass: the namespace\'s requests out, and the replies coming back.',
  requires: ['host.uplink'],
  run({ snap, topo, scope }) {
    const uplink = topo.uplink?.name;
    const src = topo.source?.ip;
    if (!uplink || !src) return skip('cannot evaluate the FORWARD path without an address for the namespace (its own, or one in the bridge\'s subnet) and the uplink');
    const rs = snap.host.netfilter;
    const target = snap.input.target;
    const out: Packet = { saddr: src, daddr: target, iif: topo.bridge.name, oif: uplink, protocol: 'icmp', ctstate: 'new' };
    const back: Packet = { saddr: target, daddr: src, iif: uplink, oif: topo.bridge.name, protocol: 'icmp', ctstate: 'established' };
    const outcomeOut = evaluateFilterHook(rs, 'forward', out);
    const outcomeBack = evaluateFilterHook(rs, 'forward', back);
    const evidence: string[] = [];
    if (topo.source?.assumed) evidence.push(assumedSourceNote(topo.source.ip, snap.input.ns, topo.bridge.name));
    if (!outcomeOut.chains.length) evidence.push('no chain on the forward hook in any backend: forwarding is not filtered');
    for (const c of outcomeOut.chains) evidence.push(`out ${src} -> ${target} (${topo.bridge.name} -> ${uplink}): ${describeChainOutcome(c)}`);
    for (const c of outcomeBack.chains) evidence.push(`reply ${target} -> ${src} (${uplink} -> ${topo.bridge.name}): ${describeChainOutcome(c)}`);
    for (const m of [...outcomeOut.chains, ...outcomeBack.chains].flatMap((c) => c.maybe)) {
      evidence.push(`not evaluated (netdoctor cannot judge this match): "${m.rule.text}"`);
    }
    for (const s of snap.host.netfilterSources.filter((s) => s.status === 'error')) evidence.push(`${s.source}: could not read${s.detail ? `: ${s.detail}` : ''}`);
    const dropOut = outcomeOut.droppedBy;
    const dropBack = outcomeBack.droppedBy;
    if (!dropOut && !dropBack) {
      const gap = netfilterGap(snap.host);
      if (gap) return error(`cannot tell whether the firewall lets ${src} through: ${gap}`, evidence);
      return pass(outcomeOut.chains.length ? 'the forward path accepts the namespace\'s traffic both ways' : 'nothing filters forwarded traffic', evidence);
    }
    const fix = forwardFix(scope, snap.host.netfilter.tables, { dropOut, dropBack }, { bridge: topo.bridge.name, uplink, subnet: topo.subnet ?? `${src}/32` });
    if (dropOut) return fail(`forwarded traffic from ${src} is dropped: ${droppedSummary(dropOut)}`, evidence, fix);
    return fail(`replies to ${src} are dropped on the way back: ${droppedSummary(dropBack!)}`, evidence, fix);
  },
};

interface Where {
  bridge: string;
  uplink: string;
  subnet: string;
}

/** Scoped ACCEPTs where the dropping firewall will honour them; never a policy change. */
function forwardFix(scope: CommandScope, tables: Table[], drops: { dropOut: ChainOutcome | null; dropBack: ChainOutcome | null }, w: Where): FixPlan | null {
  const commands: string[][] = [];
  const undo: string[][] = [];
  const notes: string[] = [];
  const handled = new Set<string>();
  for (const [dir, drop] of [['out', drops.dropOut], ['back', drops.dropBack]] as const) {
    if (!drop) continue;
    const key = `${drop.backend}/${drop.family}/${drop.table}/${drop.chain}`;
    if (handled.has(key)) continue;
    handled.add(key);
    // If the other direction is dropped by the same chain, one fix covers both.
    const both = drops.dropOut && drops.dropBack && `${drops.dropOut.backend}/${drops.dropOut.family}/${drops.dropOut.table}/${drops.dropOut.chain}` === `${drops.dropBack.backend}/${drops.dropBack.family}/${drops.dropBack.table}/${drops.dropBack.chain}`;
    const dirs: ('out' | 'back')[] = both ? ['out', 'back'] : [dir];
    if (drop.backend === 'nft') {
      for (const d of dirs) {
        const match = d === 'out'
          ? ['iifname', nftQuote(w.bridge), 'oifname', nftQuote(w.uplink), 'ip', 'saddr', w.subnet]
          : ['iifname', nftQuote(w.uplink), 'oifname', nftQuote(w.bridge), 'ip', 'daddr', w.subnet, 'ct', 'state', 'established,related'];
        commands.push(hostExec(scope, 'nft', 'insert', 'rule', drop.family, drop.table, drop.chain, ...match, 'accept', 'comment', nftQuote(RULE_COMMENT)));
      }
      // nft deletes rules only by handle, which exists once the rule does: the undo line is
      // completed when the fix is applied (`nft --echo --handle`), until then it is a note.
      notes.push(`to undo: delete the rules commented "${RULE_COMMENT}" in ${drop.family} ${drop.table} ${drop.chain} by handle (nft -a list chain ${drop.family} ${drop.table} ${drop.chain})`);
    } else {
      const bin = drop.backend === 'iptables-legacy' ? 'iptables-legacy' : 'iptables-nft';
      const filter = tables.find((t) => t.backend === drop.backend && t.name === 'filter');
      // Docker rewrites FORWARD on restart and asks for user rules in DOCKER-USER.
      const chain = filter?.chains.some((c) => c.name === 'DOCKER-USER') ? 'DOCKER-USER' : 'FORWARD';
      for (const d of dirs) {
        const spec = d === 'out'
          ? ['-i', w.bridge, '-o', w.uplink, '-s', w.subnet]
          : ['-i', w.uplink, '-o', w.bridge, '-d', w.subnet, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'];
        const tail = [...spec, '-m', 'comment', '--comment', RULE_COMMENT, '-j', 'ACCEPT'];
        commands.push(hostExec(scope, bin, '-I', chain, ...tail));
        undo.push(hostExec(scope, bin, '-D', chain, ...tail));
      }
    }
  }
  if (!commands.length) return null;
  return { title: `Accept ${w.subnet} between ${w.bridge} and ${w.uplink} in the firewall that drops it`, commands, undo, ...(notes.length ? { notes } : {}) };
}
