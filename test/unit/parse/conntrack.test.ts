import { describe, expect, it } from 'vitest';
import { parseConntrack, parseConntrackLine } from '../../../src/parse/conntrack.js';
import { parseNetstat, RP_FILTER_COUNTER } from '../../../src/parse/netstat.js';

// Recorded from a lab host namespace (conntrack v1.4.7) and its /proc/net/nf_conntrack.
const CONNTRACK_L = `udp      17 29 src=10.62.0.2 dst=198.51.100.8 sport=40053 dport=5300 [UNREPLIED] src=198.51.100.8 dst=10.62.0.2 sport=5300 dport=40053 mark=0 use=1
udp      17 119 src=10.62.0.2 dst=198.51.100.8 sport=40054 dport=5300 src=198.51.100.8 dst=203.0.113.2 sport=5300 dport=40054 [ASSURED] mark=0 use=1
icmp     1 24 src=10.62.0.2 dst=198.51.100.8 type=8 code=0 id=19092 src=198.51.100.8 dst=203.0.113.2 type=0 code=0 id=19092 mark=0 use=1
tcp      6 431999 ESTABLISHED src=10.62.0.2 dst=198.51.100.8 sport=51000 dport=443 src=198.51.100.8 dst=203.0.113.2 sport=443 dport=51000 [ASSURED] mark=0 use=1
unknown  2 589 src=10.62.0.1 dst=224.0.0.22 [UNREPLIED] src=224.0.0.22 dst=10.62.0.1 mark=0 use=1
conntrack v1.4.7 (conntrack-tools): 5 flow entries have been shown.
`;
const PROC = `ipv4     2 udp      17 28 src=10.62.0.2 dst=198.51.100.8 sport=40053 dport=5300 [UNREPLIED] src=198.51.100.8 dst=10.62.0.2 sport=5300 dport=40053 mark=0 zone=0 use=2
ipv6     10 udp      17 28 src=fe80::1 dst=ff02::1 sport=1 dport=2 [UNREPLIED] src=ff02::1 dst=fe80::1 sport=2 dport=1 mark=0 zone=0 use=2
`;

describe('parseConntrack', () => {
  it('reads both tuples, flags, state and timeout', () => {
    const [stale, natted, icmp, tcp, igmp] = parseConntrack(CONNTRACK_L);
    expect(stale).toEqual({
      protocol: 'udp', timeout: 29, state: null, flags: ['UNREPLIED'],
      orig: { src: '10.62.0.2', dst: '198.51.100.8', sport: 40053, dport: 5300 },
      reply: { src: '198.51.100.8', dst: '10.62.0.2', sport: 5300, dport: 40053 },
    });
    expect(natted?.reply.dst).toBe('203.0.113.2');
    expect(natted?.flags).toEqual(['ASSURED']);
    expect(icmp?.orig).toEqual({ src: '10.62.0.2', dst: '198.51.100.8' });
    expect(tcp?.state).toBe('ESTABLISHED');
    expect(igmp?.protocol).toBe('unknown');
    expect(parseConntrack(CONNTRACK_L)).toHaveLength(5);
  });

  it('reads /proc/net/nf_conntrack, IPv4 only', () => {
    const entries = parseConntrack(PROC);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.orig.sport).toBe(40053);
    expect(entries[0]?.timeout).toBe(28);
  });

  it('ignores lines that are not entries', () => {
    expect(parseConntrackLine('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.')).toBeNull();
    expect(parseConntrackLine('')).toBeNull();
    expect(parseConntrackLine('udp 17 29 src=10.0.0.1')).toBeNull();
  });
});

describe('parseNetstat', () => {
  it('pairs the name and value lines of each prefix', () => {
    const text = 'TcpExt: SyncookiesSent IPReversePathFilter TW\nTcpExt: 0 7 3\nIpExt: InNoRoutes InTruncatedPkts\nIpExt: 2 0\n';
    const c = parseNetstat(text);
    expect(c[RP_FILTER_COUNTER]).toBe(7);
    expect(c['TcpExt.TW']).toBe(3);
    expect(c['IpExt.InNoRoutes']).toBe(2);
  });
});
