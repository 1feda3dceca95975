// A fix plan (argv lines + undo lines, as the checks produce it) split into actions: one
// command each, with its own undo and, where adding twice would duplicate something, a way to
// tell that it is already there. Pure: nothing is run here.
//
// Convention for plans (src/model/result.ts): when a plan has as many undo lines as commands,
// undo[i] reverts commands[i]; otherwise the whole undo list reverts the plan and belongs to
// its first command (e.g. deleting one end of a veth pair removes both ends, however far the
// plan got).
import type { FixPlan } from '../model/result.js';
import type { StepId } from '../diagnosis/steps.js';

/** How to tell, before running an action, that what it adds is already there. */
export type Existence =
  /** The argv exits 0 exactly when the thing exists (`iptables -C`, `nft list table`). */
  | { kind: 'argv-succeeds'; argv: string[] }
  /** An nft rule: list the chain with handles and look for the same rule text. */
  | { kind: 'nft-rule'; listArgv: string[]; ruleText: string }
  /** A named network namespace (/run/netns/NAME). */
  | { kind: 'netns'; name: string };

export interface FixAction {
  step: StepId;
  title: string;
  argv: string[];
  /** Lines that revert this action (run in order). */
  undo: string[][];
  /** null: nothing to look up; the command is safe to run as it is (links, addresses, sysctls). */
  exists: Existence | null;
  /**
   * nft deletes a rule only by its handle, which exists once the rule does: the action runs with
   * `--echo --handle` and its undo is completed from the handle nft prints.
   */
  nftRule: NftRuleRef | null;
  /**
   * iptables-nft creates its table (`ip nat`, `ip filter`) on first use. When it was absent
   * before, undo removes it again once it holds no rules, so the ruleset is restored exactly.
   */
  createsTable: { probe: string[]; cleanup: TableCleanup } | null;
}

/**
 * An nft rule netdoctor adds, as undo can find it again without its handle (netdoctor killed
 * before it recorded the handle, or nft printed none): the chain, the exact rule text (it carries
 * the netdoctor comment), and whether it went to the top of the chain (insert) or the end (add).
 */
export interface NftRuleRef {
  prefix: string[];
  family: string;
  table: string;
  chain: string;
  ruleText: string;
  at: 'top' | 'end';
}

/** Remove an nft table after undo, but only if it holds no rules (it may have gained others'). */
export interface TableCleanup {
  list: string[];
  remove: string[];
}

/** `ip netns exec NS` in front of a command: kept for every derived argv, so it runs in the same place. */
export function splitExecPrefix(argv: string[]): { prefix: string[]; inner: string[] } {
  if (argv[0] === 'ip' && argv[1] === 'netns' && argv[2] === 'exec' && argv.length > 4) {
    return { prefix: argv.slice(0, 4), inner: argv.slice(4) };
  }
  return { prefix: [], inner: argv };
}

const IPTABLES = /^(iptables|iptables-nft|iptables-legacy)$/;

/** Unquote what nft prints back unquoted-or-quoted the same way: the rule text as nft lists it. */
export function nftRuleText(args: string[]): string {
  return args.join(' ');
}

interface Derived {
  exists: Existence | null;
  undo: string[][] | null; // null: take the plan's undo
  nftRule: FixAction['nftRule'];
  createsTable?: FixAction['createsTable'];
}

/** What a single command is, for the commands netdoctor's checks emit. */
export function deriveAction(argv: string[]): Derived {
  const { prefix, inner } = splitExecPrefix(argv);
  const [bin, ...rest] = inner;
  if (bin && IPTABLES.test(bin)) {
    // [-t TABLE] -I|-A CHAIN spec...
    let i = 0;
    const table: string[] = [];
    if (rest[0] === '-t' && rest[1]) {
      table.push('-t', rest[1]);
      i = 2;
    }
    const op = rest[i];
    const chain = rest[i + 1];
    if ((op === '-I' || op === '-A') && chain) {
      // `-I CHAIN N spec`: a rule number is not part of the rule.
      let specStart = i + 2;
      if (op === '-I' && /^\d+$/.test(rest[specStart] ?? '')) specStart++;
      const spec = rest.slice(specStart);
      const tableName = table[1] ?? 'filter';
      const nftTable = ['ip', tableName];
      return {
        exists: { kind: 'argv-succeeds', argv: [...prefix, bin, ...table, '-C', chain, ...spec] },
        undo: [[...prefix, bin, ...table, '-D', chain, ...spec]],
        nftRule: null,
        createsTable:
          bin === 'iptables-nft'
            ? {
                probe: [...prefix, 'nft', 'list', 'table', ...nftTable],
                cleanup: { list: [...prefix, 'nft', '-j', 'list', 'table', ...nftTable], remove: [...prefix, 'nft', 'delete', 'table', ...nftTable] },
              }
            : null,
      };
    }
  }
  if (bin === 'nft') {
    const [verb, obj, family, table, chain, ...ruleArgs] = rest;
    if (verb === 'add' && obj === 'table' && family && table) {
      return {
        exists: { kind: 'argv-succeeds', argv: [...prefix, 'nft', 'list', 'table', family, table] },
        undo: [[...prefix, 'nft', 'delete', 'table', family, table]],
        nftRule: null,
      };
    }
    if (verb === 'add' && obj === 'chain' && family && table && chain) {
      return {
        exists: { kind: 'argv-succeeds', argv: [...prefix, 'nft', 'list', 'chain', family, table, chain] },
        undo: [[...prefix, 'nft', 'delete', 'chain', family, table, chain]],
        nftRule: null,
      };
    }
    if ((verb === 'add' || verb === 'insert') && obj === 'rule' && family && table && chain) {
      return {
        exists: { kind: 'nft-rule', listArgv: [...prefix, 'nft', '-a', 'list', 'chain', family, table, chain], ruleText: nftRuleText(ruleArgs) },
        undo: [], // completed from the handle when applied
        nftRule: { prefix, family, table, chain, ruleText: nftRuleText(ruleArgs), at: verb === 'insert' ? 'top' : 'end' },
      };
    }
  }
  if (bin === 'ip' && rest[0] === 'netns' && rest[1] === 'add' && rest[2] && !prefix.length) {
    return { exists: { kind: 'netns', name: rest[2] }, undo: null, nftRule: null };
  }
  return { exists: null, undo: null, nftRule: null };
}

/** A plan as actions, in order. */
export function planActions(step: StepId, plan: FixPlan): FixAction[] {
  const paired = plan.undo.length === plan.commands.length;
  return plan.commands.map((argv, i) => {
    const d = deriveAction(argv);
    const planUndo = paired ? [plan.undo[i]!] : i === 0 ? plan.undo : [];
    return { step, title: plan.title, argv, undo: d.undo ?? planUndo, exists: d.exists, nftRule: d.nftRule, createsTable: d.createsTable ?? null };
  });
}

/** The argv that applies an nft rule and prints its handle. */
export function withEchoHandle(argv: string[]): string[] {
  const { prefix, inner } = splitExecPrefix(argv);
  return [...prefix, 'nft', '--echo', '--handle', ...inner.slice(1)];
}

/** The handle nft printed for the rule it just added (`... # handle 7`). */
export function parseEchoedHandle(stdout: string): number | null {
  const m = /#\s*handle\s+(\d+)/.exec(stdout);
  return m ? Number(m[1]) : null;
}

/** `nft -a list chain ...` for the chain of `r`: where undo looks the rule up. */
export function nftListChain(r: NftRuleRef): string[] {
  return [...r.prefix, 'nft', '-a', 'list', 'chain', r.family, r.table, r.chain];
}

export function nftDeleteByHandle(r: Pick<NftRuleRef, 'prefix' | 'family' | 'table' | 'chain'>, handle: number): string[] {
  return [...r.prefix, 'nft', 'delete', 'rule', r.family, r.table, r.chain, 'handle', String(handle)];
}

/** Does `nft -j list table` output hold any rule? (Unreadable output counts as yes: keep the table.) */
export function nftTableHasRules(json: string): boolean {
  try {
    const doc = JSON.parse(json) as { nftables?: Record<string, unknown>[] };
    if (!Array.isArray(doc.nftables)) return true;
    return doc.nftables.some((o) => 'rule' in o);
  } catch {
    return true;
  }
}
