// Address math for the netfilter model, all through ipaddr.js (no hand-rolled bit twiddling).
import ipaddr from 'ipaddr.js';
import type { AddrSpec } from './model.js';

export type IP = ipaddr.IPv4 | ipaddr.IPv6;

// Dotted four-part decimal without leading zeros: what ipaddr's isValidFourPartDecimal accepts.
const DOTTED_QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** Strict parse: IPv4 must be dotted four-part decimal (ipaddr also accepts "10" or "0x0a.1"). */
export function parseIp(s: string): IP | undefined {
  // Fast path for IPv4, one regex instead of ipaddr's three parses: a ruleset of 10,000 rules
  // parses and matches tens of thousands of addresses.
  const q = DOTTED_QUAD.exec(s);
  if (q) {
    const octets = [Number(q[1]), Number(q[2]), Number(q[3]), Number(q[4])];
    return octets.every((o) => o <= 255) ? new ipaddr.IPv4(octets) : undefined;
  }
  if (ipaddr.IPv6.isValid(s)) return ipaddr.IPv6.parse(s);
  return undefined;
}

/**
 * `10.0.0.0/8`, `1.2.3.4` (= /32, or /128 for IPv6), `10.0.0.0/255.0.0.0` (contiguous dotted
 * mask); undefined when it is none of those.
 */
export function parseCidrSpec(s: string): AddrSpec | undefined {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const maxBits = ip.kind() === 'ipv4' ? 32 : 128;
  if (slash < 0) return { cidr: `${addr}/${maxBits}` };
  const mask = s.slice(slash + 1);
  if (/^\d+$/.test(mask)) {
    const bits = Number(mask);
    return bits <= maxBits ? { cidr: `${addr}/${bits}` } : undefined;
  }
  if (ip.kind() === 'ipv4' && ipaddr.IPv4.isValidFourPartDecimal(mask)) {
    const bits = ipaddr.IPv4.parse(mask).prefixLengthFromSubnetMask();
    if (bits !== null) return { cidr: `${addr}/${bits}` };
  }
  return undefined;
}

/** A range spec when both ends are addresses of one family. */
export function parseRangeSpec(from: string, to: string): AddrSpec | undefined {
  const a = parseIp(from);
  const b = parseIp(to);
  return a && b && a.kind() === b.kind() ? { range: [from, to] } : undefined;
}

/** Byte-wise order of two same-family addresses (-1, 0, 1). */
function compareIp(a: IP, b: IP): number {
  const x = a.toByteArray();
  const y = b.toByteArray();
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Is `ip` inside the spec? undefined when the spec itself is unreadable. */
export function specContains(spec: AddrSpec, ip: IP): boolean | undefined {
  if ('cidr' in spec) {
    const slash = spec.cidr.indexOf('/');
    const net = parseIp(slash < 0 ? spec.cidr : spec.cidr.slice(0, slash));
    if (!net) return undefined;
    const bits = slash < 0 ? (net.kind() === 'ipv4' ? 32 : 128) : Number(spec.cidr.slice(slash + 1));
    if (!Number.isInteger(bits)) return undefined;
    if (net.kind() !== ip.kind()) return false;
    return ip.match(net, bits);
  }
  const lo = parseIp(spec.range[0]);
  const hi = parseIp(spec.range[1]);
  if (!lo || !hi) return undefined;
  if (lo.kind() !== ip.kind()) return false;
  return compareIp(lo, ip) <= 0 && compareIp(ip, hi) <= 0;
}

export function formatSpec(spec: AddrSpec): string {
  return 'cidr' in spec ? spec.cidr : `${spec.range[0]}-${spec.range[1]}`;
}
