// The learn watcher's path evidence and its text, from recorded lab worlds (test/fixtures/learn,
// each with the live capture of its ping) and recorded capture packets (test/fixtures/capture).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CapturedPacket, CaptureOutcome } from '../../../src/model/capture.js';
import { evidenceFromCapture, evidenceFromCounters, pathVerdict, pathWhere } from '../../../src/learn/path.js';
import { pathLines, renderFailureMoment, renderRoundTrip } from '../../../src/learn/render-text.js';
import { lessonStep } from '../../../src/learn/lesson.js';
import { observation } from './fixtures.js';

const T = '198.51.100.8';

function packets(name: string): CapturedPacket[] {
  return readFileSync(new URL(`../../fixtures/capture/${name}.jsonl`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CapturedPacket);
}

describe('pathWhere', () => {
  it('br0 and ceth0 addressed: the bridge, the uplink, ns0 and eth0 addresses from the snapshot', () => {
    expect(pathWhere(observation('no-default-route').snapshot)).toEqual({ bridge: 'br0', uplink: 'eth0', nsAddress: '192.168.0.2', uplinkAddress: '203.0.113.2' });
  });
  it('nothing to capture before ceth0 has an address in ns0', () => {
    expect(pathWhere(observation('veth-not-moved').snapshot)).toBeNull();
    expect(pathWhere(observation('empty').snapshot)).toBeNull();
  });
});

describe('evidenceFromCapture', () => {
  const where = { bridge: 'brq', uplink: 'upq', nsAddress: '10.66.0.2', uplinkAddress: '203.0.113.2' };
  const ok = (p: CapturedPacket[], interfaces = ['brq', 'upq', 'vhq']): CaptureOutcome => ({ available: true, packets: p, interfaces, errors: [], durationMs: 5 });

  it('counts the recorded no-masquerade capture per hop: the private source on the uplink, no reply', () => {
    const e = evidenceFromCapture(ok(packets('no-masquerade')), where);
    expect(e).toMatchObject({ source: 'capture', nsAddress: '10.66.0.2', captureUnavailable: null });
    if (!('source' in e)) throw new Error('expected evidence');
    expect(e.bridge).toMatchObject({ interface: 'brq', replies: 0, sources: ['10.66.0.2'] });
    expect(e.uplink).toMatchObject({ interface: 'upq', replies: 0, sources: ['10.66.0.2'] });
    expect(e.uplink!.requests).toBeGreaterThan(0);
    expect(pathVerdict(e, T)).toBe('leaves-untranslated');
  });

  it('the healthy capture: translated on the uplink, replies back', () => {
    const e = evidenceFromCapture(ok(packets('healthy'), ['brw', 'upw', 'vhw']), { ...where, bridge: 'brw', uplink: 'upw', nsAddress: '10.67.0.2' });
    if (!('source' in e)) throw new Error('expected evidence');
    expect(e.uplink!.sources).not.toContain('10.67.0.2');
    expect(e.bridge!.replies).toBeGreaterThan(0);
    expect(pathVerdict(e, T)).toBe('ok');
  });

  it('unavailable (no addon) or the bridge not opened: no evidence, the reason', () => {
    expect(evidenceFromCapture({ available: false, reason: 'the pcap addon cannot be loaded (x)', remedy: 'run setup', durationMs: 3 }, where)).toEqual({ unavailable: { reason: 'the pcap addon cannot be loaded (x)', remedy: 'run setup' } });
    const e = evidenceFromCapture({ available: true, packets: [], interfaces: ['upq'], errors: [{ interface: 'brq', message: 'No such device' }], durationMs: 3 }, where);
    expect(e).toMatchObject({ unavailable: { reason: 'cannot capture on brq: No such device' } });
  });

  it('an uplink pcap could not open is not shown as 0 packets', () => {
    const e = evidenceFromCapture(ok(packets('no-masquerade'), ['brq']), where);
    if (!('source' in e)) throw new Error('expected evidence');
    expect(e.uplink).toBeNull();
    expect(pathLines(e, T)).toContain('  uplink: not captured');
  });
});

describe('evidenceFromCounters', () => {
  it('differences of rx/tx around the ping, no addresses, the reason for no capture', () => {
    const e = evidenceFromCounters(
      { br0: { rxPackets: 10, txPackets: 4 }, eth0: { rxPackets: 7, txPackets: 9 } },
      { br0: { rxPackets: 12, txPackets: 4 }, eth0: { rxPackets: 7, txPackets: 10 } },
      { bridge: 'br0', uplink: 'eth0', nsAddress: '192.168.0.2', uplinkAddress: '203.0.113.2' },
      { reason: 'no addon', remedy: 'setup' },
    );
    expect(e.bridge).toEqual({ interface: 'br0', requests: 2, replies: 0, sources: [], replyDestinations: [] });
    expect(e.uplink).toEqual({ interface: 'eth0', requests: 1, replies: 0, sources: [], replyDestinations: [] });
    expect(pathVerdict(e, T)).toBeNull();
  });
});

describe('pathLines and the failure moments, from the recorded lab world', () => {
  const moment = (stage: Parameters<typeof observation>[0], step: Parameters<typeof lessonStep>[0]) => {
    const o = observation(stage);
    return renderFailureMoment(lessonStep(step), { ping: o.ping!, path: o.path, fresh: true })!;
  };

  it('"Network is unreachable": the capture saw nothing on br0', () => {
    const m = moment('no-default-route', 'default-route');
    expect(m).toContain('connect: Network is unreachable');
    expect(m).toContain('live capture of this ping on br0 and eth0:');
    expect(m).toContain('br0 (bridge): 0 echo requests from ns0');
    expect(m).toContain('Nothing reached br0');
  });

  it('before ip_forward: on br0 from 192.168.0.2, nothing out of eth0', () => {
    const m = moment('no-forward', 'ip-forward');
    expect(m).toContain('br0 (bridge): 1 echo request from 192.168.0.2');
    expect(m).toContain('eth0 (uplink): 0 echo requests left');
    expect(m).toContain('did not pass it on');
  });

  it('before MASQUERADE: the private source leaves eth0 untranslated, 0 replies', () => {
    const m = moment('no-masquerade', 'masquerade');
    expect(m).toContain('100% packet loss');
    expect(m).toContain('br0 (bridge): 1 echo request from 192.168.0.2');
    expect(m).toContain('eth0 (uplink): 1 echo request leaves from 192.168.0.2 (private, untranslated), 0 replies');
    expect(m).toMatch(/private source 192\.168\.0\.2: nobody on the internet routes a reply/);
  });

  it('without pcap: counters, and why there is no capture', () => {
    const m = moment('no-masquerade-counters', 'masquerade');
    expect(m).toContain('packet counters');
    expect(m).not.toContain('live capture of');
    expect(m).toMatch(/no live capture: the pcap addon cannot be loaded/);
    expect(m).toContain('scripts/setup.sh');
  });

  it('after MASQUERADE: the round trip, leaving as eth0\'s 203.0.113.2, the reply back', () => {
    const o = observation('complete');
    const trip = renderRoundTrip({ ping: o.ping!, path: o.path, fresh: true })!;
    expect(trip).toContain('br0 (bridge): 1 echo request from 192.168.0.2, 1 reply back');
    expect(trip).toContain("eth0 (uplink): 1 echo request leaves as 203.0.113.2 (eth0's own address), 1 reply");
    expect(trip).toContain('MASQUERADE rewrote the source 192.168.0.2 to 203.0.113.2');
    // A stale ping, or one that failed, is no round trip.
    expect(renderRoundTrip({ ping: o.ping!, path: o.path, fresh: false })).toBeNull();
    const lost = observation('no-masquerade');
    expect(renderRoundTrip({ ping: lost.ping!, path: lost.path, fresh: true })).toBeNull();
  });

  it('every line fits the width asked for', () => {
    for (const stage of ['no-default-route', 'no-forward', 'no-masquerade', 'no-masquerade-counters', 'complete'] as const) {
      for (const l of pathLines(observation(stage).path, T, 92)) expect(l.length, l).toBeLessThanOrEqual(92);
    }
  });
});
