import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findDrop, parseTrace, parseTraceLine, staleTraceTables, traceTablePid } from '../../../src/netfilter/nft-trace.js';
import { legacyDrop, parseSaveCounters } from '../../../src/netfilter/legacy-counters.js';
import { traceRuleset } from '../../../src/system/capture/trace.js';

// Recorded with `nft -a monitor trace` in lab host namespaces while pinging 198.51.100.8.
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/nft-trace/${name}`, import.meta.url), 'utf8');
const T = '198.51.100.8';

describe('parseTraceLine', () => {
  it('reads a packet line: interfaces, addresses, ICMP type', () => {
    const l = parseTraceLine('trace id 75bac0e5 ip filter FORWARD packet: iif "br0" oif "eth0" ether saddr 82:3b:fe:20:bb:b4 ip saddr 192.168.0.2 ip daddr 198.51.100.8 ip ttl 63 icmp type echo-request icmp id 1');
    expect(l).toMatchObject({ id: '75bac0e5', family: 'ip', table: 'filter', chain: 'FORWARD', kind: 'packet', packet: { iif: 'br0', oif: 'eth0', saddr: '192.168.0.2', daddr: T, icmpType: 'echo-request' } });
  });
  it('reads a rule line: the rule without counters, its handle and verdict', () => {
    const l = parseTraceLine('trace id 75bac0e5 ip filter FORWARD rule ip saddr 192.168.0.0/16 counter packets 3 bytes 252 reject # handle 2 (verdict drop)');
    expect(l).toMatchObject({ kind: 'rule', rule: 'ip saddr 192.168.0.0/16 counter reject', handle: 2, verdict: 'drop' });
  });
  it('reads policy and verdict lines; ignores what is not a trace', () => {
    expect(parseTraceLine('trace id 4797800b inet filter forward policy drop ')).toMatchObject({ kind: 'policy', verdict: 'drop', family: 'inet', chain: 'forward' });
    expect(parseTraceLine('trace id 4797800b inet filter forward verdict jump other')).toMatchObject({ kind: 'verdict', verdict: 'jump other' });
    expect(parseTraceLine('trace id 1 ip filter FORWARD unknown rule handle 7 (verdict drop)')).toMatchObject({ kind: 'rule', rule: null, handle: 7, verdict: 'drop' });
    expect(parseTraceLine('add table ip netdoctor-trace-1 # handle 6')).toBeNull();
    expect(parseTraceLine('')).toBeNull();
    expect(parseTraceLine('Error: something')).toBeNull();
  });
});

describe('findDrop from recorded traces', () => {
  it('a native nft chain policy', () => {
    const d = findDrop(parseTrace(fixture('nft-policy-drop.txt')), T);
    expect(d).toMatchObject({ source: 'nft-trace', family: 'inet', table: 'filter', chain: 'forward', kind: 'policy', verdict: 'drop', rule: null, owner: null, direction: 'request' });
    expect(d!.summary).toBe("the inet filter forward chain's policy (drop)");
  });
  it('an iptables-nft REJECT rule, by handle', () => {
    const d = findDrop(parseTrace(fixture('iptables-nft-reject-rule.txt')), T);
    expect(d).toMatchObject({ table: 'filter', chain: 'FORWARD', kind: 'rule', verdict: 'reject', handle: 2, rule: 'ip saddr 192.168.0.0/16 counter reject' });
    expect(d!.summary).toBe('a reject rule (handle 2) in ip filter FORWARD');
  });
  it("Docker's FORWARD policy: attributed to Docker, whose chains the packet passed", () => {
    const d = findDrop(parseTrace(fixture('docker-policy-drop.txt')), T);
    expect(d).toMatchObject({ chain: 'FORWARD', kind: 'policy', owner: 'docker' });
    expect(d!.summary).toMatch(/set by Docker/);
  });
  it('a healthy path has no drop; netdoctor’s own trace table never counts', () => {
    expect(findDrop(parseTrace(fixture('healthy.txt')), T)).toBeNull();
    const own = parseTrace('trace id 1 ip netdoctor-trace-99 trace-prerouting policy drop\n');
    expect(findDrop(own, T)).toBeNull();
  });
  it('a reply dropped on the way back says so; a drop in a named owner chain names it', () => {
    const lines = parseTrace([
      'trace id aa ip filter DOCKER-USER packet: iif "eth0" oif "br0" ip saddr 198.51.100.8 ip daddr 10.1.0.2 icmp type echo-reply',
      'trace id aa ip filter DOCKER-USER rule counter packets 0 bytes 0 drop # handle 9 (verdict drop)',
    ].join('\n'));
    const d = findDrop(lines, T);
    expect(d).toMatchObject({ owner: 'docker', direction: 'reply', handle: 9 });
    expect(d!.summary).toBe("a drop rule (handle 9) in ip filter DOCKER-USER (Docker's) (the reply)");
  });
});

describe('the trace table', () => {
  it('marks only the probe echo, in its own table, before every other chain', () => {
    const text = traceRuleset('netdoctor-trace-42', '10.9.0.2', T);
    expect(text).toContain('table ip netdoctor-trace-42 {');
    expect(text).toContain('priority -350; policy accept;');
    expect(text).toContain('ip saddr 10.9.0.2 ip daddr 198.51.100.8 icmp type echo-request meta nftrace set 1');
    expect(text).toContain('ip saddr 198.51.100.8 icmp type echo-reply meta nftrace set 1');
    expect(text).not.toMatch(/drop|flush|delete/);
    expect(() => traceRuleset('t', '10.9.0.2; flush ruleset', T)).toThrow();
    expect(traceRuleset('t', '10.9.0.2', T, 4242)).toContain('icmp type echo-request icmp id 4242 meta nftrace set 1');
    expect(() => traceRuleset('t', '10.9.0.2', T, 70000)).toThrow();
  });
});

describe('stale trace tables', () => {
  it('only netdoctor-trace-<pid>[-n] tables whose netdoctor is gone, never this process, never another table', () => {
    const alive = (pid: number) => pid === 200;
    const names = ['netdoctor-trace-100-1', 'netdoctor-trace-200-3', 'netdoctor-trace-300', `netdoctor-trace-${process.pid}-2`, 'netdoctor-trace-x-1', 'netdoctor', 'filter', 'netdoctor-trace-100-1-evil'];
    expect(staleTraceTables(names, alive)).toEqual(['netdoctor-trace-100-1', 'netdoctor-trace-300']);
    expect(traceTablePid('netdoctor-trace-4242-7')).toBe(4242);
    expect(traceTablePid('nat')).toBeNull();
  });
});

describe('iptables-legacy counters', () => {
  const before = ['*filter', ':INPUT ACCEPT [10:800]', ':FORWARD DROP [4:336]', ':OUTPUT ACCEPT [0:0]', ':DOCKER-USER - [0:0]', '[7:588] -A FORWARD -j DOCKER-USER', '[0:0] -A FORWARD -s 10.1.0.0/16 -j REJECT --reject-with icmp-port-unreachable', '[7:588] -A DOCKER-USER -j RETURN', 'COMMIT', ''].join('\n');
  it('parses counters of policies and rules', () => {
    const entries = parseSaveCounters(before);
    expect(entries.find((e) => e.chain === 'FORWARD' && e.index === null)).toMatchObject({ target: 'DROP', packets: 4 });
    expect(entries.filter((e) => e.chain === 'FORWARD' && e.index !== null).map((e) => e.target)).toEqual(['DOCKER-USER', 'REJECT']);
    expect(entries.some((e) => e.chain === 'DOCKER-USER' && e.index === null)).toBe(false); // user chains have no policy
  });
  it('the policy whose counter moved during the probe', () => {
    const after = before.replace(':FORWARD DROP [4:336]', ':FORWARD DROP [9:756]').replace(/\[7:588\]/g, '[12:1008]');
    const d = legacyDrop(before, after);
    expect(d).toMatchObject({ source: 'iptables-legacy-counters', table: 'filter', chain: 'FORWARD', kind: 'policy', verdict: 'drop', owner: 'docker' });
    expect(d!.summary).toMatch(/iptables-legacy filter FORWARD chain's policy \(DROP\)/);
  });
  it('the rule whose counter moved; nothing when nothing dropping moved', () => {
    const after = before.replace('[0:0] -A FORWARD -s 10.1.0.0/16 -j REJECT', '[3:252] -A FORWARD -s 10.1.0.0/16 -j REJECT');
    expect(legacyDrop(before, after)).toMatchObject({ kind: 'rule', verdict: 'reject', rule: '-A FORWARD -s 10.1.0.0/16 -j REJECT --reject-with icmp-port-unreachable' });
    expect(legacyDrop(before, before.replace(/\[7:588\]/g, '[9:700]'))).toBeNull();
  });
});
