// Does one rule's match list fit a packet? Three-valued: a match netdoctor cannot evaluate
// (an `unknown` one) makes the rule 'maybe' unless another match already rules it out.
import { formatSpec, parseIp, specContains } from './addr.js';
import type { Match, Packet, Rule } from './model.js';
import { formatIcmpTypes, formatPorts, icmpTypeName } from './ports.js';

export type Tri = 'yes' | 'no' | 'maybe';

export interface RuleMatch {
  result: Tri;
  /**
   * 'no': why the first failing match fails. 'maybe': the text of each match that could not be
   * evaluated. 'yes': why each match holds (used as "why this rule applies" evidence).
   */
  reasons: string[];
}

/** Protocol numbers (IANA) for the names iptables and nft print. */
const PROTOCOL_NUMBERS: Record<string, string> = {
  icmp: '1', igmp: '2', ipencap: '4', tcp: '6', egp: '8', udp: '17', ipv6: '41', gre: '47',
  esp: '50', ah: '51', icmpv6: '58', 'ipv6-icmp': '58', ospf: '89', pim: '103', vrrp: '112',
  l2tp: '115', sctp: '132', udplite: '136', dccp: '33',
};

function protoNumber(p: string): string {
  const lower = p.toLowerCase();
  return PROTOCOL_NUMBERS[lower] ?? lower;
}

/** Which syntax to quote a rule's own options back in: iptables (-o eth1) or nft (oifname). */
type Style = 'iptables' | 'nft';

function styleOf(rule: Rule): Style {
  return /^(\[\d+:\d+\]\s+)?-A\s/.test(rule.text) ? 'iptables' : 'nft';
}

/** A trailing `*` is a prefix wildcard; an empty prefix matches every name. */
export function ifaceMatches(name: string, pattern: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

function list(items: string[]): string {
  return items.join(', ');
}

interface SingleMatch {
  result: Tri;
  reason: string;
}

function addrMatch(m: Extract<Match, { kind: 'saddr' | 'daddr' }>, pkt: Packet): SingleMatch {
  const what = m.kind === 'saddr' ? 'source' : 'destination';
  const value = m.kind === 'saddr' ? pkt.saddr : pkt.daddr;
  const specs = list(m.addrs.map(formatSpec));
  const ip = parseIp(value);
  if (!ip) return { result: 'maybe', reason: `packet ${what} "${value}" is not an IP address` };
  let inside = false;
  for (const spec of m.addrs) {
    const c = specContains(spec, ip);
    if (c === undefined) return { result: 'maybe', reason: `unreadable address ${formatSpec(spec)}` };
    if (c) {
      inside = true;
      break;
    }
  }
  if (m.negate) {
    return inside
      ? { result: 'no', reason: `${what} ${value} is in the excluded ! ${specs}` }
      : { result: 'yes', reason: `${what} ${value} is not in ${specs}` };
  }
  return inside
    ? { result: 'yes', reason: `${what} ${value} is in ${specs}` }
    : { result: 'no', reason: `${what} ${value} is not in ${specs}` };
}

/**
 * An unset pkt.iif/oif means "there is no such interface at this hook" (locally generated
 * packets have no in-interface, prerouting has no out-interface yet). As in the kernel, a
 * positive interface match then fails and a negated one holds.
 */
function ifaceMatch(m: Extract<Match, { kind: 'iifname' | 'oifname' }>, pkt: Packet, style: Style): SingleMatch {
  const input = m.kind === 'iifname';
  const name = input ? pkt.iif : pkt.oif;
  const shown = m.names.map((n) => (style === 'iptables' && n.endsWith('*') ? `${n.slice(0, -1)}+` : n));
  const wants =
    style === 'iptables'
      ? `${m.negate ? '! ' : ''}${input ? '-i' : '-o'} ${list(shown)}`
      : `${m.kind} ${m.negate ? '!= ' : ''}${shown.length > 1 ? `{ ${list(shown)} }` : shown.join('')}`;
  const role = input ? 'in-interface' : 'out-interface';
  if (name === undefined) {
    return m.negate
      ? { result: 'yes', reason: `no ${role} at this hook, so ${wants} holds` }
      : { result: 'no', reason: `has no ${role} at this hook, rule wants ${wants}` };
  }
  const hit = m.names.some((p) => ifaceMatches(name, p));
  const via = input ? `arrives via ${name}` : `leaves via ${name}`;
  if (m.negate) {
    return hit
      ? { result: 'no', reason: `${role} ${name} matches the excluded ${style === 'iptables' ? '!' : '!='} ${list(shown)}` }
      : { result: 'yes', reason: `${via}, not ${list(shown)}` };
  }
  return hit ? { result: 'yes', reason: `${via} (${wants})` } : { result: 'no', reason: `${via}, rule wants ${wants}` };
}

function ctstateMatch(m: Extract<Match, { kind: 'ctstate' }>, pkt: Packet): SingleMatch {
  const states = m.states.join(',');
  const inList = m.states.includes(pkt.ctstate);
  // SNAT/DNAT are conntrack "virtual states" the packet model does not carry.
  if (!inList && m.states.some((s) => s === 'snat' || s === 'dnat')) {
    return { result: 'maybe', reason: `conntrack state ${m.negate ? '! ' : ''}${states}` };
  }
  if (m.negate) {
    return inList
      ? { result: 'no', reason: `conntrack state ${pkt.ctstate} is in the excluded ! ${states}` }
      : { result: 'yes', reason: `conntrack state ${pkt.ctstate} is not ${states}` };
  }
  return inList
    ? { result: 'yes', reason: `conntrack state ${pkt.ctstate} is one of ${states}` }
    : { result: 'no', reason: `conntrack state ${pkt.ctstate} is not one of ${states}` };
}

function protocolMatch(m: Extract<Match, { kind: 'protocol' }>, pkt: Packet): SingleMatch {
  const all = m.protocols.some((p) => p === 'all' || p === '0');
  const hit = all || m.protocols.some((p) => protoNumber(p) === protoNumber(pkt.protocol));
  const protos = m.protocols.join(',');
  if (m.negate) {
    return hit
      ? { result: 'no', reason: `protocol ${pkt.protocol} is in the excluded ! ${protos}` }
      : { result: 'yes', reason: `protocol ${pkt.protocol} is not ${protos}` };
  }
  return hit
    ? { result: 'yes', reason: `protocol ${pkt.protocol} is ${protos}` }
    : { result: 'no', reason: `protocol ${pkt.protocol} is not ${protos}` };
}

/**
 * -m physdev as the kernel's xt_physdev does it: without bridge information every positive
 * option fails (only negated ones hold); with it, each option is checked on its own.
 */
function physdevMatch(m: Extract<Match, { kind: 'physdev' }>, pkt: Packet): SingleMatch {
  const parts: string[] = [];
  if (m.in) parts.push(`${m.in.negate ? '! ' : ''}--physdev-in ${m.in.name.replace(/\*$/, '+')}`);
  if (m.out) parts.push(`${m.out.negate ? '! ' : ''}--physdev-out ${m.out.name.replace(/\*$/, '+')}`);
  if (m.isIn) parts.push(`${m.isIn.negate ? '! ' : ''}--physdev-is-in`);
  if (m.isOut) parts.push(`${m.isOut.negate ? '! ' : ''}--physdev-is-out`);
  if (m.isBridged) parts.push(`${m.isBridged.negate ? '! ' : ''}--physdev-is-bridged`);
  const wants = `-m physdev ${parts.join(' ')}`;
  const pd = pkt.physdev;
  if (!pd) {
    const positive = [m.in, m.out, m.isIn, m.isOut, m.isBridged].some((o) => o && !o.negate);
    return positive
      ? { result: 'no', reason: `the packet did not cross a bridge port, rule wants ${wants}` }
      : { result: 'yes', reason: `the packet did not cross a bridge port (${wants})` };
  }
  const checks: [boolean, string][] = [];
  if (m.isBridged) checks.push([(pd.out !== null) !== m.isBridged.negate, pd.out !== null ? 'is bridged' : 'is not bridged']);
  if (m.isIn) checks.push([(pd.in !== null) !== m.isIn.negate, pd.in !== null ? `came in on bridge port ${pd.in}` : 'did not come in on a bridge port']);
  if (m.isOut) checks.push([(pd.out !== null) !== m.isOut.negate, pd.out !== null ? `leaves by bridge port ${pd.out}` : 'does not leave by a bridge port']);
  if (m.in) checks.push([(pd.in !== null && ifaceMatches(pd.in, m.in.name)) !== m.in.negate, `bridge port in: ${pd.in ?? 'none'}`]);
  if (m.out) checks.push([(pd.out !== null && ifaceMatches(pd.out, m.out.name)) !== m.out.negate, `bridge port out: ${pd.out ?? 'none'}`]);
  const failed = checks.find(([ok]) => !ok);
  if (failed) return { result: 'no', reason: `${failed[1]}, rule wants ${wants}` };
  return { result: 'yes', reason: `${checks.map(([, why]) => why).join(', ')} (${wants})` };
}

/** tcp, udp, dccp, sctp, udplite: the protocols port matches apply to. */
const PORTED = new Set(['6', '17', '33', '132', '136']);

function portMatch(m: Extract<Match, { kind: 'sport' | 'dport' }>, pkt: Packet): SingleMatch {
  const what = m.kind === 'sport' ? 'source port' : 'destination port';
  const port = m.kind === 'sport' ? pkt.sport : pkt.dport;
  const ports = formatPorts(m.ports);
  // A port match only ever matches protocols with ports (iptables needs -p tcp/udp for it).
  if (port === undefined) {
    // A packet of a protocol with ports whose port the caller left open: cannot tell.
    if (PORTED.has(protoNumber(pkt.protocol))) return { result: 'maybe', reason: `${what} ${m.negate ? '! ' : ''}${ports} (the packet's port is not known)` };
    return { result: 'no', reason: `${pkt.protocol} has no ${what}, rule wants ${m.negate ? '! ' : ''}${what} ${ports}` };
  }
  const inside = m.ports.some(([lo, hi]) => port >= lo && port <= hi);
  if (m.negate) {
    return inside
      ? { result: 'no', reason: `${what} ${port} is in the excluded ! ${ports}` }
      : { result: 'yes', reason: `${what} ${port} is not ${ports}` };
  }
  return inside ? { result: 'yes', reason: `${what} ${port} is ${ports}` } : { result: 'no', reason: `${what} ${port} is not ${ports}` };
}

function icmpTypeMatch(m: Extract<Match, { kind: 'icmptype' }>, pkt: Packet): SingleMatch {
  const types = formatIcmpTypes(m.types);
  if (pkt.icmpType === undefined) return { result: 'no', reason: `${pkt.protocol} is not icmp, rule wants icmp type ${types}` };
  const code = pkt.icmpCode ?? 0;
  const hit = m.types.some((t) => t.type === pkt.icmpType && (t.code === undefined || t.code === code));
  const name = icmpTypeName(pkt.icmpType);
  if (m.negate) {
    return hit ? { result: 'no', reason: `icmp ${name} is in the excluded ! ${types}` } : { result: 'yes', reason: `icmp ${name} is not ${types}` };
  }
  return hit ? { result: 'yes', reason: `icmp ${name} is ${types}` } : { result: 'no', reason: `icmp ${name} is not ${types}` };
}

/** Evaluate one match against an IPv4 packet. */
export function evaluateMatch(m: Match, pkt: Packet, style: Style = 'nft'): SingleMatch {
  switch (m.kind) {
    case 'saddr':
    case 'daddr':
      return addrMatch(m, pkt);
    case 'iifname':
    case 'oifname':
      return ifaceMatch(m, pkt, style);
    case 'ctstate':
      return ctstateMatch(m, pkt);
    case 'protocol':
      return protocolMatch(m, pkt);
    case 'sport':
    case 'dport':
      return portMatch(m, pkt);
    case 'icmptype':
      return icmpTypeMatch(m, pkt);
    case 'nfproto':
      return m.family === 'ipv4'
        ? { result: 'yes', reason: 'packet is IPv4' }
        : { result: 'no', reason: 'rule only matches IPv6 packets' };
    case 'physdev':
      return physdevMatch(m, pkt);
    case 'unknown':
      return { result: 'maybe', reason: m.text };
  }
}

export function matchRule(rule: Rule, pkt: Packet): RuleMatch {
  const style = styleOf(rule);
  const results: SingleMatch[] = [];
  for (const m of rule.matches) {
    const r = evaluateMatch(m, pkt, style);
    // Any definite mismatch decides, whatever else could not be evaluated: stop at the first
    // (a big ruleset is mostly rules that do not match; the rest need not be judged).
    if (r.result === 'no') return { result: 'no', reasons: [r.reason] };
    results.push(r);
  }
  const maybe = results.filter((r) => r.result === 'maybe');
  if (maybe.length > 0) return { result: 'maybe', reasons: maybe.map((r) => r.reason) };
  return { result: 'yes', reasons: results.length > 0 ? results.map((r) => r.reason) : ['matches every packet'] };
}
