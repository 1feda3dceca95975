// Conntrack table entries, from `conntrack -L` or /proc/net/nf_conntrack (same key=value
// tuples; the /proc form starts with the layer-3 family). Pure.
export interface ConntrackTuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

export interface ConntrackEntry {
  /** Layer-4 protocol name as printed: udp, tcp, icmp ... */
  protocol: string;
  /** Seconds until the entry expires (refreshed by every packet of the flow). */
  timeout: number | null;
  /** TCP state (ESTABLISHED ...), null for other protocols. */
  state: string | null;
  /** The packet that created the entry, as it arrived. */
  orig: ConntrackTuple;
  /** What a reply must look like; its dst differs from orig.src when source NAT applies. */
  reply: ConntrackTuple;
  /** UNREPLIED, ASSURED ... */
  flags: string[];
}

const FLAG = /^\[([A-Z_]+)\]$/;

/** One line; null when it is not an IPv4 entry (summary lines, ipv6, garbage). */
export function parseConntrackLine(line: string): ConntrackEntry | null {
  let words = line.trim().split(/\s+/).filter(Boolean);
  // /proc/net/nf_conntrack: "ipv4 2 udp 17 ..."
  if (words[0] === 'ipv4' || words[0] === 'ipv6') {
    if (words[0] === 'ipv6') return null;
    words = words.slice(2);
  }
  const [protocol, protoNum, timeoutText, ...rest] = words;
  if (!protocol || !/^\d+$/.test(protoNum ?? '') || rest.length === 0) return null;
  const timeout = /^\d+$/.test(timeoutText ?? '') ? Number(timeoutText) : null;
  let state: string | null = null;
  const tuples: Partial<ConntrackTuple>[] = [];
  const flags: string[] = [];
  for (const w of rest) {
    const flag = FLAG.exec(w);
    if (flag) {
      flags.push(flag[1]!);
      continue;
    }
    const eq = w.indexOf('=');
    if (eq < 0) {
      if (/^[A-Z_]+$/.test(w) && tuples.length === 0) state = w;
      continue;
    }
    const key = w.slice(0, eq);
    const value = w.slice(eq + 1);
    // Each tuple starts with src=; the second src= opens the reply tuple.
    if (key === 'src') tuples.push({ src: value });
    const t = tuples[tuples.length - 1];
    if (!t || tuples.length > 2) continue;
    if (key === 'dst') t.dst = value;
    else if (key === 'sport') t.sport = Number(value);
    else if (key === 'dport') t.dport = Number(value);
  }
  const [o, r] = tuples;
  if (!o?.src || !o.dst || !r?.src || !r.dst) return null;
  if (o.src.includes(':')) return null; // IPv6 in conntrack -L output
  return { protocol, timeout, state, orig: o as ConntrackTuple, reply: r as ConntrackTuple, flags };
}

export function parseConntrack(text: string): ConntrackEntry[] {
  return text
    .split('\n')
    .map(parseConntrackLine)
    .filter((e): e is ConntrackEntry => e !== null);
}
