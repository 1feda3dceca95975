// Render libnftables-json rule expressions back to nft syntax, close to what `nft list ruleset`
// prints, so evidence shows users a rule they recognise. Anything not understood falls back to
// compact JSON rather than being dropped or guessed at.
import { compact, isRecord, num, soleKey, str } from './json.js';

/** meta keys that nft prints without the `meta` prefix. */
const BARE_META_KEYS = new Set(['iif', 'oif', 'iifname', 'oifname', 'iiftype', 'oiftype', 'skuid', 'skgid']);

/** Keys whose string operands are interface names, which nft prints in double quotes. */
const IFNAME_META_KEYS = new Set(['iif', 'oif', 'iifname', 'oifname']);

const BINARY_OPS = new Set(['&', '|', '^', '<<', '>>']);

const SIMPLE_VERDICTS = new Set(['accept', 'drop', 'continue', 'return']);

/** True when the values compared against this expression are interface names. */
export function isIfnameExpr(e: unknown): boolean {
  const meta = isRecord(e) && isRecord(e.meta) ? str(e.meta.key) : undefined;
  return meta !== undefined && IFNAME_META_KEYS.has(meta);
}

/** Render one expression (a match operand, set, prefix, verdict in a map ...). */
export function renderExpr(e: unknown, quote = false): string {
  if (typeof e === 'string') return quote && !e.startsWith('@') ? `"${e.replace(/["\\]/g, '\\$&')}"` : e;
  if (typeof e === 'number' || typeof e === 'boolean') return String(e);
  if (Array.isArray(e)) return e.map((x) => renderExpr(x, quote)).join(',');
  const kv = soleKey(e);
  if (!kv) return compact(e);
  const [key, val] = kv;
  if (SIMPLE_VERDICTS.has(key) && val === null) return key;
  if (!isRecord(val) && !Array.isArray(val)) return compact(e);
  switch (key) {
    case 'payload': {
      if (!isRecord(val)) break;
      const protocol = str(val.protocol);
      const field = str(val.field);
      if (protocol && field) return `${protocol} ${field}`;
      const base = str(val.base);
      if (base !== undefined) return `@${base},${num(val.offset) ?? '?'},${num(val.len) ?? '?'}`;
      break;
    }
    case 'meta': {
      if (!isRecord(val)) break;
      const k = str(val.key);
      if (k) return BARE_META_KEYS.has(k) ? k : `meta ${k}`;
      break;
    }
    case 'ct': {
      if (!isRecord(val)) break;
      const k = str(val.key);
      const dir = str(val.dir);
      if (k) return dir ? `ct ${dir} ${k}` : `ct ${k}`;
      break;
    }
    case 'fib': {
      if (!isRecord(val)) break;
      const flags = Array.isArray(val.flags) ? val.flags.filter((f): f is string => typeof f === 'string') : [];
      const result = str(val.result);
      if (result) return `fib ${flags.join(' . ')} ${result}`;
      break;
    }
    case 'prefix': {
      if (!isRecord(val)) break;
      const addr = str(val.addr);
      const len = num(val.len);
      if (addr !== undefined && len !== undefined) return `${addr}/${len}`;
      break;
    }
    case 'range':
      if (Array.isArray(val) && val.length === 2) return `${renderExpr(val[0], quote)}-${renderExpr(val[1], quote)}`;
      break;
    case 'set':
      if (Array.isArray(val)) return `{ ${val.map((x) => renderSetElem(x, quote)).join(', ')} }`;
      return `{ ${renderSetElem(val, quote)} }`;
    case 'concat':
      if (Array.isArray(val)) return val.map((x) => renderExpr(x, quote)).join(' . ');
      break;
    case 'elem':
      if (isRecord(val)) return renderExpr(val.val, quote);
      break;
    case 'map':
      if (isRecord(val)) return `${renderExpr(val.key)} map ${renderExpr(val.data)}`;
      break;
    case 'jump':
    case 'goto':
      if (isRecord(val) && str(val.target)) return `${key} ${str(val.target)}`;
      break;
    default:
      if (BINARY_OPS.has(key) && Array.isArray(val) && val.length === 2) {
        return `${renderExpr(val[0], quote)} ${key} ${renderExpr(val[1], quote)}`;
      }
  }
  return compact(e);
}

function renderSetElem(x: unknown, quote: boolean): string {
  // Map elements are [key, value] pairs: `"eth0" : accept`.
  if (Array.isArray(x) && x.length === 2) return `${renderExpr(x[0], quote)} : ${renderExpr(x[1])}`;
  return renderExpr(x, quote);
}

/** `left op right` as nft prints it: `==` and `in` are implicit. */
export function renderMatch(m: unknown): string {
  if (!isRecord(m)) return compact({ match: m });
  const op = str(m.op) ?? '==';
  const quote = isIfnameExpr(m.left);
  // nft spells out `==` after a bitwise expression (`meta mark & 0xff == 0x1`).
  const binary = soleKey(m.left) !== undefined && BINARY_OPS.has((soleKey(m.left) as [string, unknown])[0]);
  const shownOp = (op === '==' && !binary) || op === 'in' ? '' : `${op} `;
  return `${renderExpr(m.left)} ${shownOp}${renderExpr(m.right, quote)}`;
}

function renderNat(kind: string, v: unknown): string {
  if (v === null) return kind;
  if (!isRecord(v)) return compact({ [kind]: v });
  const parts: string[] = [kind];
  const family = str(v.family);
  if (family) parts.push(family);
  if (v.addr !== undefined || v.port !== undefined) {
    const addr = v.addr !== undefined ? renderExpr(v.addr) : '';
    const port = v.port !== undefined ? `:${renderExpr(v.port)}` : '';
    parts.push('to', `${addr}${port}`);
  }
  if (Array.isArray(v.flags)) parts.push(...v.flags.filter((f): f is string => typeof f === 'string'));
  else if (typeof v.flags === 'string') parts.push(v.flags);
  return parts.join(' ');
}

/** Render one rule statement (match, verdict, counter, log, nat ...). */
export function renderStatement(s: unknown): string {
  const kv = soleKey(s);
  if (!kv) return compact(s);
  const [key, v] = kv;
  if (SIMPLE_VERDICTS.has(key) && v === null) return key;
  switch (key) {
    case 'match':
      return renderMatch(v);
    case 'jump':
    case 'goto':
      return renderExpr(s);
    case 'counter':
      return 'counter';
    case 'log': {
      if (v === null) return 'log';
      if (!isRecord(v)) break;
      const parts = ['log'];
      const prefix = str(v.prefix);
      if (prefix !== undefined) parts.push(`prefix ${renderExpr(prefix, true)}`);
      const level = str(v.level);
      if (level !== undefined) parts.push(`level ${level}`);
      const group = num(v.group);
      if (group !== undefined) parts.push(`group ${group}`);
      return parts.join(' ');
    }
    case 'limit': {
      if (!isRecord(v)) break;
      const rate = num(v.rate);
      const per = str(v.per);
      if (rate === undefined || per === undefined) break;
      const unit = str(v.rate_unit);
      const over = v.inv === true ? 'over ' : '';
      return `limit rate ${over}${rate}${unit && unit !== 'packets' ? ` ${unit}` : ''}/${per}`;
    }
    case 'reject': {
      if (v === null) return 'reject';
      if (!isRecord(v)) break;
      const type = str(v.type);
      const code = str(v.expr);
      if (type === 'tcp reset') return 'reject with tcp reset';
      if (type && code) return `reject with ${type} ${code}`;
      return 'reject';
    }
    case 'masquerade':
    case 'snat':
    case 'dnat':
    case 'redirect':
      return renderNat(key, v);
    case 'xt':
      if (isRecord(v) && str(v.type) && str(v.name)) return `xt ${str(v.type)} ${str(v.name)}`;
      break;
    case 'mangle':
      if (isRecord(v)) return `${renderExpr(v.key)} set ${renderExpr(v.value)}`;
      break;
    case 'vmap':
      if (isRecord(v)) return `${renderExpr(v.key)} vmap ${renderExpr(v.data, isIfnameExpr(v.key))}`;
      break;
    case 'notrack':
      return 'notrack';
    case 'queue':
      if (isRecord(v) && v.num !== undefined) return `queue num ${renderExpr(v.num)}`;
      return 'queue';
  }
  return compact(s);
}

/** A whole rule, e.g. `iifname "br0" ip saddr 192.168.0.0/16 accept comment "hi"`. */
export function renderNftRule(expr: readonly unknown[], comment?: string): string {
  const body = expr.map(renderStatement).join(' ');
  return comment !== undefined ? `${body} comment ${renderExpr(comment, true)}` : body;
}
