// One rule model for every netfilter backend netdoctor reads: iptables-nft and
// iptables-legacy (from `iptables-save` text) and native nftables (from `nft -j`).
// Plain JSON-able data, so it can live in a NetSnapshot and be recorded for tests.

export type Backend = 'iptables-nft' | 'iptables-legacy' | 'nft';
export type Family = 'ip' | 'ip6' | 'inet' | 'bridge' | 'arp' | 'netdev';
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';

export interface Ruleset {
  tables: Table[];
  /** What could not be read or understood, one line each (the rest is still usable). */
  errors: string[];
}

export interface Table {
  backend: Backend;
  family: Family;
  name: string;
  chains: Chain[];
}

export interface Chain {
  name: string;
  /** Base chains only: the netfilter hook, chain type, priority and policy. */
  hook?: Hook;
  type?: 'filter' | 'nat' | 'route';
  priority?: number;
  policy?: 'accept' | 'drop';
  rules: Rule[];
}

export interface Rule {
  /** The rule as its backend prints it (an iptables-save line, or nft syntax). */
  text: string;
  handle?: number;
  comment?: string;
  matches: Match[];
  verdict: Verdict;
}

/** One address operand: a CIDR ("10.0.0.0/8", a bare address is /32 or /128) or a range. */
export type AddrSpec = { cidr: string } | { range: [string, string] };

export type Match =
  | { kind: 'saddr' | 'daddr'; negate: boolean; addrs: AddrSpec[] }
  /** Interface names; a trailing '*' is a prefix wildcard (iptables '+' is normalized to it). */
  | { kind: 'iifname' | 'oifname'; negate: boolean; names: string[] }
  /** Lower-case conntrack states: new, established, related, invalid, untracked. */
  | { kind: 'ctstate'; negate: boolean; states: string[] }
  /** Layer-4 protocol names (icmp, tcp, udp, ...) or numbers as strings. */
  | { kind: 'protocol'; negate: boolean; protocols: string[] }
  /** Transport ports (tcp/udp/sctp/dccp): inclusive ranges; a single port is [p, p]. */
  | { kind: 'sport' | 'dport'; negate: boolean; ports: [number, number][] }
  /** ICMP (IPv4) types by number; a code, when the rule names one, must match too. */
  | { kind: 'icmptype'; negate: boolean; types: { type: number; code?: number }[] }
  /** nft `meta nfproto` / implied by `ip saddr` in an inet table. */
  | { kind: 'nfproto'; family: 'ipv4' | 'ipv6' }
  /**
   * iptables `-m physdev`: the bridge ports a packet crossed (known only with br_netfilter).
   * Every option is an AND condition of its own and may be negated.
   */
  | ({ kind: 'physdev' } & PhysdevOptions)
  /** Anything netdoctor does not evaluate: it may or may not match. */
  | { kind: 'unknown'; text: string };

export interface PhysdevOptions {
  in?: { name: string; negate: boolean };
  out?: { name: string; negate: boolean };
  isIn?: { negate: boolean };
  isOut?: { negate: boolean };
  isBridged?: { negate: boolean };
}

export type Verdict =
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'reject'; with?: string }
  | { kind: 'jump'; target: string }
  | { kind: 'goto'; target: string }
  | { kind: 'return' }
  | { kind: 'masquerade' }
  | { kind: 'snat'; to?: string }
  | { kind: 'dnat'; to?: string }
  /** Counter, log, mark ...: evaluation continues with the next rule. */
  | { kind: 'none' }
  /** A target netdoctor does not know; treated as non-terminal but reported. */
  | { kind: 'unknown'; text: string };

/** A packet as the evaluator sees it at one hook. IPv4 only for now. */
export interface Packet {
  saddr: string;
  daddr: string;
  iif?: string;
  oif?: string;
  protocol: string;
  ctstate: 'new' | 'established' | 'related';
  /**
   * Bridge ports, set when br_netfilter hands a bridged (or bridge-received) packet to the IP
   * hooks: in = the port it arrived on, out = the port it leaves by (only for bridged traffic).
   * Absent: the packet carries no bridge information.
   */
  physdev?: { in: string | null; out: string | null };
  /** tcp/udp ports; unset for protocols without ports. */
  sport?: number;
  dport?: number;
  /** icmp only: the type (8 echo-request, 0 echo-reply) and code. */
  icmpType?: number;
  icmpCode?: number;
}

/** Where a table/chain lives, for evidence: "iptables-nft ip filter FORWARD". */
export function chainLabel(t: Pick<Table, 'backend' | 'family' | 'name'>, chain: string): string {
  return `${t.backend} ${t.family} ${t.name} ${chain}`;
}
