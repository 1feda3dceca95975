// What the learn watcher reports about a lab world, and what the judge makes of it.
import type { NetSnapshot } from '../model/snapshot.js';
import type { PingResult } from '../model/result.js';

/** What crossed one interface while netdoctor pinged (HopCount-compatible). */
export interface PathHop {
  interface: string;
  requests: number;
  replies: number;
  /** Source addresses of the echo requests, when a capture saw them (counters cannot tell). */
  sources: string[];
}

export interface PathEvidence {
  /** 'capture': real packets seen by pcap; 'counters': the links' packet counters. */
  source: 'capture' | 'counters';
  bridge: PathHop | null;
  uplink: PathHop | null;
}

/** One message of the watcher running inside the world (one JSON line each). */
export type WatchMessage =
  | { type: 'snapshot'; seq: number; snapshot: NetSnapshot }
  | { type: 'ping'; seq: number; ping: PingResult; path: PathEvidence | null }
  | { type: 'error'; message: string };
