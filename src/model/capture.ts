// The packet-path probe: what crossed the bridge and the uplink while the ping ran, the
// verdict on where the packets died, and (from nft tracing) the rule or policy that dropped them.
import type { StepId } from '../diagnosis/steps.js';
import type { Owner } from '../diagnosis/owners.js';

/**
 * 'veth': the host end of the namespace's veth (the session's live path watches it too).
 * 'other-uplink': another way out of the host (a default or gateway route): replies that come
 * back there, not on the uplink, are what strict rp_filter drops.
 */
export type CaptureRole = 'bridge' | 'uplink' | 'veth' | 'other-uplink';

/** One packet the capture worker saw: a compact summary, never the payload. */
export interface CapturedPacket {
  /** Milliseconds since the epoch (pcap's timestamp). */
  time: number;
  interface: string;
  role: CaptureRole;
  /** request: toward the target; reply: from the target (by ICMP type). */
  direction: 'request' | 'reply' | 'other';
  /** 'echo-request', 'echo-reply', or 'icmp-TYPE'. */
  type: string;
  source: string;
  destination: string;
  /** ICMP echo identifier and sequence (null for other ICMP). */
  id: number | null;
  seq: number | null;
}

/** What crossed one interface. */
export interface HopCount {
  interface: string;
  requests: number;
  replies: number;
  /** Distinct source addresses of the echo requests, in the order seen. */
  sources: string[];
  /** Distinct destination addresses of the echo replies, in the order seen. */
  replyDestinations: string[];
}

export type PathVerdictId =
  | 'ok'
  | 'never-reaches-bridge'
  | 'not-forwarded'
  | 'leaves-untranslated'
  | 'no-answer-upstream'
  | 'reply-not-returned';

/** Who dropped the packet, as nft tracing (or legacy counters) saw it. */
export interface TraceDrop {
  /** 'nft-trace' or 'iptables-legacy-counters'. */
  source: 'nft-trace' | 'iptables-legacy-counters';
  family: string;
  table: string;
  chain: string;
  /** 'rule': a rule's verdict; 'policy': the chain's policy. */
  kind: 'rule' | 'policy';
  verdict: string;
  /** The rule as nft printed it (rule drops only). */
  rule: string | null;
  handle: number | null;
  owner: Owner;
  /** Which of the probe's packets died there: the echo request, or the reply on its way back. */
  direction: 'request' | 'reply' | null;
  /** One line for people: "rule ... in ip filter FORWARD (Docker's)". */
  summary: string;
}

export interface TraceInfo {
  ran: boolean;
  /** Why it did not run or what went wrong; null when it ran cleanly. */
  note: string | null;
  /** The temporary table it used (removed afterwards). */
  table: string | null;
}

/**
 * 'beyond-ping': the ping's round trip works (the capture saw it), while the inspection blames
 * a step for traffic a ping does not test (TCP, UDP dropped while ICMP passes): both are right.
 */
export type Agreement = 'confirms' | 'differs' | 'no-passive-diagnosis' | 'healthy' | 'beyond-ping';

export interface CaptureReport {
  available: boolean;
  /** Why the capture could not run, and what to do about it (null when it ran). */
  reason: string | null;
  remedy: string | null;
  bridge: HopCount | null;
  uplink: HopCount | null;
  /** The host's other ways out, watched for replies that come back there (empty: none). */
  elsewhere: HopCount[];
  verdict: PathVerdictId | null;
  /** The verdict in words. */
  summary: string | null;
  /** The step the verdict implicates (null when the path is ok). */
  step: StepId | null;
  /** How the verdict relates to the passive diagnosis, and which to believe when they differ. */
  agreement: Agreement | null;
  advice: string | null;
  drop: TraceDrop | null;
  trace: TraceInfo | null;
  durationMs: number;
}

/** What the capture worker delivered: the raw material of a CaptureReport. */
export type CaptureOutcome =
  | {
      available: true;
      packets: CapturedPacket[];
      /** Interfaces actually captured on. */
      interfaces: string[];
      /** Interfaces that could not be opened, with pcap's message. */
      errors: { interface: string; message: string }[];
      durationMs: number;
    }
  | { available: false; reason: string; remedy: string; durationMs: number };
