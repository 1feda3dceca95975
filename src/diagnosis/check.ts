// The shape of one step's check: a pure function from the gathered facts to an outcome.
import type { NetSnapshot } from '../model/snapshot.js';
import type { DnsProbeResult, FixPlan, MtuProbeResult, PingResult, StepStatus } from '../model/result.js';
import type { CommandScope } from '../fixes/commands.js';
import type { StepId } from './steps.js';
import type { Topology } from './topology.js';

export interface CheckContext {
  snap: NetSnapshot;
  topo: Topology;
  scope: CommandScope;
  /** The ping probe, when it ran. */
  ping: PingResult | null;
  /** The DNS probe, when it ran. */
  dns: DnsProbeResult | null;
  /** The path MTU probe, when it ran. */
  mtu: MtuProbeResult | null;
  /** Results of the steps before this one (checks may read their prerequisites' outcomes). */
  statusOf(id: StepId): StepStatus | undefined;
}

export interface CheckOutcome {
  /** 'error': the facts this step needs could not be read (a tool timed out or is missing). */
  status: StepStatus;
  summary: string;
  evidence: string[];
  fix?: FixPlan | null;
  /**
   * The ping cannot disprove this fault (e.g. TCP 443 dropped while ICMP passes): a successful
   * ping does not downgrade it to a warning.
   */
  beyondPing?: boolean;
}

export interface Check {
  id: StepId;
  title: string;
  /** Why the step matters, taught the way the tutorial teaches it. */
  explanation: string;
  /** The explanation for this namespace (its real addresses); `explanation` when absent. */
  explain?(ctx: CheckContext): string;
  /** Steps that must pass (or warn) for this one to be judged; otherwise it is skipped. */
  requires: StepId[];
  /** Warn-only steps never fail the diagnosis. */
  warnOnly?: boolean;
  run(ctx: CheckContext): CheckOutcome;
}

export const pass = (summary: string, evidence: string[] = []): CheckOutcome => ({ status: 'pass', summary, evidence });
export const fail = (summary: string, evidence: string[], fix: FixPlan | null = null): CheckOutcome => ({ status: 'fail', summary, evidence, fix });
export const warn = (summary: string, evidence: string[], fix: FixPlan | null = null): CheckOutcome => ({ status: 'warn', summary, evidence, fix });
export const error = (summary: string, evidence: string[]): CheckOutcome => ({ status: 'error', summary, evidence });
export const skip = (summary: string, evidence: string[] = []): CheckOutcome => ({ status: 'skip', summary, evidence });
