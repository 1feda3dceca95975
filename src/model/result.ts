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
  probes: { ping: PingResult | null; capture: CaptureReport | null };
}
