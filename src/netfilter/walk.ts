// Walk a packet through one base chain the way the kernel does: rules in order, jump pushes a
// return point, goto replaces the current chain (so its end returns to the caller's caller),
// `return` pops, and falling off the base chain applies its policy.
import { matchRule, type RuleMatch } from './match.js';
import type { Chain, Packet, Rule, Table } from './model.js';

export type TerminalVerdict = 'accept' | 'drop' | 'reject' | 'masquerade' | 'snat' | 'dnat';

export interface RuleAt {
  rule: Rule;
  /**
   * How the packet got to the rule: base chain first, then each chain jumped or gone to, ending
   * with the rule's own chain. A chain left by goto stays in the path, as evidence.
   */
  chainPath: string[];
}

export interface Visit extends RuleAt {
  match: RuleMatch;
}

export type WalkEnd =
  | { kind: 'rule'; verdict: TerminalVerdict; rule: Rule; chainPath: string[] }
  | { kind: 'policy'; policy: 'accept' | 'drop' };

export interface ChainWalk {
  end: WalkEnd;
  /** Every rule evaluated, in order. */
  visits: Visit[];
  /**
   * Rules passed over although they might have changed the outcome: a match that could not be
   * evaluated, an unknown target, or a jump/goto that cannot be followed (missing chain, loop).
   */
  passedOver: RuleAt[];
  /** Chains that were entered, by name. */
  entered: Set<string>;
  /** For chains left before their last rule: the rule that made the walk leave. */
  leftEarly: Map<string, RuleAt>;
  /** Walk-level trouble (step budget exhausted), one line each. */
  problems: string[];
}

/** The kernel refuses loops, but recorded/hand-written input may still contain one. */
const MAX_STEPS = 100_000;

interface Frame {
  chain: Chain;
  index: number;
  /** The chainPath of rules in this frame. */
  path: string[];
}

export function walkBaseChain(table: Table, base: Chain, pkt: Packet): ChainWalk {
  const chains = new Map(table.chains.map((c) => [c.name, c]));
  const walk: ChainWalk = {
    end: { kind: 'policy', policy: base.policy ?? 'accept' },
    visits: [],
    passedOver: [],
    entered: new Set([base.name]),
    leftEarly: new Map(),
    problems: [],
  };
  const frames: Frame[] = [{ chain: base, index: 0, path: [base.name] }];
  let steps = 0;

  while (frames.length > 0) {
    const top = frames[frames.length - 1] as Frame;
    const rule = top.chain.rules[top.index];
    if (rule === undefined) {
      frames.pop(); // end of a chain: implicit return (for the base chain: the policy)
      continue;
    }
    top.index++;
    if (++steps > MAX_STEPS) {
      walk.problems.push(`gave up after ${MAX_STEPS} rules in ${base.name} (jump loop?)`);
      break;
    }
    const chainPath = top.path;
    const match = matchRule(rule, pkt);
    walk.visits.push({ rule, chainPath, match });
    const v = rule.verdict;
    if (match.result === 'no' || v.kind === 'none') continue;
    if (match.result === 'maybe' || v.kind === 'unknown') {
      walk.passedOver.push({ rule, chainPath });
      continue;
    }
    switch (v.kind) {
      case 'return':
        walk.leftEarly.set(top.chain.name, { rule, chainPath });
        frames.pop();
        break;
      case 'jump':
      case 'goto': {
        const target = chains.get(v.target);
        if (!target || frames.some((f) => f.chain === target)) {
          walk.passedOver.push({ rule, chainPath });
          break;
        }
        if (v.kind === 'goto') {
          walk.leftEarly.set(top.chain.name, { rule, chainPath });
          frames.pop();
        }
        frames.push({ chain: target, index: 0, path: [...chainPath, target.name] });
        walk.entered.add(target.name);
        break;
      }
      default:
        for (const f of frames) walk.leftEarly.set(f.chain.name, { rule, chainPath });
        walk.end = { kind: 'rule', verdict: v.kind, rule, chainPath };
        return walk;
    }
  }
  return walk;
}

/** Chains reachable from `from` through jump/goto rules, with one path to each (static). */
export function reachableChains(table: Table, from: Chain): Map<string, string[]> {
  const chains = new Map(table.chains.map((c) => [c.name, c]));
  const paths = new Map<string, string[]>([[from.name, [from.name]]]);
  const queue: Chain[] = [from];
  for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
    const path = paths.get(c.name) ?? [c.name];
    for (const r of c.rules) {
      if (r.verdict.kind !== 'jump' && r.verdict.kind !== 'goto') continue;
      const target = chains.get(r.verdict.target);
      if (!target || paths.has(target.name)) continue;
      paths.set(target.name, [...path, target.name]);
      queue.push(target);
    }
  }
  return paths;
}
