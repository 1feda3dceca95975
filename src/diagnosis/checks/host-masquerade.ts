import { evaluateNatHook, type NatCandidate } from '../../netfilter/evaluate.js';
import { hostExec, RULE_COMMENT, type CommandScope } from '../../fixes/commands.js';
import type { FixPlan } from '../../model/result.js';
import type { HostFacts } from '../../model/snapshot.js';
import { ownerNote, ownerOf } from '../owners.js';
import { error, fail, pass, skip, type Check } from '../check.js';
import { netfilterGap } from '../netfilter-readable.js';
import { assumedSourceNote } from '../describe.js';
import { nftQuote } from './nft-quote.js';

function where(c: NatCandidate): string {
  const chain = c.chainPath.at(-1) ?? '?';
  return `${c.backend} ${c.family} ${c.table} ${chain}${ownerNote(ownerOf(c.table, chain))}`;
}

function masqueradeExplanation(source: string | null, subnet: string | null): string {
  return (
    `The namespace's address is private: packets leave the uplink with source ${source ?? 'that private address'}, and nobody outside knows the way back, so the replies never come ` +
    '(the tutorial saw exactly this with tcpdump on the uplink). Source NAT rewrites the source to the host\'s own address on the way out and undoes it for the replies: ' +
    `\`iptables -t nat -A POSTROUTING -s ${subnet ?? (source ? `${source}/32` : 'SUBNET')} -j MASQUERADE\`. The rule must cover the namespace's subnet and the interface the traffic really leaves by.`
  );
}

export const hostMasquerade: Check = {
  id: 'host.masquerade',
  title: 'Traffic from the namespace is masqueraded',
  explanation: masqueradeExplanation(null, null),
  // The namespace's own address and subnet, not the tutorial's 192.168.0.2.
  explain: ({ topo }) => masqueradeExplanation(topo.source?.ip ?? null, topo.subnet ?? null),
  requires: ['host.uplink'],
  run({ snap, topo, scope }) {
    const uplink = topo.uplink?.name;
    const src = topo.source?.ip;
    if (!uplink || !src) return skip('cannot evaluate source NAT without an address for the namespace (its own, or one in the bridge\'s subnet) and the uplink');
    const target = snap.input.target;
    const outcome = evaluateNatHook(snap.host.netfilter, 'postrouting', { saddr: src, daddr: target, oif: uplink, protocol: 'icmp', ctstate: 'new' });
    const evidence: string[] = [];
    if (topo.source?.assumed) evidence.push(assumedSourceNote(topo.source.ip, snap.input.ns, topo.bridge.name));
    for (const c of outcome.notApplied) evidence.push(`does not apply: ${where(c)}: "${c.rule.text}": ${c.reason}`);
    for (const c of outcome.maybe) evidence.push(`not evaluated (netdoctor cannot judge this match): ${where(c)}: "${c.rule.text}"`);
    for (const s of snap.host.netfilterSources) {
      if (s.status === 'absent' || s.status === 'error') evidence.push(`${s.source}: ${s.status === 'absent' ? 'not installed, not inspected' : `could not read${s.detail ? `: ${s.detail}` : ''}`}`);
    }
    if (outcome.result === 'masquerade' || outcome.result === 'snat') {
      const by = outcome.by!;
      evidence.unshift(`applies: ${where(by)}: "${by.rule.text}"${by.reason ? `: ${by.reason}` : ''}`);
      return pass(`${src} -> ${target} out ${uplink} is ${outcome.result === 'masquerade' ? 'masqueraded' : 'source-NATed'} by ${by.backend}`, evidence);
    }
    const fix = masqueradeFix(scope, snap.host, { subnet: topo.subnet ?? `${src}/32`, uplink });
    if (outcome.result === 'drop') {
      return fail(`the nat postrouting path drops ${src} -> ${target}`, [`dropped: ${where(outcome.by!)}: "${outcome.by!.rule.text}"`, ...evidence], null);
    }
    const gap = netfilterGap(snap.host);
    if (gap) return error(`cannot tell whether anything masquerades ${src} out ${uplink}: ${gap}`, evidence);
    if (!outcome.notApplied.length && !outcome.maybe.length) {
      evidence.unshift('no MASQUERADE or SNAT rule in iptables-nft, iptables-legacy or nftables');
    }
    return fail(`nothing masquerades ${src} out ${uplink}: replies from ${target} cannot find their way back`, evidence, fix);
  },
};

/** The tutorial's rule, scoped to the subnet and uplink, in the backend the host uses. */
function masqueradeFix(scope: CommandScope, host: HostFacts, w: { subnet: string; uplink: string }): FixPlan {
  const has = (source: string) => host.netfilterSources.some((s) => s.source === source && s.status !== 'absent');
  const tables = host.netfilter.tables;
  const usesLegacy = tables.some((t) => t.backend === 'iptables-legacy') && !tables.some((t) => t.backend === 'iptables-nft');
  const nativeOnly = tables.length > 0 && tables.every((t) => t.backend === 'nft');
  if ((nativeOnly || !has('iptables-nft')) && has('nft')) {
    // A table of netdoctor's own: NAT chains in every table are consulted, and undo is one delete.
    return {
      title: `Masquerade ${w.subnet} out ${w.uplink} (nftables table ip netdoctor)`,
      commands: [
        hostExec(scope, 'nft', 'add', 'table', 'ip', 'netdoctor'),
        hostExec(scope, 'nft', 'add', 'chain', 'ip', 'netdoctor', 'postrouting', '{ type nat hook postrouting priority srcnat; }'),
        hostExec(scope, 'nft', 'add', 'rule', 'ip', 'netdoctor', 'postrouting', 'ip', 'saddr', w.subnet, 'oifname', nftQuote(w.uplink), 'masquerade', 'comment', nftQuote(RULE_COMMENT)),
      ],
      undo: [hostExec(scope, 'nft', 'delete', 'table', 'ip', 'netdoctor')],
    };
  }
  const bin = usesLegacy ? 'iptables-legacy' : 'iptables-nft';
  const spec = ['POSTROUTING', '-s', w.subnet, '-o', w.uplink, '-m', 'comment', '--comment', RULE_COMMENT, '-j', 'MASQUERADE'];
  return {
    title: `Masquerade ${w.subnet} out ${w.uplink} (${bin})`,
    commands: [hostExec(scope, bin, '-t', 'nat', '-I', ...spec)],
    undo: [hostExec(scope, bin, '-t', 'nat', '-D', ...spec)],
  };
}
