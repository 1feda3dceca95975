// The narrow interface between the interactive UI and everything that touches the system.
// The UI (src/ui) renders state and calls these; it never imports system code, so every
// component and hook is tested with fake actions, and the real ones (actions.ts) are wired
// in by the session command.
import type { FixPlan } from '../model/result.js';
import type { LiveReport } from '../diagnosis/live.js';
import type { StepId } from '../diagnosis/steps.js';

export type { LiveReport, LiveStep, LiveStatus } from '../diagnosis/live.js';

/** One fix offered for confirmation: the step it repairs and its plan (argv to apply and undo). */
export interface FixOffer {
  stepId: StepId | string;
  plan: FixPlan;
}

/** A prompt is a function that returns a Promise: the UI shows the offers and resolves on y/n. */
export type Confirm = (offers: FixOffer[], question: string) => Promise<boolean>;

/** Progress while fixing or undoing, one line each: shown as the session's log. */
export interface ActionEvent {
  level: 'info' | 'ok' | 'error';
  text: string;
}

export interface ActionOutcome {
  /** Something on the system changed (then the session re-checks). */
  changed: boolean;
  /** One line for the log: what happened, or why nothing did. */
  message: string;
}

/** Packets seen at one place on the path, for the live path diagram. */
export interface PathHop {
  /** namespace, veth, bridge, forward, nat, uplink ... */
  id: string;
  label: string;
  /** Packets seen there so far (null: not observed at this hop). */
  count: number | null;
  /** e.g. "src 10.0.0.2" before NAT, "src 203.0.113.2" after. */
  note?: string;
  /** Echo replies seen there on their way back (null or absent: not counted at this hop). */
  replies?: number | null;
  /** How the hop looks: the packets passed, died here, or it is not known (yet). */
  state?: 'ok' | 'dead' | 'unknown';
}

export interface PathView {
  hops: PathHop[];
  /** The source address as the namespace sent it, and as it left the uplink (after NAT). */
  sourceBefore: string | null;
  sourceAfter: string | null;
  /** One line: where the packets stop, once that is known. */
  verdict: string | null;
  running: boolean;
  /** What the capture is doing now ("capturing while pinging 198.51.100.8", "tracing who dropped them"). */
  status?: string;
  /** The ping's target, shown at the end of the path. */
  target?: string;
  /** The step the verdict implicates, and what to believe when it differs from the inspection. */
  step?: string | null;
  advice?: string | null;
  /** Who dropped the packets, as nft tracing saw it (one line), and the rule. */
  drop?: string | null;
  rule?: string | null;
  /** The capture could not run: why, and what to do (the same words as `check`). */
  unavailable?: { reason: string; remedy: string } | null;
}

export type CaptureSupport =
  | { available: true; start(onUpdate: (view: PathView) => void): { stop(): Promise<void> } }
  | { available: false; reason: string };

export interface SessionActions {
  /** Diagnose once; `onUpdate` gets the checklist as it fills in; resolves with the final state. */
  diagnose(onUpdate: (live: LiveReport) => void): Promise<LiveReport>;
  /** Where a diagnosis already under way stands (the UI's first frame starts from it), if any. */
  peek?(): LiveReport | null;
  /** Apply the fixes of these steps (in order), asking `confirm` first. */
  fix(stepIds: string[], confirm: Confirm, onEvent: (e: ActionEvent) => void): Promise<ActionOutcome>;
  /** Fix everything, diagnosis after diagnosis, asking first. */
  fixAll(confirm: Confirm, onEvent: (e: ActionEvent) => void): Promise<ActionOutcome>;
  /** Undo netdoctor's last run of fixes, asking first. */
  undo(confirm: Confirm, onEvent: (e: ActionEvent) => void): Promise<ActionOutcome>;
  capture: CaptureSupport;
}

/** What the session is looking at, for the header line. */
export interface SessionTarget {
  ns: string;
  hostNs: string | null;
  bridge: string | null;
  target: string;
  /** Set when netdoctor built a sandbox lab for this session (removed on quit). */
  labPrefix?: string | null;
}
