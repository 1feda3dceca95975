// The DNS query worker's output (dns-query-worker.ts) -> per-server results. It prints
// {"sent":S} when the query to S is out, one result object per server as it settles, and
// finally the array of all; a parent that stops waiting early has only the lines so far.
import type { DnsProbeResult } from '../model/result.js';

export type DnsServerResult = DnsProbeResult['servers'][number];

export interface DnsWorkerLines {
  /** The final array: the worker finished. */
  all: DnsServerResult[] | null;
  /** Results so far, by server. */
  settled: Map<string, DnsServerResult>;
  /** Servers whose query is out. */
  sent: Set<string>;
}

export function readDnsWorkerLines(lines: readonly string[]): DnsWorkerLines {
  const out: DnsWorkerLines = { all: null, settled: new Map(), sent: new Set() };
  for (const line of lines) {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    if (Array.isArray(v)) out.all = v as DnsServerResult[];
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.sent === 'string') out.sent.add(o.sent);
      else if (typeof o.server === 'string' && typeof o.answered === 'boolean') out.settled.set(o.server, o as unknown as DnsServerResult);
    }
  }
  return out;
}

/**
 * The servers' results. `cut` (the caller stopped waiting): every server not yet settled gets
 * its error: "timeout" (its time was up) or "abandoned", with how long its query had been out
 * (null: never sent). Without it, null unless the worker finished or settled every server.
 */
export function dnsServerResults(
  asked: readonly string[],
  got: DnsWorkerLines,
  cut: { error: 'abandoned' | 'timeout'; waitedMs: (server: string) => number | null } | null,
): DnsServerResult[] | null {
  if (got.all) return got.all;
  if (cut) {
    return asked.map((server) => {
      const settled = got.settled.get(server);
      if (settled) return settled;
      const base = { server, answered: false, rcode: null, ms: null };
      if (cut.error === 'timeout') return { ...base, error: 'timeout' };
      return { ...base, error: 'abandoned', waitedMs: got.sent.has(server) ? cut.waitedMs(server) : null };
    });
  }
  return asked.every((s) => got.settled.has(s)) ? asked.map((s) => got.settled.get(s)!) : null;
}

/** The servers neither answered nor failed yet. */
export function pendingServers(asked: readonly string[], got: DnsWorkerLines): string[] {
  return got.all ? [] : asked.filter((s) => !got.settled.has(s));
}
