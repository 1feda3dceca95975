// What the learn watcher reports about a lab world, and what the judge makes of it.
import type { HopCount } from '../model/capture.js';
import type { NetSnapshot } from '../model/snapshot.js';
import type { PingResult } from '../model/result.js';

/**
 * What crossed one interface while netdoctor pinged: the capture's own per-hop count
 * (src/diagnosis/path-verdict.ts countHops). From counters, `sources` and `replyDestinations`
 * stay empty: counters cannot tell addresses.
 */
export type PathHop = HopCount;

export interface PathEvidence {
  /** 'capture': real packets seen by pcap; 'counters': the links' packet counters. */
  source: 'capture' | 'counters';
  bridge: PathHop | null;
  uplink: PathHop | null;
  /** ns0's own address: the source of its packets before any NAT (null when it has none). */
  nsAddress: string | null;
  /** The host's address on the uplink: what MASQUERADE rewrites the source to. */
  uplinkAddress: string | null;
  /** Why there is no live capture (source 'counters' only): the worker's reason and remedy. */
  captureUnavailable: { reason: string; remedy: string } | null;
}

/** One message of the watcher running inside the world (one JSON line each). */
export type WatchMessage =
  | { type: 'snapshot'; seq: number; snapshot: NetSnapshot }
  | { type: 'ping'; seq: number; ping: PingResult; path: PathEvidence | null }
  | { type: 'error'; message: string };
