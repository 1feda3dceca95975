import { describe, expect, it } from 'vitest';
import type { CapturedPacket, TraceDrop } from '../../../src/model/capture.js';
import { captureReport, countHops, judgePath, otherWaysOut } from '../../../src/diagnosis/path-verdict.js';
import { renderCapture } from '../../../src/report/capture-text.js';

const NS = '10.7.0.2';
const T = '198.51.100.8';
const NAT = '203.0.113.2';

let clock = 1000;
function pkt(role: 'bridge' | 'uplink', direction: 'request' | 'reply', source: string, destination: string, id = 4242, seq = 1): CapturedPacket {
  return { time: clock++, interface: role === 'bridge' ? 'brx' : 'wanx', role, direction, type: direction === 'request' ? 'echo-request' : 'echo-reply', source, destination, id, seq };
}
const req = (role: 'bridge' | 'uplink', src: string, seq = 1, id = 4242) => pkt(role, 'request', src, T, id, seq);
const rep = (role: 'bridge' | 'uplink', dst: string, seq = 1, id = 4242) => pkt(role, 'reply', T, dst, id, seq);

function verdictOf(packets: CapturedPacket[], passive: Parameters<typeof judgePath>[0]['passive'] = null, drop: TraceDrop | null = null) {
  const hops = countHops(packets, 'brx', 'wanx');
  return judgePath({ ...hops, nsAddress: NS, target: T, passive, drop });
}

const DROP: TraceDrop = { source: 'nft-trace', family: 'ip', table: 'filter', chain: 'FORWARD', kind: 'policy', verdict: 'drop', rule: null, handle: null, owner: null, summary: 'the policy of ip filter FORWARD' };

describe('countHops', () => {
  it('counts requests, replies and sources per interface', () => {
    const hops = countHops([req('bridge', NS, 1), req('uplink', NAT, 1), rep('uplink', NAT, 1), rep('bridge', NS, 1), req('bridge', NS, 2)], 'brx', 'wanx');
    expect(hops.bridge).toEqual({ interface: 'brx', requests: 2, replies: 1, sources: [NS], replyDestinations: [NS] });
    expect(hops.uplink).toEqual({ interface: 'wanx', requests: 1, replies: 1, sources: [NAT], replyDestinations: [NAT] });
  });
  it('on the uplink, counts only the probe own echo identifiers when they can be matched', () => {
    const hops = countHops([req('bridge', NS, 1, 77), req('uplink', NAT, 1, 77), req('uplink', NAT, 1, 99), rep('uplink', NAT, 1, 99)], 'brx', 'wanx');
    expect(hops.uplink).toMatchObject({ requests: 1, replies: 0 });
  });
  it('counts everything to the target when NAT remapped the identifier', () => {
    const hops = countHops([req('bridge', NS, 1, 77), req('uplink', NAT, 1, 1000), rep('uplink', NAT, 1, 1000)], 'brx', 'wanx');
    expect(hops.uplink).toMatchObject({ requests: 1, replies: 1 });
  });
});

describe('judgePath', () => {
  it('ok: translated out, replies back through the bridge', () => {
    const v = verdictOf([req('bridge', NS), req('uplink', NAT), rep('uplink', NAT), rep('bridge', NS)]);
    expect(v).toMatchObject({ verdict: 'ok', step: null, agreement: 'healthy' });
    expect(v.summary).toContain(NAT);
  });
  it('never reaches the bridge: the namespace side', () => {
    expect(verdictOf([])).toMatchObject({ verdict: 'never-reaches-bridge', step: 'ns.default-route', agreement: 'no-passive-diagnosis' });
    expect(verdictOf([], 'veth.attached')).toMatchObject({ step: 'veth.attached', agreement: 'confirms' });
  });
  it('reaches the bridge but not the uplink: forwarding, and the drop decides host.forward', () => {
    expect(verdictOf([req('bridge', NS), req('bridge', NS, 2)])).toMatchObject({ verdict: 'not-forwarded', step: 'host.ip-forward' });
    expect(verdictOf([req('bridge', NS)], 'host.ip-forward')).toMatchObject({ step: 'host.ip-forward', agreement: 'confirms' });
    const withDrop = verdictOf([req('bridge', NS)], null, DROP);
    expect(withDrop).toMatchObject({ step: 'host.forward' });
    expect(withDrop.summary).toContain('the policy of ip filter FORWARD');
  });
  it('leaves the uplink with the private source: host.masquerade', () => {
    expect(verdictOf([req('bridge', NS), req('uplink', NS)], 'host.masquerade')).toMatchObject({ verdict: 'leaves-untranslated', step: 'host.masquerade', agreement: 'confirms' });
  });
  it('translated but nothing answers: upstream', () => {
    expect(verdictOf([req('bridge', NS), req('uplink', NAT)], 'egress.ping')).toMatchObject({ verdict: 'no-answer-upstream', step: 'egress.ping', agreement: 'confirms' });
  });
  it('the reply arrives on the uplink but never reaches the bridge', () => {
    expect(verdictOf([req('bridge', NS), req('uplink', NAT), rep('uplink', NAT)])).toMatchObject({ verdict: 'reply-not-returned', step: 'host.forward' });
  });
  it('says which to believe when the capture and the inspection differ', () => {
    const v = verdictOf([req('bridge', NS), req('uplink', NS)], 'host.forward');
    expect(v).toMatchObject({ verdict: 'leaves-untranslated', step: 'host.masquerade', agreement: 'differs' });
    expect(v.advice).toMatch(/believe the capture/);
    expect(v.advice).toContain('host.forward');
    const passed = verdictOf([req('bridge', NS)], 'egress.ping', DROP);
    expect(passed).toMatchObject({ step: 'host.forward', agreement: 'differs' });
  });
});

describe('captureReport and its text', () => {
  const where = { bridge: 'brx', uplink: 'wanx', nsAddress: NS, target: T };
  it('unavailable: reason and remedy, no verdict', () => {
    const r = captureReport({ available: false, reason: 'the pcap addon cannot be loaded', remedy: 'run scripts/setup.sh', durationMs: 3 }, where, 'host.masquerade', null, null);
    expect(r).toMatchObject({ available: false, verdict: null, bridge: null, reason: 'the pcap addon cannot be loaded' });
    expect(renderCapture(r, 'cx', T).join('\n')).toMatch(/unavailable: the pcap addon cannot be loaded\n {2}Remedy: run scripts\/setup.sh/);
  });
  it('a bridge that could not be opened is no evidence', () => {
    const r = captureReport({ available: true, packets: [], interfaces: ['wanx'], errors: [{ interface: 'brx', message: 'No such device' }], durationMs: 3 }, where, null, null, null);
    expect(r).toMatchObject({ available: false, verdict: null });
    expect(r.reason).toContain('No such device');
  });
  it('draws the path with counts and the source before and after NAT', () => {
    const r = captureReport({ available: true, packets: [req('bridge', NS), req('uplink', NS)], interfaces: ['brx', 'wanx'], errors: [], durationMs: 3 }, where, 'host.masquerade', null, null);
    const text = renderCapture(r, 'cx', T).join('\n');
    expect(text).toMatch(/bridge +brx +1 request, 0 replies +source 10\.7\.0\.2\n/);
    expect(text).toMatch(/uplink +wanx +1 request, 0 replies +source 10\.7\.0\.2 \(not translated\)/);
    expect(text).toMatch(/implicates host\.masquerade/);
    expect(text).toContain('The capture confirms the diagnosis.');
  });
  it('escapes control characters in kernel-provided names', () => {
    const r = captureReport({ available: true, packets: [], interfaces: ['br\x1b[2J', 'wanx'], errors: [], durationMs: 3 }, { ...where, bridge: 'br\x1b[2J' }, null, null, null);
    expect(renderCapture(r, 'cx', T).join('\n')).not.toContain('\x1b');
  });
});

// Replies that come back by another way out (strict rp_filter's case), a source NAT to an
// address the host does not have, and a ping that works while TCP/UDP do not.
describe('beyond the uplink and the ping', () => {
  const other = (direction: 'request' | 'reply', addr: string, iface = 'up2'): CapturedPacket => ({
    ...(direction === 'request' ? req('uplink', addr) : rep('uplink', addr)),
    role: 'other-uplink',
    interface: iface,
  });

  it('countHops counts the other ways out per interface, the probe own echo only', () => {
    const hops = countHops([req('bridge', NS, 1, 77), req('uplink', NAT, 1, 77), other('reply', NAT), { ...other('reply', NAT), id: 77 }, other('reply', NAT, 'up3')], 'brx', 'wanx', ['up2', 'up3']);
    expect(hops.elsewhere).toEqual([
      { interface: 'up2', requests: 0, replies: 1, sources: [], replyDestinations: [NAT] },
      { interface: 'up3', requests: 0, replies: 1, sources: [], replyDestinations: [NAT] },
    ]);
    expect(countHops([], 'brx', 'wanx').elsewhere).toEqual([]);
  });

  it('otherWaysOut: default and gateway routes besides the uplink and the bridge, once each', () => {
    const routes = [
      { dst: 'default', gateway: '203.0.113.1', dev: 'wanx' },
      { dst: 'default', gateway: '198.51.100.253', dev: 'up2' },
      { dst: '10.9.0.0/16', gateway: '10.1.0.1', dev: 'vpn0' },
      { dst: '10.1.0.0/24', dev: 'vpn0' },
      { dst: '10.7.0.0/24', dev: 'brx' },
      { dst: '192.0.2.0/24', dev: 'lan1' },
    ];
    expect(otherWaysOut(routes, 'wanx', 'brx')).toEqual(['up2', 'vpn0']);
  });

  it('replies that come back by another interface and die: reply-not-returned, rp_filter first', () => {
    const packets = [req('bridge', NS), req('uplink', NAT), other('reply', NAT)];
    const hops = countHops(packets, 'brx', 'wanx', ['up2']);
    const alone = judgePath({ ...hops, nsAddress: NS, target: T, passive: null, drop: null });
    expect(alone).toMatchObject({ verdict: 'reply-not-returned', step: 'host.rp-filter', agreement: 'no-passive-diagnosis' });
    expect(alone.summary).toMatch(/came back in on up2, not on wanx where the requests left, and none reached brx/);
    expect(judgePath({ ...hops, nsAddress: NS, target: T, passive: 'host.rp-filter', drop: null })).toMatchObject({ step: 'host.rp-filter', agreement: 'confirms' });
    // Unwatched, the same packets looked like silence upstream.
    expect(judgePath({ ...countHops(packets, 'brx', 'wanx'), nsAddress: NS, target: T, passive: null, drop: null }).verdict).toBe('no-answer-upstream');
  });

  it('replies by another interface that do reach the bridge: ok', () => {
    const hops = countHops([req('bridge', NS), req('uplink', NAT), other('reply', NAT), rep('bridge', NS)], 'brx', 'wanx', ['up2']);
    expect(judgePath({ ...hops, nsAddress: NS, target: T, passive: null, drop: null }).verdict).toBe('ok');
  });

  it('translated to an address the host does not have: host.masquerade, against an inspection that found nothing', () => {
    const hops = countHops([req('bridge', NS), req('uplink', '192.0.2.77')], 'brx', 'wanx');
    const v = judgePath({ ...hops, nsAddress: NS, target: T, passive: 'egress.ping', drop: null, hostAddresses: [NAT, '10.7.0.1'] });
    expect(v).toMatchObject({ verdict: 'no-answer-upstream', step: 'host.masquerade', agreement: 'differs' });
    expect(v.summary).toMatch(/as 192\.0\.2\.77, an address this host does not have/);
    expect(v.advice).toMatch(/believe the capture and look at host\.masquerade/);
    // The host's own address: silence upstream, as before.
    const own = judgePath({ ...countHops([req('bridge', NS), req('uplink', NAT)], 'brx', 'wanx'), nsAddress: NS, target: T, passive: 'egress.ping', drop: null, hostAddresses: [NAT] });
    expect(own).toMatchObject({ step: 'egress.ping', agreement: 'confirms' });
  });

  it('the ping works while the inspection fails a step about TCP/UDP: both are right, and it says so', () => {
    const packets = [req('bridge', NS), req('uplink', NAT), rep('uplink', NAT), rep('bridge', NS)];
    const v = verdictOf(packets, 'host.forward');
    const hops = countHops(packets, 'brx', 'wanx');
    const beyond = judgePath({ ...hops, nsAddress: NS, target: T, passive: 'host.forward', passiveBeyondPing: true, drop: null });
    expect(v).toMatchObject({ verdict: 'ok', agreement: 'differs' });
    expect(beyond).toMatchObject({ verdict: 'ok', step: null, agreement: 'beyond-ping' });
    expect(beyond.advice).toMatch(/believe both/);
    expect(beyond.advice).not.toMatch(/does not block/);
    const report = captureReport({ available: true, packets, interfaces: ['brx', 'wanx'], errors: [], durationMs: 3 }, { bridge: 'brx', uplink: 'wanx', nsAddress: NS, target: T }, 'host.forward', null, null, true);
    expect(renderCapture(report, 'cx', T).join('\n')).toMatch(/The capture and the inspection watch different traffic: the capture follows only the ping/);
  });

  it('the text draws the other ways out, and wraps a long drop under itself', () => {
    const drop: TraceDrop = { ...DROP, summary: "the ip filter FORWARD chain's policy (drop) (set by Docker, whose chains the packet passed first)" };
    const r = captureReport(
      { available: true, packets: [req('bridge', NS), req('uplink', NAT), other('reply', NAT)], interfaces: ['brx', 'wanx', 'up2'], errors: [], durationMs: 3 },
      { bridge: 'brx', uplink: 'wanx', nsAddress: NS, target: T, others: ['up2'] },
      'host.rp-filter',
      drop,
      null,
    );
    const lines = renderCapture(r, 'cx', T, undefined, 80);
    expect(lines.join('\n')).toMatch(/also out +up2 +0 requests, 1 reply\n/);
    const at = lines.findIndex((l) => l.includes('X dropped'));
    expect(lines[at]).toMatch(/^ {6}\| forward, NAT {2}X dropped: the ip filter FORWARD chain's policy \(drop\)$/);
    expect(lines[at + 1]).toMatch(/^ {22}\(set by Docker, whose chains the packet passed first\)$/);
    expect(Math.max(lines[at]!.length, lines[at + 1]!.length)).toBeLessThanOrEqual(80);
  });
});
