// IPv4 address and subnet math, all through ipaddr.js.
import ipaddr from 'ipaddr.js';

export function isIPv4(value: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(value);
}

/** "192.168.0.2", 16 -> "192.168.0.0/16" */
export function networkCidr(ip: string, prefixlen: number): string {
  const net = ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${prefixlen}`);
  return `${net.toString()}/${prefixlen}`;
}

/** Does the CIDR (or bare address) contain the address? */
export function cidrContains(cidr: string, ip: string): boolean {
  if (!isIPv4(ip)) return false;
  const [base, len] = parseCidr(cidr);
  return ipaddr.IPv4.parse(ip).match(ipaddr.IPv4.parse(base), len);
}

export function parseCidr(cidr: string): [string, number] {
  if (!cidr.includes('/')) return [cidr, 32];
  const [addr, len] = ipaddr.IPv4.parseCIDR(cidr);
  return [addr.toString(), len];
}

/** Do two CIDRs share any address? */
export function cidrsOverlap(a: string, b: string): boolean {
  const [aBase, aLen] = parseCidr(a);
  const [bBase, bLen] = parseCidr(b);
  const len = Math.min(aLen, bLen);
  return ipaddr.IPv4.parse(aBase).match(ipaddr.IPv4.parse(bBase), len);
}

function toInt(ip: string): number {
  return ipaddr.IPv4.parse(ip).toByteArray().reduce((acc, b) => acc * 256 + b, 0);
}

function fromInt(n: number): string {
  return new ipaddr.IPv4([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]).toString();
}

/**
 * The first usable host addresses of a subnet that are not taken, in order.
 * (Network and broadcast addresses are never offered for prefixes shorter than /31.)
 */
export function freeHostAddresses(cidr: string, taken: Iterable<string>, count = 1): string[] {
  const [base, len] = parseCidr(cidr);
  const network = toInt(ipaddr.IPv4.networkAddressFromCIDR(`${base}/${len}`).toString());
  const size = 2 ** (32 - len);
  const first = len >= 31 ? network : network + 1;
  const last = len >= 31 ? network + size - 1 : network + size - 2;
  const used = new Set(taken);
  const out: string[] = [];
  for (let n = first; n <= last && out.length < count; n++) {
    const ip = fromInt(n);
    if (!used.has(ip)) out.push(ip);
  }
  return out;
}

/** Is the address one a probe can sensibly go to through a default route (not private/local)? */
export function addressRange(ip: string): string {
  return ipaddr.IPv4.parse(ip).range();
}
