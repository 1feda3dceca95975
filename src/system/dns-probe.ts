// The DNS probe: a real query from inside the namespace to each resolver it is configured with,
// sent by a tiny worker that `ip netns exec` starts there (Node cannot enter a namespace itself).
// The worker starts first and its queries run alongside the ping; what the probe waits for is
// decided once the ping is in (run-diagnosis.ts, dnsAfterPing): each resolver's 1.5 s, or, when
// the ping showed the path to the resolvers broken, nothing more (their silence is expected).
import { distFile } from '../dist-path.js';
import type { DnsProbeResult } from '../model/result.js';
import { dnsServerResults, pendingServers, readDnsWorkerLines, type DnsServerResult } from '../parse/dns-probe.js';
import { spawnStreaming, type StreamingProcess } from './run.js';

const WORKER = distFile('system/dns-query-worker.js');
/** The name asked for: a reserved example domain every resolver can answer. */
export const DNS_PROBE_NAME = 'example.com';
/** How long a resolver is given, from its query being sent. */
export const ANSWER_TIMEOUT_MS = 1500;
/**
 * The worker's own limit, longer: until the ping is in, a silent resolver is not yet judged
 * (under load the ping can end after the resolver's 1.5 s). Without a decision it still ends.
 */
const WORKER_TIMEOUT_MS = 4000;
/** glibc reads at most three nameservers. */
const MAX_SERVERS = 3;

export interface DnsProbe {
  /** Settles when every server answered or failed, or as decided by wait() / abandon(). */
  readonly result: Promise<DnsProbeResult>;
  /** Servers with neither an answer nor an error yet. */
  pending(): string[];
  /** Give each server its full time (ANSWER_TIMEOUT_MS from its query), then call it a timeout. */
  wait(): void;
  /** Stop waiting now: servers not yet settled are reported "abandoned" (how long they waited). */
  abandon(): void;
}

function settledProbe(result: DnsProbeResult): DnsProbe {
  return { result: Promise.resolve(result), pending: () => [], wait: () => undefined, abandon: () => undefined };
}

export function startDnsProbe(ns: string, nameservers: string[]): DnsProbe {
  const servers = nameservers.slice(0, MAX_SERVERS);
  const base = { name: DNS_PROBE_NAME, servers: [] as DnsServerResult[] };
  const started = performance.now();
  if (!servers.length) return settledProbe({ ...base, ran: false, error: 'no nameserver to ask', durationMs: 0 });
  const argv = [process.execPath, WORKER, DNS_PROBE_NAME, String(WORKER_TIMEOUT_MS), ...servers];
  let proc: StreamingProcess;
  try {
    proc = spawnStreaming(argv, { ns, timeoutMs: WORKER_TIMEOUT_MS + 3000 });
  } catch (err) {
    return settledProbe({ ...base, ran: false, error: `cannot start the DNS worker: ${(err as Error).message}`, durationMs: 0 });
  }
  const lines: string[] = [];
  const sentAt = new Map<string, number>();
  let done = false;
  let waiting = false;
  let timer: NodeJS.Timeout | undefined;
  let settle!: (r: DnsProbeResult) => void;
  const result = new Promise<DnsProbeResult>((resolve) => (settle = resolve));

  const finish = (cut: 'abandoned' | 'timeout' | null, exit: { exitCode: number | null; signal: string | null; spawnError: string | null } | null) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    const now = performance.now();
    const durationMs = Math.round(now - started);
    const got = dnsServerResults(servers, readDnsWorkerLines(lines), cut && { error: cut, waitedMs: (s) => Math.round(now - (sentAt.get(s) ?? now)) });
    if (cut) proc.kill('SIGKILL');
    if (got) return settle({ ...base, servers: got, ran: true, error: null, durationMs });
    const err = proc.stderr().trim().split('\n').filter(Boolean).pop();
    const why = exit?.spawnError === 'ENOENT' ? 'not installed' : exit?.spawnError ? `could not start (${exit.spawnError})` : exit?.signal ? `killed by ${exit.signal}` : `exit ${exit?.exitCode ?? '?'}${err ? `: ${err}` : ''}`;
    settle({ ...base, ran: false, error: `DNS worker (${argv.join(' ')}): ${why}`, durationMs });
  };
  // In wait(): once every pending server's time is up, the rest are timeouts.
  const check = () => {
    if (done || !waiting) return;
    const pending = pendingServers(servers, readDnsWorkerLines(lines));
    if (!pending.length) return; // the worker is finishing: its exit settles
    if (!pending.every((s) => sentAt.has(s))) return; // checked again when the query is out
    const due = Math.max(...pending.map((s) => sentAt.get(s)! + ANSWER_TIMEOUT_MS)) - performance.now();
    clearTimeout(timer);
    if (due <= 0) finish('timeout', null);
    else timer = setTimeout(check, due);
  };
  proc.onLine((line) => {
    lines.push(line);
    const m = /^\{"sent":"([^"]+)"\}$/.exec(line);
    if (m && !sentAt.has(m[1]!)) sentAt.set(m[1]!, performance.now());
    if (m) check();
  });
  void proc.exited.then((exit) => finish(null, exit));
  return {
    result,
    pending: () => (done ? [] : pendingServers(servers, readDnsWorkerLines(lines))),
    wait: () => {
      waiting = true;
      check();
    },
    abandon: () => finish('abandoned', null),
  };
}
