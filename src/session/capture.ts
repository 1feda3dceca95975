// The session's live capture (the `c` key, and the automatic one): the same capture worker,
// verdict and nft trace as `check`, run while a short ping goes out, with every packet fed to
// the pure path reducer (./path.ts) so the counts on screen move as packets arrive.
// stop() ends the ping, the worker and any trace, and resolves only once they are all gone.
import type { Diagnosed } from '../diagnosis/run-diagnosis.js';
import { resolveTopology } from '../diagnosis/topology.js';
import { otherWaysOut } from '../diagnosis/path-verdict.js';
import { parsePing } from '../parse/ping.js';
import { startCapture } from '../system/capture/client.js';
import { traceDrop } from '../system/capture/trace.js';
import { spawnStreaming, type StreamingProcess } from '../system/run.js';
import type { SnapshotInput } from '../system/snapshot.js';
import { diedOnHost, initialPath, pathView, reducePath, type PathEvent, type PathState, type PathWhere } from './path.js';
import type { CaptureSupport, PathView } from './types.js';

export interface SessionCaptureOptions {
  input: SnapshotInput;
  /** The latest diagnosis: where the path runs (bridge, veth, uplink, the namespace's address). */
  last: () => Diagnosed | null;
  /** Also ask nft who dropped the packets when they die on the host (default on). */
  trace?: boolean;
  /** Echo requests per capture, 0.5 s apart (default 6: about 3.5 s with the last reply's wait). */
  pings?: number;
}

/** Why the session cannot capture at all (--no-probe, --no-capture), or null. */
export function captureDisabled(probe: boolean, capture: boolean): string | null {
  if (!probe) return 'disabled by --no-probe (it pings)';
  if (!capture) return 'disabled by --no-capture';
  return null;
}

/** Where the path runs, from the diagnosis; a string says why there is nothing to follow. */
export function pathWhere(d: Diagnosed | null, input: SnapshotInput): PathWhere | string {
  if (!d) return 'the check has not finished yet';
  const topo = resolveTopology(d.snapshot);
  if (!d.snapshot.container) return `namespace ${input.ns} does not exist`;
  if (!topo.bridge.link) return `bridge ${topo.bridge.name} does not exist`;
  const nsAddress = topo.nsAddress?.ip;
  if (!nsAddress) return `${input.ns} has no IPv4 address to follow`;
  return {
    ns: input.ns,
    nsAddress,
    nsVeth: topo.nsVeth?.name ?? null,
    hostVeth: topo.hostVeth?.name ?? null,
    bridge: topo.bridge.name,
    uplink: topo.uplink?.name ?? null,
    target: input.target,
    passive: d.report.diagnosis?.step ?? null,
    passiveBeyondPing: d.report.egress === 'ok' && d.report.diagnosis !== null,
    others: otherWaysOut(d.snapshot.host.routes, topo.uplink?.name ?? null, topo.bridge.name),
    hostAddresses: d.snapshot.host.links.flatMap((l) => l.addrs.filter((a) => a.family === 'inet').map((a) => a.local)),
  };
}

const unavailableView = (reason: string, remedy: string): PathView => ({
  hops: [],
  sourceBefore: null,
  sourceAfter: null,
  verdict: null,
  running: false,
  status: 'the capture is unavailable',
  unavailable: { reason, remedy },
});

export function sessionCapture(opts: SessionCaptureOptions): CaptureSupport {
  return {
    available: true,
    start(onUpdate) {
      const where = pathWhere(opts.last(), opts.input);
      if (typeof where === 'string') {
        onUpdate(unavailableView(`nothing to capture: ${where}`, 'fix the diagnosis first, then press c again'));
        return { stop: async () => undefined };
      }
      return runCapture(where, opts, onUpdate);
    },
  };
}

function runCapture(where: PathWhere, opts: SessionCaptureOptions, onUpdate: (view: PathView) => void): { stop(): Promise<void> } {
  let state: PathState = initialPath(where);
  let silent = false;
  const emit = (ev: PathEvent) => {
    state = reducePath(state, ev);
    if (!silent) onUpdate(pathView(state));
  };
  emit({ type: 'sent', seq: 0 });

  const pings = opts.pings ?? 6;
  // Room for the ping (pings x 0.5 s, plus the last reply's wait) and start-up, then the worker stops itself.
  const handle = startCapture(opts.input.hostNs, { timeoutMs: pings * 500 + 6000, maxPackets: 500, onPacket: (packet) => emit({ type: 'packet', packet }) });
  let stopping = false;
  let ping: StreamingProcess | null = null;

  const work = (async () => {
    // Our own echo identifier: only this ping's packets are counted on the bridge.
    const echoId = 1 + Math.floor(Math.random() * 0xfffe);
    const ready = await handle.configure({ bridge: where.bridge, uplink: where.uplink, nsAddress: where.nsAddress, target: where.target, echoId, veth: where.hostVeth, others: where.others });
    if (stopping) return;
    if (!ready.ok) return emit({ type: 'unavailable', reason: ready.reason, remedy: ready.remedy });
    emit({ type: 'capturing', interfaces: [...handle.interfaces] });

    // -O: a line for each request that got no answer, so the namespace's count moves even when nothing answers.
    const argv = ['ping', '-n', '-O', '-c', String(pings), '-i', '0.5', '-W', '1', '-e', String(echoId), where.target];
    const out: string[] = [];
    // It dies with netdoctor, like every child of run.ts (it would also die of SIGPIPE at its
    // next line, up to half a second later).
    ping = spawnStreaming(argv, { ns: opts.input.ns, timeoutMs: pings * 500 + 5000 });
    ping.onLine((line) => {
      out.push(line);
      const seq = /icmp_seq=(\d+)/.exec(line);
      if (seq) emit({ type: 'sent', seq: Number(seq[1]) });
    });
    const exit = await ping.exited;
    const parsed = parsePing(out.join('\n'), ping.stderr());
    const error = exit.spawnError === 'ENOENT' ? 'ping is not installed (iputils-ping)' : parsed.transmitted === 0 && !stopping ? parsed.error ?? (ping.stderr().trim() || 'no echo request went out') : null;
    // Replies still on their way: the worker drains what the kernel holds when it stops.
    await handle.stop();
    emit({ type: 'ping-done', transmitted: parsed.transmitted, received: parsed.received, error });
    if (stopping) return;

    // Who dropped it: only when the packets were seen dying on this host (as `check` does).
    const d = opts.last();
    if (opts.trace !== false && diedOnHost(state) && !error) {
      emit({ type: 'tracing' });
      const legacy = !!d?.snapshot.host.netfilterSources.some((s) => s.source === 'iptables-legacy' && s.status === 'read');
      const traced = await traceDrop({ hostNs: opts.input.hostNs, ns: opts.input.ns, nsAddress: where.nsAddress, target: where.target, legacy, echoId });
      emit({ type: 'traced', drop: traced.drop, info: traced.info });
    }
    emit({ type: 'finished', by: stopping ? 'user' : 'done' });
  })().catch((err: unknown) => emit({ type: 'unavailable', reason: `the capture failed: ${(err as Error).message}`, remedy: 'press c to try again' }));

  return {
    async stop() {
      if (!stopping) {
        stopping = true;
        ping?.kill('SIGTERM');
      }
      await handle.stop();
      await work;
      // Stopped mid-way: say so once, then nothing more reaches the UI.
      emit({ type: 'finished', by: 'user' });
      silent = true;
    },
  };
}

