// iptables-legacy rules are invisible to nft tracing. For them, "who dropped it" comes from
// packet counters: `iptables-legacy-save -c` before and after the probe, and the DROP/REJECT
// rule or DROP policy whose counter moved. Pure: two dumps in, the drop out.
import type { TraceDrop } from '../model/capture.js';
import { OWNER_NAMES, ownerNote, ownerOf } from '../diagnosis/owners.js';

export interface CounterEntry {
  table: string;
  chain: string;
  /** null: the chain's policy. Otherwise the rule's position in its chain (0-based). */
  index: number | null;
  /** The rule as iptables-save prints it (without counters), or the policy. */
  text: string;
  target: string | null;
  packets: number;
}

export function parseSaveCounters(text: string): CounterEntry[] {
  const out: CounterEntry[] = [];
  const perChain = new Map<string, number>();
  let table = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      table = line.slice(1);
      continue;
    }
    const policy = /^:(\S+) (\S+) \[(\d+):\d+\]/.exec(line);
    if (policy) {
      if (policy[2] !== '-') out.push({ table, chain: policy[1]!, index: null, text: policy[2]!, target: policy[2]!, packets: Number(policy[3]) });
      continue;
    }
    const rule = /^\[(\d+):\d+\] (-A (\S+) .*)$/.exec(line);
    if (rule) {
      const chain = rule[3]!;
      const key = `${table} ${chain}`;
      const index = perChain.get(key) ?? 0;
      perChain.set(key, index + 1);
      const target = / -j (\S+)/.exec(rule[2]!)?.[1] ?? null;
      out.push({ table, chain, index, text: rule[2]!, target, packets: Number(rule[1]) });
    }
  }
  return out;
}

const DROPS = new Set(['DROP', 'REJECT']);

/** The DROP/REJECT rule or DROP policy whose packet counter grew the most during the probe. */
export function legacyDrop(before: string, after: string): TraceDrop | null {
  const old = new Map(parseSaveCounters(before).map((e) => [`${e.table} ${e.chain} ${e.index ?? 'policy'} ${e.text}`, e.packets]));
  let best: { e: CounterEntry; grew: number } | null = null;
  for (const e of parseSaveCounters(after)) {
    if (!e.target || !DROPS.has(e.target)) continue;
    const grew = e.packets - (old.get(`${e.table} ${e.chain} ${e.index ?? 'policy'} ${e.text}`) ?? 0);
    if (grew > 0 && (!best || grew > best.grew)) best = { e, grew };
  }
  if (!best) return null;
  const { e } = best;
  const own = ownerOf(e.table, e.chain);
  // A built-in chain's policy belongs to nobody in particular; the software whose chains it
  // jumps to usually set it (Docker sets FORWARD's policy to DROP).
  const jumpedTo = parseSaveCounters(after)
    .filter((x) => x.table === e.table && x.chain === e.chain && x.index !== null && x.target)
    .map((x) => ownerOf(x.table, x.target!))
    .find((o) => o !== null) ?? null;
  const owner = own ?? (e.index === null ? jumpedTo : null);
  const where = `iptables-legacy ${e.table} ${e.chain}`;
  const what = e.index === null ? `the ${where} chain's policy (DROP)` : `rule ${e.index + 1} of ${where} (${e.text})`;
  const whose = own ? ownerNote(own) : owner ? ` (likely set by ${OWNER_NAMES[owner]}, whose chains it jumps to)` : '';
  return {
    source: 'iptables-legacy-counters',
    family: 'ip',
    table: e.table,
    chain: e.chain,
    kind: e.index === null ? 'policy' : 'rule',
    verdict: e.target === 'REJECT' ? 'reject' : 'drop',
    rule: e.index === null ? null : e.text,
    handle: null,
    owner,
    direction: null,
    summary: `${what}${whose}, by its packet counter`,
  };
}
