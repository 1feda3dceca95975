// Walk an IPv4 packet through every backend's base chains on one hook, as the kernel does:
// all base chains registered on the hook run in priority order, whichever table or tool
// (iptables-nft, iptables-legacy, nft) created them.
import { chainLabel, type Backend, type Chain, type Family, type Hook, type Packet, type Rule, type Ruleset, type Table } from './model.js';
import { reachableChains, walkBaseChain, type ChainWalk, type RuleAt, type TerminalVerdict, type Visit } from './walk.js';

export { matchRule, type RuleMatch, type Tri } from './match.js';

export interface ChainOutcome {
  backend: Backend;
  family: Family;
  table: string;
  chain: string;
  hook: Hook;
  priority: number;
  verdict: 'accept' | 'drop' | 'reject';
  decidedBy: { kind: 'rule'; rule: Rule; chainPath: string[] } | { kind: 'policy'; policy: 'accept' | 'drop' };
  /** Rules passed over because a match could not be evaluated (or their target is unknown). */
  maybe: { rule: Rule; chainPath: string[] }[];
  /** Present only when the walk itself had trouble (e.g. a jump loop in hand-made input). */
  problems?: string[];
}

export interface FilterOutcome {
  verdict: 'accept' | 'drop';
  /** The base chains evaluated, in order; evaluation stops at the first drop/reject. */
  chains: ChainOutcome[];
  droppedBy: ChainOutcome | null;
  /** Base chains on the same hook in bridge/netdev tables: they see frames, not this IPv4 path. */
  ignored: string[];
}

export interface NatCandidate {
  backend: Backend;
  family: Family;
  table: string;
  chainPath: string[];
  rule: Rule;
  reason: string;
}

export interface NatOutcome {
  result: 'masquerade' | 'snat' | 'none' | 'drop';
  /** The rule that translates (reason: why it applies), or the rule that dropped. */
  by: NatCandidate | null;
  /** Every masquerade/snat rule on the hook that did not apply, and why. */
  notApplied: NatCandidate[];
  /** Masquerade/snat rules whose match could not be evaluated (passed over). */
  maybe: NatCandidate[];
  /**
   * A DNAT/REDIRECT rule that translated the packet on this hook. The kernel then skips the
   * hook's remaining nat chains; `result` stays 'none' (no source NAT happened here).
   */
  dnat?: NatCandidate;
  /** "iptables-nft ip nat POSTROUTING" when a nat base chain's policy drop ended it. */
  droppedByPolicy?: string;
}

interface BaseChain {
  table: Table;
  chain: Chain;
}

const IPV4_FAMILIES = new Set<Family>(['ip', 'inet']);
const FRAME_FAMILIES = new Set<Family>(['bridge', 'netdev']);

/** Base chains of the given types on a hook, in priority order (ties keep input order). */
function baseChainsOn(rs: Ruleset, hook: Hook, types: ReadonlySet<string>): BaseChain[] {
  const out: BaseChain[] = [];
  for (const table of rs.tables) {
    if (!IPV4_FAMILIES.has(table.family)) continue;
    for (const chain of table.chains) {
      if (chain.hook === hook && types.has(chain.type ?? 'filter')) out.push({ table, chain });
    }
  }
  // Array.prototype.sort is stable, so equal priorities keep table/chain order.
  return out.sort((a, b) => (a.chain.priority ?? 0) - (b.chain.priority ?? 0));
}

const FILTER_TYPES = new Set(['filter', 'route']);
const NAT_TYPES = new Set(['nat']);

function chainOutcome(b: BaseChain, hook: Hook, walk: ChainWalk): ChainOutcome {
  const { table, chain } = b;
  const end = walk.end;
  let verdict: ChainOutcome['verdict'];
  let decidedBy: ChainOutcome['decidedBy'];
  if (end.kind === 'policy') {
    verdict = end.policy;
    decidedBy = { kind: 'policy', policy: end.policy };
  } else {
    // NAT statements accept the packet; they cannot appear in filter chains anyway.
    verdict = end.verdict === 'drop' || end.verdict === 'reject' ? end.verdict : 'accept';
    decidedBy = { kind: 'rule', rule: end.rule, chainPath: end.chainPath };
  }
  const outcome: ChainOutcome = {
    backend: table.backend,
    family: table.family,
    table: table.name,
    chain: chain.name,
    hook,
    priority: chain.priority ?? 0,
    verdict,
    decidedBy,
    maybe: walk.passedOver,
  };
  if (walk.problems.length > 0) outcome.problems = walk.problems;
  return outcome;
}

/**
 * Filter verdict for a packet at a hook. An accept ends only its own base chain: the packet
 * still meets every later base chain, so a drop anywhere wins over accepts elsewhere.
 */
export function evaluateFilterHook(rs: Ruleset, hook: Hook, pkt: Packet): FilterOutcome {
  const chains: ChainOutcome[] = [];
  let droppedBy: ChainOutcome | null = null;
  for (const b of baseChainsOn(rs, hook, FILTER_TYPES)) {
    const outcome = chainOutcome(b, hook, walkBaseChain(b.table, b.chain, pkt));
    chains.push(outcome);
    if (outcome.verdict !== 'accept') {
      droppedBy = outcome;
      break;
    }
  }
  const ignored = rs.tables
    .filter((t) => FRAME_FAMILIES.has(t.family))
    .flatMap((t) => t.chains.filter((c) => c.hook === hook).map((c) => chainLabel(t, c.name)));
  return { verdict: droppedBy ? 'drop' : 'accept', chains, droppedBy, ignored };
}

function candidate(table: Table, at: RuleAt, reason: string): NatCandidate {
  return { backend: table.backend, family: table.family, table: table.name, chainPath: at.chainPath, rule: at.rule, reason };
}

function verdictWord(rule: Rule): string {
  const v = rule.verdict;
  return v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.target}` : v.kind;
}

const DONE_VERB: Record<Exclude<TerminalVerdict, 'accept'>, string> = {
  masquerade: 'masqueraded',
  snat: 'source-NATed (SNAT)',
  dnat: 'destination-NATed (DNAT)',
  drop: 'dropped',
  reject: 'dropped',
};

/** What ended NAT evaluation on the hook, for "not reached" reasons. */
interface Stopper {
  rule?: Rule;
  already: string;
}

interface NatWalk extends BaseChain {
  walk: ChainWalk;
}

/**
 * Source NAT for a new connection's first packet at a hook (usually postrouting). nat base chains
 * run in priority order; the first masquerade/snat the packet reaches and matches wins. An accept
 * (rule, return from the base chain, or accept policy) only ends that chain and the next nat
 * chain is consulted (nf_nat_inet_fn); a drop ends it all. NAT chains only see a connection's
 * first packet: callers decide whether that applies to their packet (pkt.ctstate is ignored).
 */
export function evaluateNatHook(
  rs: Ruleset,
  hook: 'postrouting' | 'prerouting' | 'output' | 'input',
  pkt: Packet,
): NatOutcome {
  const outcome: NatOutcome = { result: 'none', by: null, notApplied: [], maybe: [] };
  const bases = baseChainsOn(rs, hook, NAT_TYPES);
  const walks: NatWalk[] = [];
  let stopper: Stopper | undefined;

  for (const b of bases) {
    const walk = walkBaseChain(b.table, b.chain, pkt);
    walks.push({ ...b, walk });
    const end = walk.end;
    if (end.kind === 'policy') {
      if (end.policy === 'accept') continue;
      outcome.result = 'drop';
      outcome.droppedByPolicy = chainLabel(b.table, b.chain.name);
      stopper = { already: `the packet was already dropped by the policy of ${outcome.droppedByPolicy}` };
      break;
    }
    if (end.verdict === 'accept') continue;
    const at: RuleAt = { rule: end.rule, chainPath: end.chainPath };
    const why = matchReasons(walk.visits, end.rule);
    const label = chainLabel(b.table, end.chainPath[end.chainPath.length - 1] ?? b.chain.name);
    stopper = { rule: end.rule, already: `the packet was already ${DONE_VERB[end.verdict]} by ${label}: ${end.rule.text}` };
    if (end.verdict === 'masquerade' || end.verdict === 'snat') {
      outcome.result = end.verdict;
      outcome.by = candidate(b.table, at, why);
    } else if (end.verdict === 'dnat') {
      outcome.dnat = candidate(b.table, at, why);
    } else {
      outcome.result = 'drop';
      outcome.by = candidate(b.table, at, `dropped: ${why}`);
    }
    break;
  }

  for (const c of natCandidates(bases)) {
    if (outcome.by?.rule === c.rule) continue;
    const visit = firstVisit(walks, c.rule);
    if (visit?.match.result === 'maybe') {
      outcome.maybe.push(candidate(c.table, visit, `could not evaluate: ${visit.match.reasons.join('; ')}`));
    } else if (visit?.match.result === 'no') {
      outcome.notApplied.push(candidate(c.table, visit, visit.match.reasons[0] ?? 'does not match'));
    } else if (!visit) {
      const via = uncertainEntry(c, walks);
      if (via) outcome.maybe.push(candidate(c.table, c, `reached only through a rule that could not be evaluated: ${via.text}`));
      else outcome.notApplied.push(candidate(c.table, c, notReached(c, walks, stopper)));
    }
  }
  return outcome;
}

/** Why the rule that ended a walk matched (its last visit: a chain may be entered twice). */
function matchReasons(visits: readonly Visit[], rule: Rule): string {
  const v = visits.filter((x) => x.rule === rule).pop();
  return v ? v.match.reasons.join('; ') : 'matches';
}

function firstVisit(walks: readonly NatWalk[], rule: Rule): Visit | undefined {
  for (const w of walks) {
    const v = w.walk.visits.find((x) => x.rule === rule);
    if (v) return v;
  }
  return undefined;
}

interface StaticCandidate extends RuleAt {
  table: Table;
  chain: Chain;
}

/** Every masquerade/snat rule in the nat chains on the hook or reachable from them. */
function natCandidates(bases: readonly BaseChain[]): StaticCandidate[] {
  const out: StaticCandidate[] = [];
  const seen = new Set<Rule>();
  for (const b of bases) {
    const byName = new Map(b.table.chains.map((c) => [c.name, c]));
    for (const [name, chainPath] of reachableChains(b.table, b.chain)) {
      const chain = byName.get(name);
      for (const rule of chain?.rules ?? []) {
        if (!chain || seen.has(rule)) continue;
        if (rule.verdict.kind !== 'masquerade' && rule.verdict.kind !== 'snat') continue;
        seen.add(rule);
        out.push({ table: b.table, chain, rule, chainPath });
      }
    }
  }
  return out;
}

/** A passed-over (maybe) jump/goto into the candidate's chain, if there was one. */
function uncertainEntry(c: StaticCandidate, walks: readonly NatWalk[]): Rule | undefined {
  for (const w of walks) {
    if (w.table !== c.table) continue;
    for (const { rule } of w.walk.passedOver) {
      const v = rule.verdict;
      if ((v.kind === 'jump' || v.kind === 'goto') && v.target === c.chain.name) return rule;
    }
  }
  return undefined;
}

/** Why a masquerade/snat rule was never evaluated for this packet. */
function notReached(
  c: StaticCandidate,
  walks: readonly NatWalk[],
  stopper: Stopper | undefined,
): string {
  // The last walk of this table that entered the rule's chain tells what cut the chain short.
  const entered = walks.filter((w) => w.table === c.table && w.walk.entered.has(c.chain.name)).pop();
  if (entered) {
    const early = entered.walk.leftEarly.get(c.chain.name);
    if (early && early.rule === stopper?.rule) return `not reached: ${stopper.already}`;
    if (early) {
      return `not reached: an earlier rule ended ${chainLabel(c.table, c.chain.name)} first (${verdictWord(early.rule)}): ${early.rule.text}`;
    }
    return 'not reached';
  }
  if (stopper) return `not reached: ${stopper.already}`;
  const missed = walks
    .filter((w) => w.table === c.table)
    .flatMap((w) => w.walk.visits)
    .find((v) => (v.rule.verdict.kind === 'jump' || v.rule.verdict.kind === 'goto') && v.rule.verdict.target === c.chain.name);
  if (missed) return `not reached: the ${verdictWord(missed.rule)} does not apply (${missed.match.reasons[0] ?? 'no match'}): ${missed.rule.text}`;
  return `not reached: no rule jumped to ${chainLabel(c.table, c.chain.name)} for this packet`;
}
