// -m physdev, judged like the kernel's xt_physdev: options are separate AND conditions, each
// negatable; a packet without bridge information fails every positive option.
import { describe, expect, it } from 'vitest';
import { parseRuleLine } from '../../../src/netfilter/iptables-rule.js';
import { matchRule } from '../../../src/netfilter/match.js';
import type { Packet, Rule } from '../../../src/netfilter/model.js';

function rule(line: string): Rule {
  const r = parseRuleLine(line, new Set());
  if ('error' in r) throw new Error(r.error);
  return r.rule;
}

const routed: Packet = { saddr: '10.9.0.2', daddr: '198.51.100.8', iif: 'brx', oif: 'up9', protocol: 'icmp', ctstate: 'new' };
const fromPort: Packet = { ...routed, physdev: { in: 'vhA', out: null } };
const bridged: Packet = { saddr: '10.9.0.2', daddr: '10.9.0.3', iif: 'brx', oif: 'brx', protocol: 'icmp', ctstate: 'new', physdev: { in: 'vhA', out: 'vhB' } };

describe('-m physdev', () => {
  it('parses every option with its own negation', () => {
    expect(rule('-A FORWARD -m physdev --physdev-in vh+ ! --physdev-out vhB --physdev-is-bridged ! --physdev-is-in -j ACCEPT').matches).toEqual([
      { kind: 'physdev', in: { name: 'vh*', negate: false }, out: { name: 'vhB', negate: true }, isBridged: { negate: false }, isIn: { negate: true } },
    ]);
  });

  it('keeps an option it does not know as an unknown match', () => {
    expect(rule('-A FORWARD -m physdev --physdev-frobnicate -j ACCEPT').matches[0]?.kind).toBe('unknown');
  });

  it('--physdev-is-bridged: only frames that leave by a bridge port', () => {
    const r = rule('-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT');
    expect(matchRule(r, bridged).result).toBe('yes');
    expect(matchRule(r, fromPort).result).toBe('no');
    expect(matchRule(r, routed).result).toBe('no');
    const not = rule('-A FORWARD -m physdev ! --physdev-is-bridged -j ACCEPT');
    expect(matchRule(not, bridged).result).toBe('no');
    expect(matchRule(not, fromPort).result).toBe('yes');
    expect(matchRule(not, routed).result).toBe('yes');
  });

  it('--physdev-in / --physdev-out compare port names, with the + wildcard', () => {
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-in vh+ --physdev-out vhB -j DROP'), bridged).result).toBe('yes');
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-in vhB -j DROP'), bridged).result).toBe('no');
    expect(matchRule(rule('-A FORWARD -m physdev ! --physdev-out vhB -j DROP'), bridged).result).toBe('no');
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-in vhA -j DROP'), fromPort).result).toBe('yes');
    // No bridge information: a positive name match fails, a negated one holds.
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-in vhA -j DROP'), routed).result).toBe('no');
    expect(matchRule(rule('-A FORWARD -m physdev ! --physdev-in vhA -j DROP'), routed).result).toBe('yes');
  });

  it('--physdev-is-in / --physdev-is-out', () => {
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-is-in -j DROP'), fromPort).result).toBe('yes');
    expect(matchRule(rule('-A FORWARD -m physdev --physdev-is-out -j DROP'), fromPort).result).toBe('no');
    expect(matchRule(rule('-A FORWARD -m physdev ! --physdev-is-out -j DROP'), fromPort).result).toBe('yes');
  });
});
