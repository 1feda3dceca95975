// libnftables-json rule expressions -> model matches and verdicts.
//
// Unknown expressions become `unknown` matches/verdicts carrying nft-syntax text, never errors:
// one odd statement must not hide the rest of a ruleset.
import { parseCidrSpec, parseRangeSpec } from './addr.js';
import { iptablesTargetVerdict } from './iptables-rule.js';
import { isRecord, num, soleKey, str } from './json.js';
import type { AddrSpec, Family, Match, Verdict } from './model.js';
import { icmpTypesFromNftValues, portsFromNftValues } from './ports.js';
import { renderExpr, renderMatch, renderStatement } from './render.js';

export interface ExprContext {
  family: Family;
  /** Elements of the table's named sets and maps, by name (without `@`). */
  sets: ReadonlyMap<string, readonly unknown[]>;
}

/** A rule usually decodes to one variant; a verdict map expands to one per map element. */
export interface RuleVariant {
  matches: Match[];
  verdict: Verdict;
}

/** Transport headers whose payload matches imply the protocol (nft adds that dependency). */
const TRANSPORT = new Set(['tcp', 'udp', 'udplite', 'sctp', 'dccp', 'icmp', 'igmp', 'esp', 'ah', 'comp', 'gre']);
const IPV6_HEADERS = new Set(['ip6', 'icmpv6']);
/** Transport headers with source and destination ports. */
const PORTED = new Set(['tcp', 'udp', 'udplite', 'sctp', 'dccp']);

/** Statements that neither match nor decide: evaluation goes on to the next statement/rule. */
const NO_OP_STATEMENTS = new Set([
  'counter', 'log', 'mangle', 'notrack', 'dup', 'set', 'map', 'flow', 'ct helper', 'ct timeout',
  'ct expectation', 'tproxy', 'secmark', 'last', 'continue',
]);

type Operand = { ok: true; values: unknown[] } | { ok: false };

/** Flatten a match's right-hand side to its elements, resolving `@set` references. */
function operandValues(right: unknown, ctx: ExprContext): Operand {
  if (typeof right === 'string' && right.startsWith('@')) {
    const elems = ctx.sets.get(right.slice(1));
    return elems ? { ok: true, values: elems.map(unwrapElem) } : { ok: false };
  }
  if (isRecord(right) && 'set' in right) {
    const set = right.set;
    return { ok: true, values: (Array.isArray(set) ? set : [set]).map(unwrapElem) };
  }
  if (Array.isArray(right)) return { ok: true, values: right.map(unwrapElem) };
  return { ok: true, values: [right] };
}

/** Set elements with timeouts/comments are wrapped as {"elem": {"val": X, ...}}. */
function unwrapElem(e: unknown): unknown {
  return isRecord(e) && isRecord(e.elem) && 'val' in e.elem ? e.elem.val : e;
}

function addrSpecs(values: unknown[]): AddrSpec[] | undefined {
  const out: AddrSpec[] = [];
  for (const v of values) {
    let spec: AddrSpec | undefined;
    if (typeof v === 'string') spec = parseCidrSpec(v);
    else if (isRecord(v) && isRecord(v.prefix)) {
      const addr = str(v.prefix.addr);
      const len = num(v.prefix.len);
      if (addr !== undefined && len !== undefined) spec = parseCidrSpec(`${addr}/${len}`);
    } else if (isRecord(v) && Array.isArray(v.range) && v.range.length === 2) {
      const [a, b] = v.range;
      if (typeof a === 'string' && typeof b === 'string') spec = parseRangeSpec(a, b);
    }
    if (!spec) return undefined;
    out.push(spec);
  }
  return out;
}

/** Plain strings only; `\*` (a literal asterisk) cannot be expressed in the model. */
function ifNames(values: unknown[]): string[] | undefined {
  const out: string[] = [];
  for (const v of values) {
    if (typeof v !== 'string' || v.includes('\\')) return undefined;
    out.push(v);
  }
  return out;
}

function words(values: unknown[]): string[] | undefined {
  const out: string[] = [];
  for (const v of values) {
    if (typeof v === 'string') out.push(v.toLowerCase());
    else if (typeof v === 'number') out.push(String(v));
    else return undefined;
  }
  return out;
}

/** Decode one {"match": ...}; may yield implied matches (nfproto, protocol) before it. */
export function decodeMatch(m: unknown, ctx: ExprContext): Match[] {
  const text = renderMatch(m);
  const unknown: Match = { kind: 'unknown', text };
  if (!isRecord(m)) return [unknown];
  const op = str(m.op) ?? '==';
  if (op !== '==' && op !== '!=' && op !== 'in') return [unknown];
  const negate = op === '!=';
  const left = m.left;
  const operand = operandValues(m.right, ctx);

  if (isRecord(left) && isRecord(left.payload)) {
    const protocol = str(left.payload.protocol);
    const field = str(left.payload.field);
    if (protocol === 'ip') {
      // In an inet table `ip ...` also means "IPv4 packets only".
      const implied: Match[] = ctx.family === 'inet' ? [{ kind: 'nfproto', family: 'ipv4' }] : [];
      if ((field === 'saddr' || field === 'daddr') && operand.ok) {
        const addrs = addrSpecs(operand.values);
        if (addrs) return [...implied, { kind: field, negate, addrs }];
      }
      if (field === 'protocol' && operand.ok) {
        const protocols = words(operand.values);
        if (protocols) return [...implied, { kind: 'protocol', negate, protocols }];
      }
      return [...implied, unknown];
    }
    if (protocol && IPV6_HEADERS.has(protocol)) return [{ kind: 'nfproto', family: 'ipv6' }, unknown];
    if (protocol && TRANSPORT.has(protocol)) {
      const implied: Match = { kind: 'protocol', negate: false, protocols: [protocol] };
      if ((field === 'sport' || field === 'dport') && PORTED.has(protocol) && operand.ok) {
        const ports = portsFromNftValues(operand.values);
        if (ports) return [implied, { kind: field, negate, ports }];
      }
      if (protocol === 'icmp' && field === 'type' && operand.ok) {
        const types = icmpTypesFromNftValues(operand.values);
        if (types) return [implied, { kind: 'icmptype', negate, types }];
      }
      return [implied, unknown];
    }
    return [unknown];
  }

  if (isRecord(left) && isRecord(left.meta)) {
    const key = str(left.meta.key);
    if ((key === 'iifname' || key === 'oifname' || key === 'iif' || key === 'oif') && operand.ok) {
      const names = ifNames(operand.values);
      // iif/oif compare interface indexes; nft -j prints them as names, which is what we have.
      const exact = key === 'iif' || key === 'oif';
      if (names && !(exact && names.some((n) => n.endsWith('*')))) {
        return [{ kind: key.startsWith('i') ? 'iifname' : 'oifname', negate, names }];
      }
    }
    if (key === 'l4proto' && operand.ok) {
      const protocols = words(operand.values);
      if (protocols) return [{ kind: 'protocol', negate, protocols }];
    }
    if ((key === 'nfproto' || key === 'protocol') && operand.ok && operand.values.length === 1) {
      // meta protocol is the ethertype (ip/ip6), meta nfproto the family (ipv4/ipv6).
      const v = operand.values[0];
      const v4 = v === 'ipv4' || (key === 'protocol' && v === 'ip');
      const v6 = v === 'ipv6' || (key === 'protocol' && v === 'ip6');
      if (v4 || v6) return [{ kind: 'nfproto', family: v4 !== negate ? 'ipv4' : 'ipv6' }];
    }
    return [unknown];
  }

  if (isRecord(left) && isRecord(left.ct) && str(left.ct.key) === 'state' && left.ct.dir === undefined && operand.ok) {
    const states = words(operand.values);
    if (states) return [{ kind: 'ctstate', negate, states }];
  }
  return [unknown];
}

/** A verdict object such as {"accept": null} or {"jump": {"target": "x"}}. */
export function decodeVerdict(v: unknown): Verdict | undefined {
  const kv = soleKey(v);
  if (!kv) return undefined;
  const [key, val] = kv;
  switch (key) {
    case 'accept':
    case 'drop':
    case 'return':
      return { kind: key };
    case 'continue':
      return { kind: 'none' };
    case 'jump':
    case 'goto': {
      const target = isRecord(val) ? str(val.target) : undefined;
      return target !== undefined ? { kind: key, target } : undefined;
    }
  }
  return undefined;
}

function natTo(v: unknown): string | undefined {
  if (!isRecord(v) || v.addr === undefined) return undefined;
  const addr = v.addr;
  let to: string | undefined;
  if (typeof addr === 'string') to = addr;
  else if (isRecord(addr) && Array.isArray(addr.range) && addr.range.every((x) => typeof x === 'string')) {
    to = addr.range.join('-');
  }
  if (to === undefined) return undefined;
  return v.port !== undefined ? `${to}:${renderExpr(v.port)}` : to;
}

type Decoded = { match: Match[] } | { verdict: Verdict } | { vmap: RuleVariant[] } | { none: true };

function decodeVmap(v: unknown, ctx: ExprContext, text: string): RuleVariant[] {
  const fallback: RuleVariant[] = [{ matches: [{ kind: 'unknown', text }], verdict: { kind: 'unknown', text } }];
  if (!isRecord(v)) return fallback;
  const data = v.data;
  let elems: readonly unknown[] | undefined;
  if (typeof data === 'string' && data.startsWith('@')) elems = ctx.sets.get(data.slice(1));
  else if (isRecord(data) && Array.isArray(data.set)) elems = data.set;
  if (!elems) return fallback;
  const variants: RuleVariant[] = [];
  for (const e of elems) {
    if (!Array.isArray(e) || e.length !== 2) return fallback;
    const verdict = decodeVerdict(e[1]);
    if (!verdict) return fallback;
    // Each element behaves like `KEY == ELEMENT VERDICT`; elements of a map never overlap.
    variants.push({ matches: decodeMatch({ op: '==', left: v.key, right: unwrapElem(e[0]) }, ctx), verdict });
  }
  return variants;
}

function decodeStatement(s: unknown, ctx: ExprContext): Decoded {
  const kv = soleKey(s);
  const text = renderStatement(s);
  if (!kv) return { match: [{ kind: 'unknown', text }] };
  const [key, v] = kv;
  if (key === 'match') return { match: decodeMatch(v, ctx) };
  const verdict = decodeVerdict(s);
  if (verdict) return { verdict };
  switch (key) {
    case 'reject': {
      const type = isRecord(v) ? str(v.type) : undefined;
      const code = isRecord(v) ? str(v.expr) : undefined;
      const w = type === 'tcp reset' ? 'tcp reset' : type && code ? `${type} ${code}` : undefined;
      return { verdict: w !== undefined ? { kind: 'reject', with: w } : { kind: 'reject' } };
    }
    case 'masquerade':
      return { verdict: { kind: 'masquerade' } };
    case 'snat':
    case 'dnat': {
      const to = natTo(v);
      return { verdict: to !== undefined ? { kind: key, to } : { kind: key } };
    }
    case 'redirect':
      return { verdict: { kind: 'dnat' } };
    case 'queue':
    case 'synproxy':
    case 'fwd':
      return { verdict: { kind: 'unknown', text } };
    case 'vmap':
      return { vmap: decodeVmap(v, ctx, text) };
    case 'xt': {
      const type = isRecord(v) ? str(v.type) : undefined;
      const name = isRecord(v) ? str(v.name) : undefined;
      // iptables-nft stores `-m comment` as an xt match; it always matches.
      if (type === 'match' && name === 'comment') return { none: true };
      if (type === 'target' && name) return { verdict: iptablesTargetVerdict(name, new Map(), text) };
      return { match: [{ kind: 'unknown', text }] };
    }
  }
  if (NO_OP_STATEMENTS.has(key)) return { none: true };
  // limit, quota, ct count, meter ... can stop the rule from matching, and so might anything
  // not known here: an unknown match makes the rule 'maybe' instead of silently matching.
  return { match: [{ kind: 'unknown', text }] };
}

/** Implied matches (nfproto, protocol) repeat when several statements imply them. */
function sameMatch(a: Match, b: Match): boolean {
  if (a.kind === 'nfproto' && b.kind === 'nfproto') return a.family === b.family;
  if (a.kind === 'protocol' && b.kind === 'protocol') {
    return a.negate === b.negate && a.protocols.join() === b.protocols.join();
  }
  return false;
}

/** Decode a rule's `expr` array into one or more (matches, verdict) variants. */
export function decodeRule(expr: readonly unknown[], ctx: ExprContext): RuleVariant[] {
  const matches: Match[] = [];
  let verdict: Verdict = { kind: 'none' };
  let vmap: RuleVariant[] | undefined;
  for (const s of expr) {
    const d = decodeStatement(s, ctx);
    if ('match' in d) {
      for (const m of d.match) if (!matches.some((x) => sameMatch(x, m))) matches.push(m);
    } else if ('verdict' in d) {
      // An unknown non-terminal target must not hide a real verdict that follows it.
      if (d.verdict.kind !== 'unknown' || verdict.kind === 'none') verdict = d.verdict;
    } else if ('vmap' in d) {
      vmap = d.vmap;
    }
  }
  if (!vmap) return [{ matches, verdict }];
  return vmap.map((v) => ({ matches: [...matches, ...v.matches], verdict: v.verdict }));
}
