// The capture client: starts the worker (./worker.js) inside the host-side namespace, hands it
// the interfaces and filters, and collects its packet summaries. It guarantees the worker is
// gone afterwards: stop() closes its stdin, then kills it if it lingers; like every child of
// run.ts, it dies with netdoctor even on SIGKILL (setpriv --pdeathsig).
//
// Two ways in:
//   capturePath(opts)            one call: start, run opts.during (e.g. the ping), stop, result
//   startCapture(hostNs) ...     two phases, so the worker's start-up overlaps other work:
//                                configure(target) once the interfaces are known, stop() after
import { distFile } from '../../dist-path.js';
import type { CapturedPacket, CaptureOutcome } from '../../model/capture.js';

export type { CaptureOutcome };
import { isIPv4 } from '../../net/ipv4.js';
import { interfaceNameProblem } from '../../validate.js';
import { spawnStreaming, type StreamingProcess } from '../run.js';
import { stage } from '../stage-clock.js';
import type { WorkerConfig, WorkerInterface } from './worker.js';

export interface CaptureTarget {
  bridge: string;
  /** Null when the host has no route to the target (then only the bridge is watched). */
  uplink: string | null;
  /** The namespace's own address (the source before NAT). */
  nsAddress: string;
  target: string;
  /** The probe's ICMP echo identifier (ping -e): on the bridge, only its packets are counted. */
  echoId?: number;
  /** The host end of the namespace's veth, watched too when given (the session's live path). */
  veth?: string | null;
  /** The host's other ways out: replies coming back there instead of the uplink are counted too. */
  others?: readonly string[];
}

export interface CaptureLimits {
  /** The worker stops on its own after this long (default 10 s). */
  timeoutMs?: number;
  /** ... or after this many packets (default 200). */
  maxPackets?: number;
  /** Called for every packet as it is seen (live UIs). */
  onPacket?: (packet: CapturedPacket) => void;
}

export interface CaptureHandle {
  /** Open the sessions; resolves once they capture (or with the reason they cannot). */
  configure(target: CaptureTarget): Promise<{ ok: true } | { ok: false; reason: string; remedy: string }>;
  /** Stop the worker and wait until it has exited; safe to call more than once. */
  stop(): Promise<CaptureOutcome>;
  /** Packets so far. */
  readonly packets: readonly CapturedPacket[];
  /** The interfaces the worker opened (known once configure() resolved ok). */
  readonly interfaces: readonly string[];
  readonly pid: number | undefined;
}

const READY_TIMEOUT_MS = 5000;
const STOP_GRACE_MS = 1000;

function workerPath(): string {
  return distFile('system/capture/worker.js');
}

/** argv that runs the worker (spawnStreaming makes it die with netdoctor). */
export function workerArgv(): string[] {
  return [process.execPath, workerPath()];
}

/** The BPF filters: on the bridge the namespace's own packets, on the uplink anything to or from the target. */
export function workerInterfaces(t: CaptureTarget): WorkerInterface[] {
  for (const ip of [t.nsAddress, t.target]) if (!isIPv4(ip)) throw new Error(`capture: not an IPv4 address: ${ip}`);
  for (const name of [t.bridge, t.uplink, t.veth ?? null, ...(t.others ?? [])]) if (name !== null && interfaceNameProblem(name)) throw new Error(`capture: bad interface name ${JSON.stringify(name)}`);
  if (t.echoId !== undefined && !(Number.isInteger(t.echoId) && t.echoId >= 0 && t.echoId <= 0xffff)) throw new Error(`capture: bad echo id ${t.echoId}`);
  const own = t.echoId === undefined ? '' : ` and icmp[4:2] = ${t.echoId}`;
  const list: WorkerInterface[] = [{ name: t.bridge, role: 'bridge', filter: `icmp and host ${t.nsAddress} and host ${t.target}${own}` }];
  if (t.veth && t.veth !== t.bridge && t.veth !== t.uplink) list.push({ name: t.veth, role: 'veth', filter: list[0]!.filter });
  // After NAT the source is whatever the host chose: narrow by the target only.
  if (t.uplink && t.uplink !== t.bridge) list.push({ name: t.uplink, role: 'uplink', filter: `icmp and host ${t.target}` });
  for (const o of t.others ?? []) {
    if (!list.some((i) => i.name === o)) list.push({ name: o, role: 'other-uplink', filter: `icmp and host ${t.target}` });
  }
  return list;
}

export function startCapture(hostNs: string | null, limits: CaptureLimits = {}): CaptureHandle {
  const started = performance.now();
  const timeoutMs = limits.timeoutMs ?? 10_000;
  const packets: CapturedPacket[] = [];
  let interfaces: string[] = [];
  let errors: { interface: string; message: string }[] = [];
  let unavailable: { reason: string; remedy: string } | null = null;
  let onReady: ((ok: boolean) => void) | null = null;

  let proc: StreamingProcess;
  try {
    // The worker's own budget is timeoutMs from configure; allow start-up on top before the hard kill.
    proc = spawnStreaming(workerArgv(), { ns: hostNs, timeoutMs: timeoutMs + READY_TIMEOUT_MS + 2000 });
  } catch (err) {
    unavailable = { reason: `cannot start the capture worker: ${(err as Error).message}`, remedy: 'check that node can run dist/system/capture/worker.js' };
    return deadHandle(unavailable, started);
  }

  proc.onLine((line) => {
    let ev: Record<string, unknown>;
    try {
      ev = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (ev.event) {
      case 'packet': {
        const { event: _event, ...p } = ev;
        const packet = p as unknown as CapturedPacket;
        packets.push(packet);
        limits.onPacket?.(packet);
        break;
      }
      case 'end':
        stage('capture worker: end');
        break;
      case 'ready':
        interfaces = (ev.interfaces as string[]) ?? [];
        errors = (ev.errors as { interface: string; message: string }[]) ?? [];
        onReady?.(true);
        break;
      case 'unavailable':
        unavailable = { reason: String(ev.reason), remedy: String(ev.remedy) };
        onReady?.(false);
        break;
      default:
        break;
    }
  });
  let gone = false;
  void proc.exited.then(() => {
    gone = true;
    onReady?.(false);
  });

  let stopped: Promise<CaptureOutcome> | null = null;
  const outcome = (): CaptureOutcome => {
    const durationMs = Math.round(performance.now() - started);
    if (unavailable) return { available: false, ...unavailable, durationMs };
    if (interfaces.length === 0) {
      const why = errors.map((e) => `${e.interface}: ${e.message}`).join('; ') || workerFailure(proc);
      return { available: false, reason: `no interface could be captured on (${why})`, remedy: 'check that the bridge and uplink exist in the host-side namespace', durationMs };
    }
    return { available: true, packets: [...packets], interfaces, errors, durationMs };
  };

  return {
    pid: proc.pid,
    get packets() {
      return packets;
    },
    get interfaces() {
      return interfaces;
    },
    configure(target) {
      let config: WorkerConfig;
      try {
        config = { interfaces: workerInterfaces(target), target: target.target, timeoutMs, maxPackets: limits.maxPackets ?? 200 };
      } catch (err) {
        unavailable = { reason: (err as Error).message, remedy: 'pass --bridge and --target explicitly' };
        return Promise.resolve({ ok: false, ...unavailable });
      }
      // The worker may already have said it cannot capture (no addon), or be gone.
      if (unavailable || gone) {
        const o = outcome();
        return Promise.resolve(o.available ? { ok: true } : { ok: false, reason: o.reason, remedy: o.remedy });
      }
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          unavailable ??= { reason: `the capture worker did not start within ${READY_TIMEOUT_MS / 1000} s`, remedy: 'the machine may be overloaded; try again or use --no-capture' };
          settle(false);
        }, READY_TIMEOUT_MS);
        const settle = (ok: boolean) => {
          clearTimeout(timer);
          onReady = null;
          if (ok && interfaces.length > 0) return resolve({ ok: true });
          const o = outcome();
          resolve(o.available ? { ok: true } : { ok: false, reason: o.reason, remedy: o.remedy });
        };
        onReady = settle;
        proc.writeLine(JSON.stringify(config));
      });
    },
    stop() {
      stopped ??= (async () => {
        stage('capture worker: stopping');
        proc.closeStdin();
        const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
        await proc.exited;
        clearTimeout(timer);
        return outcome();
      })();
      return stopped;
    },
  };
}

function workerFailure(proc: StreamingProcess): string {
  const err = proc.stderr().trim().split('\n').filter(Boolean).pop();
  return err ? `worker: ${err.slice(0, 300)}` : 'the worker exited without opening any';
}

function deadHandle(unavailable: { reason: string; remedy: string }, started: number): CaptureHandle {
  const outcome: CaptureOutcome = { available: false, ...unavailable, durationMs: Math.round(performance.now() - started) };
  return {
    pid: undefined,
    packets: [],
    interfaces: [],
    configure: () => Promise.resolve({ ok: false, ...unavailable }),
    stop: () => Promise.resolve(outcome),
  };
}

/**
 * Capture the probe's path in one call: start the worker in hostNs, open the sessions, run
 * `during` (typically the ping) and stop as soon as it settles, or after timeoutMs without it.
 * The worker is always gone when this resolves.
 */
export async function capturePath(
  opts: CaptureTarget & CaptureLimits & { hostNs: string | null; during?: () => Promise<unknown> },
): Promise<CaptureOutcome> {
  const handle = startCapture(opts.hostNs, opts);
  let failure: { error: unknown } | null = null;
  try {
    const ready = await handle.configure(opts);
    if (ready.ok) {
      if (opts.during) await opts.during();
      else await new Promise((r) => setTimeout(r, opts.timeoutMs ?? 10_000));
    }
  } catch (error) {
    failure = { error };
  }
  const outcome = await handle.stop();
  if (failure) throw failure.error;
  return outcome;
}
