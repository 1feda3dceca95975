// Ports and ICMP types: parsed from iptables-save lines and nft -j expressions (shapes recorded
// from iptables-nft-save v1.8.9 and nft 1.0.6), then matched against packets.
import { describe, expect, it } from 'vitest';
import { parseRuleLine } from '../../../src/netfilter/iptables-rule.js';
import { decodeRule } from '../../../src/netfilter/nft-expr.js';
import { matchRule } from '../../../src/netfilter/match.js';
import type { Packet, Rule } from '../../../src/netfilter/model.js';
import { parseIcmpType, parsePortList } from '../../../src/netfilter/ports.js';

function ipt(line: string): Rule {
  const r = parseRuleLine(line, new Set());
  if ('error' in r) throw new Error(r.error);
  return r.rule;
}

function nft(expr: unknown[]): Rule {
  const [v] = decodeRule(expr, { family: 'inet', sets: new Map() });
  return { text: 'nft', matches: v!.matches, verdict: v!.verdict };
}

const base = { saddr: '10.1.0.2', daddr: '198.51.100.8', ctstate: 'new' as const };
const echo: Packet = { ...base, protocol: 'icmp', icmpType: 8, icmpCode: 0 };
const reply: Packet = { ...base, protocol: 'icmp', icmpType: 0, icmpCode: 0 };
const https: Packet = { ...base, protocol: 'tcp', sport: 40000, dport: 443 };
const dns: Packet = { ...base, protocol: 'udp', sport: 40000, dport: 53 };

describe('port and icmp type text', () => {
  it('parses iptables port lists, ranges and open ends', () => {
    expect(parsePortList('53,80:90')).toEqual([[53, 53], [80, 90]]);
    expect(parsePortList(':1023')).toEqual([[0, 1023]]);
    expect(parsePortList('1024:')).toEqual([[1024, 65535]]);
    expect(parsePortList('90:80')).toBeUndefined();
    expect(parsePortList('https')).toBeUndefined();
    expect(parsePortList('70000')).toBeUndefined();
  });

  it('parses icmp types by name, number, type/code and any', () => {
    expect(parseIcmpType('echo-request')).toEqual([{ type: 8 }]);
    expect(parseIcmpType('8')).toEqual([{ type: 8 }]);
    expect(parseIcmpType('3/4')).toEqual([{ type: 3, code: 4 }]);
    expect(parseIcmpType('fragmentation-needed')).toEqual([{ type: 3, code: 4 }]);
    expect(parseIcmpType('any')).toBe('any');
    expect(parseIcmpType('bogus')).toBeUndefined();
  });
});

describe('iptables rules with ports and icmp types', () => {
  it('ufw\'s "-p icmp -m icmp --icmp-type 8" passes pings, not replies, not tcp', () => {
    const r = ipt('-A ufw-before-forward -p icmp -m icmp --icmp-type 8 -j ACCEPT');
    expect(matchRule(r, echo).result).toBe('yes');
    expect(matchRule(r, reply)).toEqual({ result: 'no', reasons: ['icmp echo-reply is not echo-request'] });
    expect(matchRule(r, https).result).toBe('no');
  });

  it('tcp --dport, multiport --dports and negated --sport', () => {
    expect(matchRule(ipt('-A F -p tcp -m tcp --dport 443 -j ACCEPT'), https).result).toBe('yes');
    expect(matchRule(ipt('-A F -p tcp -m tcp --dport 443 -j ACCEPT'), dns).result).toBe('no');
    const multi = ipt('-A F -p udp -m multiport --dports 53,80:90 -j ACCEPT');
    expect(matchRule(multi, dns).result).toBe('yes');
    expect(matchRule(multi, { ...dns, dport: 85 }).result).toBe('yes');
    expect(matchRule(multi, { ...dns, dport: 91 }).reasons).toEqual(['destination port 91 is not 53,80-90']);
    const notLow = ipt('-A F -p tcp -m tcp ! --sport 1000:2000 -j ACCEPT');
    expect(matchRule(notLow, https).result).toBe('yes');
    expect(matchRule(notLow, { ...https, sport: 1500 }).result).toBe('no');
  });

  it('other module options stay unknown (maybe), never silently matching', () => {
    const r = ipt('-A F -p tcp -m tcp --dport 443 --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT');
    expect(r.matches.at(-1)).toEqual({ kind: 'unknown', text: '-m tcp --tcp-flags FIN,SYN,RST,ACK SYN' });
    expect(matchRule(r, https).result).toBe('maybe');
  });
});

describe('nft rules with ports and icmp types', () => {
  it('tcp dport 443, udp dport { 53, 80-90 }, icmp type { echo-request, destination-unreachable }', () => {
    const t = nft([{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 443 } }, { accept: null }]);
    expect(matchRule(t, https).result).toBe('yes');
    expect(matchRule(t, dns).result).toBe('no');
    const u = nft([{ match: { op: '==', left: { payload: { protocol: 'udp', field: 'dport' } }, right: { set: [53, { range: [80, 90] }] } } }, { accept: null }]);
    expect(matchRule(u, dns).result).toBe('yes');
    expect(matchRule(u, https).result).toBe('no');
    const i = nft([{ match: { op: '==', left: { payload: { protocol: 'icmp', field: 'type' } }, right: { set: ['destination-unreachable', 'echo-request'] } } }, { accept: null }]);
    expect(matchRule(i, echo).result).toBe('yes');
    expect(matchRule(i, reply).result).toBe('no');
  });

  it('tcp sport != 443', () => {
    const r = nft([{ match: { op: '!=', left: { payload: { protocol: 'tcp', field: 'sport' } }, right: 443 } }, { drop: null }]);
    expect(matchRule(r, https).result).toBe('yes');
    expect(matchRule(r, { ...https, sport: 443 }).result).toBe('no');
    expect(matchRule(r, echo).result).toBe('no');
  });
});
