// The DNS probe: a real query from inside the namespace to each resolver it is configured with,
// sent by a tiny worker that `ip netns exec` starts there (Node cannot enter a namespace itself).
import { distFile } from '../dist-path.js';
import type { DnsProbeResult } from '../model/result.js';
import type { DnsServerResult } from './dns-query-worker.js';
import { describeFailure, run } from './run.js';

const WORKER = distFile('system/dns-query-worker.js');
/** The name asked for: a reserved example domain every resolver can answer. */
export const DNS_PROBE_NAME = 'example.com';
const ANSWER_TIMEOUT_MS = 1500;
/** glibc reads at most three nameservers. */
const MAX_SERVERS = 3;

export async function dnsProbeFromNamespace(ns: string, nameservers: string[]): Promise<DnsProbeResult> {
  const servers = nameservers.slice(0, MAX_SERVERS);
  const base = { name: DNS_PROBE_NAME, servers: [] as DnsServerResult[] };
  if (!servers.length) return { ...base, ran: false, error: 'no nameserver to ask', durationMs: 0 };
  const r = await run([process.execPath, WORKER, DNS_PROBE_NAME, String(ANSWER_TIMEOUT_MS), ...servers], { ns, timeoutMs: ANSWER_TIMEOUT_MS + 3000 });
  try {
    const parsed = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as DnsServerResult[];
    if (Array.isArray(parsed)) return { ...base, servers: parsed, ran: true, error: null, durationMs: r.durationMs };
  } catch {
    /* fall through: the worker did not run */
  }
  return { ...base, ran: false, error: describeFailure(r), durationMs: r.durationMs };
}
