// `nft -j list ruleset` (libnftables-json) -> the netfilter model, backend 'nft'.
import { parseToolJson } from '../parse/json-control.js';
import { compact, isRecord, num, soleKey, str } from './json.js';
import type { Chain, Family, Hook, Rule, Ruleset, Table } from './model.js';
import { decodeRule } from './nft-expr.js';
import { renderNftRule } from './render.js';

export interface NftJsonOptions {
  /** Leave out a whole table (e.g. one iptables-nft manages and iptables-nft-save showed). */
  skipTable?: (family: string, name: string) => boolean;
  /** Leave out single chains (the iptables-nft chains of a partially compatible table). */
  skipChain?: (family: string, table: string, chain: string) => boolean;
}

const FAMILIES = new Set<Family>(['ip', 'ip6', 'inet', 'bridge', 'arp', 'netdev']);
const HOOKS = new Set<Hook>(['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress']);
const CHAIN_TYPES = new Set<NonNullable<Chain['type']>>(['filter', 'nat', 'route']);

/** Symbolic priorities as nft may print them (`priority srcnat`); nft -j 1.0.6 prints numbers. */
const NAMED_PRIORITIES: Record<string, number> = {
  raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100, out: 100,
};

function isFamily(v: string | undefined): v is Family {
  return v !== undefined && FAMILIES.has(v as Family);
}

function priorityOf(v: unknown): number | undefined {
  const n = num(v);
  if (n !== undefined) return n;
  const s = str(v);
  return s !== undefined ? NAMED_PRIORITIES[s] : undefined;
}

interface TableState {
  table: Table;
  chains: Map<string, Chain>;
  sets: Map<string, unknown[]>;
}

const tableKey = (family: string, name: string) => `${family}\u0000${name}`;

export function parseNftJson(input: string | unknown, opts: NftJsonOptions = {}): Ruleset {
  const errors: string[] = [];
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = parseToolJson(input);
    } catch (e) {
      return { tables: [], errors: [`not JSON: ${e instanceof Error ? e.message : String(e)}`] };
    }
  }
  if (!isRecord(doc) || !Array.isArray(doc.nftables)) {
    return { tables: [], errors: ['no "nftables" array in the document'] };
  }
  const objects: unknown[] = doc.nftables;
  const tables = new Map<string, TableState>();
  const skipped = new Set<string>();

  const owner = (o: Record<string, unknown>, what: string): TableState | undefined => {
    const family = str(o.family);
    const name = str(o.table);
    if (family === undefined || name === undefined) {
      errors.push(`${what} without family/table: ${compact(o)}`);
      return undefined;
    }
    const key = tableKey(family, name);
    if (skipped.has(key)) return undefined;
    const t = tables.get(key);
    if (!t) errors.push(`${what} for unknown table ${family} ${name}`);
    return t;
  };

  // Pass 1: tables, chains, sets and maps, so rules can refer to any of them.
  for (const obj of objects) {
    const kv = soleKey(obj);
    if (!kv || !isRecord(kv[1])) {
      errors.push(`unreadable object: ${compact(obj)}`);
      continue;
    }
    const [kind, o] = kv;
    if (kind === 'table') {
      const family = str(o.family);
      const name = str(o.name);
      if (!isFamily(family) || name === undefined) {
        errors.push(`unreadable table: ${compact(o)}`);
        // Its chains, sets and rules would only repeat the error.
        if (family !== undefined && name !== undefined) skipped.add(tableKey(family, name));
        continue;
      }
      const key = tableKey(family, name);
      if (opts.skipTable?.(family, name)) {
        skipped.add(key);
        continue;
      }
      tables.set(key, { table: { backend: 'nft', family, name, chains: [] }, chains: new Map(), sets: new Map() });
    } else if (kind === 'chain') {
      const t = owner(o, 'chain');
      const name = str(o.name);
      if (!t) continue;
      if (name === undefined) {
        errors.push(`chain without a name: ${compact(o)}`);
        continue;
      }
      if (opts.skipChain?.(t.table.family, t.table.name, name)) continue;
      const chain = readChain(name, o, errors);
      t.table.chains.push(chain);
      t.chains.set(name, chain);
    } else if (kind === 'set' || kind === 'map') {
      const t = owner(o, kind);
      const name = str(o.name);
      // A set without "elem" is empty; dynamic sets are read as they are right now.
      if (t && name !== undefined) t.sets.set(name, Array.isArray(o.elem) ? o.elem : []);
    }
  }

  // Pass 2: rules.
  for (const obj of objects) {
    const kv = soleKey(obj);
    if (!kv || kv[0] !== 'rule' || !isRecord(kv[1])) continue;
    const o = kv[1];
    const t = owner(o, 'rule');
    const chainName = str(o.chain);
    if (!t || chainName === undefined) continue;
    const chain = t.chains.get(chainName);
    if (!chain) {
      if (!opts.skipChain?.(t.table.family, t.table.name, chainName)) {
        errors.push(`rule for unknown chain ${t.table.family} ${t.table.name} ${chainName}`);
      }
      continue;
    }
    chain.rules.push(...readRule(o, t));
  }

  return { tables: [...tables.values()].map((t) => t.table), errors };
}

function readChain(name: string, o: Record<string, unknown>, errors: string[]): Chain {
  const chain: Chain = { name, rules: [] };
  const hook = str(o.hook);
  if (hook === undefined) return chain;
  const where = `chain ${str(o.family) ?? '?'} ${str(o.table) ?? '?'} ${name}`;
  if (HOOKS.has(hook as Hook)) chain.hook = hook as Hook;
  else errors.push(`${where}: unknown hook ${hook}`);
  const type = str(o.type);
  if (type !== undefined && CHAIN_TYPES.has(type as NonNullable<Chain['type']>)) {
    chain.type = type as NonNullable<Chain['type']>;
  } else {
    errors.push(`${where}: unknown chain type ${String(type)}`);
  }
  const prio = priorityOf(o.prio);
  if (prio !== undefined) chain.priority = prio;
  else errors.push(`${where}: unreadable priority ${compact(o.prio)}`);
  // Base chains default to accept in the kernel.
  chain.policy = str(o.policy) === 'drop' ? 'drop' : 'accept';
  return chain;
}

/** One JSON rule -> one model rule (or several, when a verdict map is expanded). */
function readRule(o: Record<string, unknown>, t: TableState): Rule[] {
  const expr = Array.isArray(o.expr) ? o.expr : [];
  const comment = str(o.comment);
  const handle = num(o.handle);
  const text = renderNftRule(expr, comment);
  return decodeRule(expr, { family: t.table.family, sets: t.sets }).map((v) => {
    const rule: Rule = { text, matches: v.matches, verdict: v.verdict };
    if (handle !== undefined) rule.handle = handle;
    if (comment !== undefined) rule.comment = comment;
    return rule;
  });
}
