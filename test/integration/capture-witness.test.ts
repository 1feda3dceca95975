// The capture's counts against an independent witness: tcpdump, run by the test on the same
// interfaces inside the lab's host namespace while the BUILT CLI checks. What netdoctor reports
// per hop (echo requests, replies, sources) must be what tcpdump saw cross that interface.
// tcpdump is installed by scripts/setup.sh for this test only; netdoctor itself never uses it.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CaptureReport, HopCount } from '../../src/model/capture.js';
import { run, spawnStreaming, type StreamingProcess } from '../../src/system/run.js';
import { CLI, TARGET, integrationSkipReason, randomLabOptions, withLab } from './helpers.js';

const skip = integrationSkipReason();
const TCPDUMP = ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].find((p) => existsSync(p)) ?? null;

interface Seen {
  time: number;
  type: 'request' | 'reply';
  source: string;
  destination: string;
  id: number;
  seq: number;
}

// 1796659560.319678 IP 10.77.0.2 > 198.51.100.8: ICMP echo request, id 16476, seq 1, length 64
const LINE = /^(\d+\.\d+) IP (\S+) > (\S+): ICMP echo (request|reply), id (\d+), seq (\d+),/;

function parseTcpdump(text: string): Seen[] {
  const out: Seen[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) out.push({ time: Number(m[1]), source: m[2]!, destination: m[3]!, type: m[4] as Seen['type'], id: Number(m[5]), seq: Number(m[6]) });
  }
  return out;
}

/** tcpdump on each interface in `ns`, started and listening before this resolves. */
async function witness(ns: string, interfaces: string[]): Promise<{ stop(): Promise<Map<string, Seen[]>> }> {
  if (!TCPDUMP) throw new Error('tcpdump is missing: run scripts/setup.sh (it installs tcpdump for this test)');
  const procs = new Map<string, { proc: StreamingProcess; lines: string[] }>();
  for (const i of interfaces) {
    const proc = spawnStreaming([TCPDUMP, '-n', '-l', '-tt', '-i', i, 'icmp'], { ns, timeoutMs: 60_000 });
    const lines: string[] = [];
    proc.onLine((l) => lines.push(l));
    procs.set(i, { proc, lines });
  }
  for (const [i, { proc }] of procs) {
    for (let k = 0; k < 500 && !/listening on/.test(proc.stderr()); k++) await new Promise((r) => setTimeout(r, 10));
    if (!/listening on/.test(proc.stderr())) throw new Error(`tcpdump on ${i} did not start: ${proc.stderr()}`);
  }
  return {
    async stop() {
      // A moment for the last packets to be written out, then SIGINT (tcpdump flushes and exits).
      await new Promise((r) => setTimeout(r, 200));
      const seen = new Map<string, Seen[]>();
      for (const [i, { proc, lines }] of procs) {
        proc.kill('SIGINT');
        await proc.exited;
        seen.set(i, parseTcpdump(lines.join('\n')));
      }
      return seen;
    },
  };
}

/**
 * The probe's own packets: its echo identifier (the first echo request from the namespace on the
 * bridge), before the same identifier's sequence starts again at 1 (the trace's ping, which
 * runs after the capture stopped, reuses the identifier).
 */
function probePackets(seen: Map<string, Seen[]>, bridge: string, nsIp: string): Map<string, Seen[]> {
  const onBridge = seen.get(bridge) ?? [];
  const first = onBridge.find((p) => p.type === 'request' && p.source === nsIp);
  if (!first) return new Map([...seen.keys()].map((k) => [k, []]));
  const again = onBridge.find((p) => p.type === 'request' && p.id === first.id && p.seq === 1 && p.time > first.time);
  const until = again?.time ?? Infinity;
  return new Map([...seen].map(([k, list]) => [k, list.filter((p) => p.id === first.id && p.time < until)]));
}

function asHop(iface: string, list: Seen[]): Omit<HopCount, 'replyDestinations'> {
  const requests = list.filter((p) => p.type === 'request' && p.destination === TARGET);
  return {
    interface: iface,
    requests: requests.length,
    replies: list.filter((p) => p.type === 'reply' && p.source === TARGET).length,
    sources: [...new Set(requests.map((p) => p.source))],
  };
}

const hop = (h: HopCount | null | undefined) => (h ? { interface: h.interface, requests: h.requests, replies: h.replies, sources: h.sources } : null);

describe.skipIf(skip !== null)('capture vs tcpdump on the same interfaces (random names and subnets)', () => {
  // [scenario, the verdict, the step it implicates]
  const cases: [string, string, string | null][] = [
    ['healthy', 'ok', null],
    ['no-masquerade', 'leaves-untranslated', 'host.masquerade'],
    ['forward-policy-drop', 'not-forwarded', 'host.forward'],
    ['rp-filter-second-uplink', 'reply-not-returned', 'host.rp-filter'],
  ];
  for (const [scenario, verdict, step] of cases) {
    it(`${scenario}: every hop's counts and sources are what tcpdump saw; ${verdict}${step ? `, implicates ${step}` : ''}`, async () => {
      const opts = randomLabOptions();
      await withLab(scenario, opts, async (lab) => {
        // A second uplink (the rp_filter lab's) is watched by both.
        const addLink = lab.extra.find((a) => a.includes('link') && a.includes('add') && a.includes('veth'));
        const uplink2 = addLink ? addLink[addLink.indexOf('add') + 1]! : null;
        const ifaces = [opts.bridge, opts.uplink, ...(uplink2 ? [uplink2] : [])];
        const w = await witness(lab.names.hostNs, ifaces);
        const r = await run(['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--json'], { timeoutMs: 60_000 });
        const seen = probePackets(await w.stop(), opts.bridge, lab.addresses.nsIp);
        const capture = (JSON.parse(r.stdout) as { probes: { capture: CaptureReport } }).probes.capture;
        expect(capture).toMatchObject({ available: true, verdict, step });
        const tBridge = asHop(opts.bridge, seen.get(opts.bridge)!);
        expect(tBridge.requests, 'tcpdump saw the probe on the bridge').toBeGreaterThanOrEqual(1);
        expect(hop(capture.bridge)).toEqual(tBridge);
        expect(hop(capture.uplink)).toEqual(asHop(opts.uplink, seen.get(opts.uplink)!));
        if (uplink2) expect(capture.elsewhere.map(hop)).toEqual([asHop(uplink2, seen.get(uplink2)!)]);
        else expect(capture.elsewhere).toEqual([]);
      });
    });
  }
});
