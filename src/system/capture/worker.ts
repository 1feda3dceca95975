// The capture worker: a separate Node process, started inside the host-side namespace, that
// opens one pcap session per interface and streams packet summaries as JSON lines on stdout.
//
// Why a process of its own: pcap's close() only breaks its read loop; the handle (a packet
// socket) is reliably freed when the process exits. So the worker exits on stdin closing
// (its parent stopped it, or died), on SIGTERM/SIGINT, after its time budget, or after its
// packet budget; its parent also starts it under `setpriv --pdeathsig KILL` where available.
//
// Protocol. stdin, one JSON line: WorkerConfig. stdout, one JSON line per event:
//   {"event":"ready","interfaces":[...],"errors":[{"interface","message"}]}
//   {"event":"packet", ...CapturedPacket}
//   {"event":"unavailable","reason","remedy"}     (the pcap addon cannot be loaded or opened)
//   {"event":"end","why":"stopped|timeout|max-packets|signal","packets":N}
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import type { CapturedPacket, CaptureRole } from '../../model/capture.js';
import { decodeIcmp, icmpTypeName, pcapHeaderTime } from '../../parse/packet.js';
import { leanPcap, PCAP_BINDING } from './pcap-lean.js';

export interface WorkerInterface {
  name: string;
  role: CaptureRole;
  /** BPF filter, e.g. "icmp and host 198.51.100.8". */
  filter: string;
}

export interface WorkerConfig {
  interfaces: WorkerInterface[];
  /** Where the target is: a packet to it is a request, one from it a reply. */
  target: string;
  timeoutMs: number;
  maxPackets: number;
}

interface PcapSession {
  link_type: string;
  on(event: 'packet', fn: (raw: { buf: Buffer; header: Buffer; link_type: string }) => void): void;
  close(): void;
  session: { dispatch(buf: Buffer, header: Buffer): number };
  buf: Buffer;
  header: Buffer;
}
interface PcapModule {
  createSession(device: string, opts: Record<string, unknown>): PcapSession;
}

function emit(event: Record<string, unknown>): void {
  // Pipes are synchronous on Linux: a line written here is out before the process exits.
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const SETUP_REMEDY = 'run scripts/setup.sh (installs libpcap-dev and a compiler, then rebuilds the pcap addon with npm ci)';

function loadPcap(): PcapModule | null {
  const require = createRequire(import.meta.url);
  // NETDOCTOR_PCAP_MODULE: tests point this at a missing module to prove graceful degradation.
  const name = process.env.NETDOCTOR_PCAP_MODULE || 'pcap';
  try {
    // The binding alone when it is where pcap 3.x keeps it; else the whole module.
    if (name === 'pcap') {
      try {
        return leanPcap(require(PCAP_BINDING)) as unknown as PcapModule;
      } catch {
        /* another layout: pcap.js itself */
      }
    }
    return require(name) as PcapModule;
  } catch (err) {
    emit({ event: 'unavailable', reason: `the pcap addon cannot be loaded (${firstLine(err)})`, remedy: SETUP_REMEDY });
    return null;
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 300);
}

function permissionProblem(message: string): boolean {
  return /permission|not permitted|EPERM|EACCES/i.test(message);
}

async function readConfig(): Promise<WorkerConfig | null> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return JSON.parse(line) as WorkerConfig;
  }
  return null; // stdin closed before a config arrived: the parent is gone
}

async function main(): Promise<void> {
  // Load the addon while the parent gathers facts: the config comes on stdin afterwards.
  const pcap = loadPcap();
  if (!pcap) return process.exit(0);
  const config = await readConfig();
  if (!config) return process.exit(0);

  const sessions: PcapSession[] = [];
  const opened: string[] = [];
  const errors: { interface: string; message: string }[] = [];
  let packets = 0;
  let finished = false;

  const finish = (why: string): void => {
    if (finished) return;
    finished = true;
    // Drain what the kernel already holds (the sockets are non-blocking), then exit: exiting
    // is what frees the handles.
    for (const s of sessions) {
      try {
        while (s.session.dispatch(s.buf, s.header) > 0);
      } catch {
        /* closed */
      }
    }
    emit({ event: 'end', why, packets });
    for (const s of sessions) {
      try {
        s.close();
      } catch {
        /* already closed */
      }
    }
    process.exit(0);
  };

  for (const iface of config.interfaces) {
    let session: PcapSession;
    try {
      session = pcap.createSession(iface.name, {
        filter: iface.filter,
        buffer_timeout: 0, // immediate mode: every packet as soon as it arrives
        buffer_size: 1024 * 1024,
        snap_length: 256, // headers only
        promiscuous: false,
      });
    } catch (err) {
      const message = firstLine(err);
      if (permissionProblem(message)) {
        emit({ event: 'unavailable', reason: `cannot open a capture on ${iface.name}: ${message}`, remedy: 'run netdoctor as root (capturing needs CAP_NET_RAW and CAP_NET_ADMIN)' });
        return finish('unavailable');
      }
      errors.push({ interface: iface.name, message });
      continue;
    }
    session.on('packet', (raw) => {
      if (finished) return;
      const { timeMs, caplen } = pcapHeaderTime(raw.header);
      const icmp = decodeIcmp(raw.buf.subarray(0, caplen), raw.link_type);
      if (!icmp) return;
      const direction = icmp.type === 8 && icmp.destination === config.target ? 'request' : icmp.type === 0 && icmp.source === config.target ? 'reply' : 'other';
      const packet: CapturedPacket = {
        time: Math.round(timeMs * 1000) / 1000,
        interface: iface.name,
        role: iface.role,
        direction,
        type: icmpTypeName(icmp.type),
        source: icmp.source,
        destination: icmp.destination,
        id: icmp.id,
        seq: icmp.seq,
      };
      emit({ event: 'packet', ...packet });
      if (++packets >= config.maxPackets) setImmediate(() => finish('max-packets'));
    });
    sessions.push(session);
    opened.push(iface.name);
  }

  stop = finish;
  emit({ event: 'ready', interfaces: opened, errors });
  if (sessions.length === 0) return finish('no-interface');

  setTimeout(() => finish('timeout'), config.timeoutMs).unref();
  // The parent closes stdin to stop us (and the kernel closes it when the parent dies).
  process.stdin.on('end', () => setTimeout(() => finish('stopped'), 5));
  process.stdin.on('close', () => setTimeout(() => finish('stopped'), 5));
  process.stdin.resume();
  // Keep the event loop alive until one of the exits above.
  setInterval(() => undefined, 60_000);
}

// Until the sessions are open a signal just exits; afterwards it drains and reports first.
let stop: (why: string) => void = () => process.exit(0);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => stop('signal'));
process.stdin.on('error', () => process.exit(0));
process.stdout.on('error', () => process.exit(0)); // EPIPE: nobody is listening any more

main().catch((err: unknown) => {
  emit({ event: 'unavailable', reason: `capture worker failed: ${firstLine(err)}`, remedy: SETUP_REMEDY });
  process.exit(0);
});
