// Transport ports and ICMP types as rules write them (iptables-save text, nft -j values), parsed
// into the model's numeric form. Anything unreadable is undefined, so callers keep the match as
// `unknown` (maybe) instead of guessing.

/** ICMPv4 type names both iptables and nft accept, plus iptables' aliases. */
const ICMP_TYPES: Record<string, number> = {
  'echo-reply': 0, pong: 0, 'destination-unreachable': 3, 'source-quench': 4, redirect: 5,
  'echo-request': 8, ping: 8, 'router-advertisement': 9, 'router-solicitation': 10,
  'time-exceeded': 11, 'ttl-exceeded': 11, 'parameter-problem': 12, 'timestamp-request': 13,
  'timestamp-reply': 14, 'info-request': 15, 'info-reply': 16, 'address-mask-request': 17,
  'address-mask-reply': 18,
};

/** iptables names for a type/code pair (`--icmp-type network-unreachable`). */
const ICMP_TYPE_CODES: Record<string, { type: number; code: number }> = {
  'network-unreachable': { type: 3, code: 0 }, 'host-unreachable': { type: 3, code: 1 },
  'protocol-unreachable': { type: 3, code: 2 }, 'port-unreachable': { type: 3, code: 3 },
  'fragmentation-needed': { type: 3, code: 4 }, 'source-route-failed': { type: 3, code: 5 },
  'network-prohibited': { type: 3, code: 9 }, 'host-prohibited': { type: 3, code: 10 },
  'communication-prohibited': { type: 3, code: 13 },
};

const NAME_OF_TYPE: Record<number, string> = { 0: 'echo-reply', 3: 'destination-unreachable', 8: 'echo-request', 11: 'time-exceeded', 12: 'parameter-problem' };

export function icmpTypeName(type: number): string {
  return NAME_OF_TYPE[type] ?? `type ${type}`;
}

function int(s: string, max: number): number | undefined {
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

/** `443`, `1000:2000` (iptables) or `1000-2000` (nft text); a list is comma-separated. */
export function parsePortList(text: string): [number, number][] | undefined {
  const out: [number, number][] = [];
  for (const part of text.split(',')) {
    const m = /^(\d*)[:-](\d*)$/.exec(part);
    if (m) {
      // iptables allows open ends: `:1023`, `1024:`.
      const lo = m[1] === '' ? 0 : int(m[1]!, 65535);
      const hi = m[2] === '' ? 65535 : int(m[2]!, 65535);
      if (lo === undefined || hi === undefined || lo > hi) return undefined;
      out.push([lo, hi]);
    } else {
      const p = int(part, 65535);
      if (p === undefined) return undefined;
      out.push([p, p]);
    }
  }
  return out.length ? out : undefined;
}

/** nft -j operand values: numbers, numeric strings, or {"range": [a, b]}. */
export function portsFromNftValues(values: readonly unknown[]): [number, number][] | undefined {
  const out: [number, number][] = [];
  for (const v of values) {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535) out.push([v, v]);
    else if (typeof v === 'string' && int(v, 65535) !== undefined) out.push([Number(v), Number(v)]);
    else if (typeof v === 'object' && v !== null && Array.isArray((v as { range?: unknown }).range)) {
      const [a, b] = (v as { range: unknown[] }).range;
      if (typeof a !== 'number' || typeof b !== 'number' || a > b) return undefined;
      out.push([a, b]);
    } else return undefined;
  }
  return out.length ? out : undefined;
}

/** iptables `--icmp-type`: a name, a number, or TYPE/CODE. `any` is every type. */
export function parseIcmpType(text: string): { type: number; code?: number }[] | 'any' | undefined {
  const t = text.toLowerCase();
  if (t === 'any') return 'any';
  if (ICMP_TYPE_CODES[t]) return [ICMP_TYPE_CODES[t]!];
  if (ICMP_TYPES[t] !== undefined) return [{ type: ICMP_TYPES[t]! }];
  const m = /^(\d{1,3})(?:\/(\d{1,3}))?$/.exec(t);
  if (!m) return undefined;
  const type = int(m[1]!, 255);
  const code = m[2] === undefined ? undefined : int(m[2], 255);
  if (type === undefined || (m[2] !== undefined && code === undefined)) return undefined;
  return [code === undefined ? { type } : { type, code }];
}

/** nft -j `icmp type` operand values: names or numbers. */
export function icmpTypesFromNftValues(values: readonly unknown[]): { type: number }[] | undefined {
  const out: { type: number }[] = [];
  for (const v of values) {
    if (typeof v === 'number' && v >= 0 && v <= 255) out.push({ type: v });
    else if (typeof v === 'string' && ICMP_TYPES[v] !== undefined) out.push({ type: ICMP_TYPES[v]! });
    else return undefined;
  }
  return out.length ? out : undefined;
}

export function formatPorts(ports: readonly [number, number][]): string {
  return ports.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(',');
}

export function formatIcmpTypes(types: readonly { type: number; code?: number }[]): string {
  return types.map((t) => `${icmpTypeName(t.type)}${t.code === undefined ? '' : `/${t.code}`}`).join(',');
}
