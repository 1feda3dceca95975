// What a diagnosis produces: per-step results, fix plans as data, the overall verdict.
import type { StepId } from '../diagnosis/steps.js';
import type { CaptureReport } from './capture.js';

export type StepStatus = 'pass' | 'fail' | 'warn' | 'skip' | 'error';

/** A fix is data: the argv lines that apply it and the argv lines that undo it. */
export interface FixPlan {
  title: string;
  commands: string[][];
  undo: string[][];
  /** Anything a person must know before running it. */
  notes?: string[];
}

export interface StepResult {
  id: StepId;
  title: string;
  status: StepStatus;
  summary: string;
  evidence: string[];
  explanation: string;
  fix: FixPlan | null;
}

export interface PingResult {
  target: string;
  ran: boolean;
  transmitted: number;
  received: number;
  /** ping's own error line when it could not send at all, e.g. "connect: Network is unreachable". */
  error: string | null;
  rttMs: number | null;
  durationMs: number;
}

/** One real DNS query from inside the namespace to each of its resolvers (`probes.dns`). */
export interface DnsProbeResult {
  /** The name asked for (type A). */
  name: string;
  ran: boolean;
  /**
   * error: "timeout", a socket error, or "abandoned": netdoctor stopped waiting once the ping
   * showed the path to that resolver broken (waitedMs: how long the query had been out).
   */
  servers: { server: string; answered: boolean; rcode: string | null; ms: number | null; error: string | null; waitedMs?: number | null }[];
  /** Why the probe could not run at all. */
  error: string | null;
  durationMs: number;
}

/** Don't-fragment pings of decreasing size from inside the namespace (`probes.mtu`). */
export interface MtuProbeResult {
  target: string;
  /** The namespace interface's MTU: the size the namespace sends. */
  linkMtu: number;
  ran: boolean;
  /** A packet of linkMtu bytes, don't-fragment, got an answer. */
  fullSize: boolean;
  /** The largest packet (bytes, headers included) that got an answer; null: none did. */
  workingMtu: number | null;
  /** An MTU a router announced ("frag needed ... mtu = N"), if any did. */
  reportedMtu: number | null;
  tried: { mtu: number; ok: boolean }[];
  durationMs: number;
}

export type Egress = 'ok' | 'broken' | 'unknown';

export interface Diagnosis {
  step: StepId;
  summary: string;
}

export interface Report {
  schemaVersion: 1;
  target: { ns: string; hostNs: string | null; bridge: string | null; uplink: string | null; probe: string };
  steps: StepResult[];
  diagnosis: Diagnosis | null;
  egress: Egress;
  /** capture: the packet-path probe; null when it was not asked for (--no-probe, --no-capture). */
  probes: { ping: PingResult | null; capture: CaptureReport | null; dns?: DnsProbeResult | null; mtu?: MtuProbeResult | null };
}
