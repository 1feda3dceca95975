// Rules split between iptables-legacy and the nf_tables world (iptables-nft, native nft):
// the kernel runs both, but each tool lists only its own half, so people debug the wrong one.
import type { Backend, Chain, Table } from '../../netfilter/model.js';
import { ownerNote, ownerOf } from '../owners.js';
import { TRACE_TABLE_PREFIX } from '../../netfilter/nft-trace.js';
import { pass, warn, type Check } from '../check.js';

/** What one chain holds that matters: rules, or a policy that is not the default accept. */
interface Holding {
  table: Table;
  chain: Chain;
}

function holds(c: Chain): boolean {
  return c.rules.length > 0 || c.policy === 'drop';
}

/** Chains with rules (or a drop policy), per backend. */
export function holdingsByBackend(tables: readonly Table[]): Map<Backend, Holding[]> {
  const out = new Map<Backend, Holding[]>();
  for (const table of tables) {
    // netdoctor's own temporary trace table (another check tracing right now) is nobody's firewall.
    if (table.backend === 'nft' && table.name.startsWith(TRACE_TABLE_PREFIX)) continue;
    for (const chain of table.chains.filter(holds)) {
      out.set(table.backend, [...(out.get(table.backend) ?? []), { table, chain }]);
    }
  }
  return out;
}

const SHOWN_RULES = 3;

function holdingLine(h: Holding): string {
  const { table, chain } = h;
  const n = chain.rules.length;
  const parts = [`${n} rule${n === 1 ? '' : 's'}`];
  if (chain.policy === 'drop') parts.push('policy DROP');
  const shown = chain.rules.slice(0, SHOWN_RULES).map((r) => `"${r.text}"`);
  if (n > SHOWN_RULES) shown.push(`... ${n - SHOWN_RULES} more`);
  const owner = ownerNote(ownerOf(table.name, chain.name));
  return `${table.backend} ${table.family} ${table.name} ${chain.name}${owner}: ${parts.join(', ')}${shown.length ? `: ${shown.join('; ')}` : ''}`;
}

function ruleCount(hs: readonly Holding[] | undefined): number {
  return (hs ?? []).reduce((n, h) => n + h.chain.rules.length, 0);
}

export const hostNetfilterBackends: Check = {
  id: 'host.netfilter-backends',
  title: 'Firewall rules live in one iptables backend',
  explanation:
    'iptables comes in two backends that share one command name: iptables-legacy (the old x_tables kernel tables) and iptables-nft (the same rules stored in nftables). ' +
    '`iptables --version` says which one your `iptables` is, and it lists only that backend\'s rules. The kernel runs both: a packet meets the legacy chains and the nftables chains (iptables-nft\'s and native nft\'s) one after the other, ' +
    'and a DROP in either one stops it, while an ACCEPT in one does not overrule the other. When both backends hold rules (typically a tool or an old script still using iptables-legacy next to Docker or firewalld using nftables), ' +
    'rules you cannot see with the command you use decide what happens. List both with `iptables-legacy-save` and `iptables-nft-save` (plus `nft list ruleset`), and move the rules into one backend.',
  requires: [],
  warnOnly: true,
  run({ snap }) {
    const by = holdingsByBackend(snap.host.netfilter.tables);
    const legacy = by.get('iptables-legacy') ?? [];
    const nfSide = (['iptables-nft', 'nft'] as const).filter((b) => (by.get(b) ?? []).length > 0);
    const evidence: string[] = [];
    for (const b of ['iptables-legacy', 'iptables-nft', 'nft'] as const) {
      const hs = by.get(b) ?? [];
      const source = snap.host.netfilterSources.find((s) => s.source === b);
      if (source?.status === 'absent') evidence.push(`${b}: not installed, not inspected`);
      else if (source?.status === 'error') evidence.push(`${b}: could not read${source.detail ? `: ${source.detail}` : ''}`);
      else if (!hs.length) evidence.push(`${b}: holds no rules`);
      else evidence.push(`${b}: ${ruleCount(hs)} rule${ruleCount(hs) === 1 ? '' : 's'} in ${hs.length} chain${hs.length === 1 ? '' : 's'}`, ...hs.map(holdingLine));
    }
    if (legacy.length && nfSide.length) {
      return warn(
        `rules live in both iptables-legacy and ${nfSide.join(' and ')}: each tool lists only its own, yet the kernel runs them all`,
        [...evidence, 'see both: iptables-legacy-save; iptables-nft-save; nft list ruleset'],
      );
    }
    const used = [...by.keys()];
    return pass(used.length ? `rules live only in ${used.join(' and ')}` : 'no firewall rules in any backend', evidence);
  },
};
