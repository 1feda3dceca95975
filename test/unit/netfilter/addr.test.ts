// parseIp's IPv4 fast path accepts exactly what ipaddr.js's strict four-part check accepts.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { parseIp } from '../../../src/netfilter/addr.js';

/** The definition the fast path replaces. */
function reference(s: string): string | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return ipaddr.IPv4.parse(s).toString();
  if (ipaddr.IPv6.isValid(s)) return ipaddr.IPv6.parse(s).toString();
  return undefined;
}

describe('parseIp', () => {
  it('agrees with ipaddr.js on dotted quads, near misses and other strings', () => {
    const part = fc.oneof(fc.nat(300).map(String), fc.constantFrom('00', '01', '0x1', '', '-1', '1e2', ' 1', '256', '999', '1000'));
    const quads = fc.tuple(part, part, part, part).map((p) => p.join('.'));
    const other = fc.oneof(fc.string(), fc.constantFrom('10', '10.1', '10.1.1', '1.2.3.4.5', '::1', 'fe80::1', '::ffff:1.2.3.4', '1.2.3.4/24'));
    fc.assert(
      fc.property(fc.oneof(quads, other), (s) => {
        expect(parseIp(s)?.toString()).toBe(reference(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads addresses as ipaddr objects that match like ipaddr parsed them', () => {
    const ip = parseIp('10.123.1.7')!;
    expect(ip.kind()).toBe('ipv4');
    expect(ip.match(ipaddr.IPv4.parse('10.123.0.0'), 16)).toBe(true);
    expect(parseIp('255.255.255.255')?.toString()).toBe('255.255.255.255');
    expect(parseIp('0.0.0.0')?.toString()).toBe('0.0.0.0');
  });
});
