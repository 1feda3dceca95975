// A diagnosis that fills in as the facts arrive, for the interactive checklist. The snapshot
// comes in stages (links and routes first, then netfilter and the forward lookup) and the ping
// last; each step is judged as soon as every fact it reads, and every prerequisite, is final.
// Pure: the same facts and stages always give the same view. The final view is the full
// report from diagnose(), so what the checklist ends with is exactly what `check` prints.
import type { NetSnapshot } from '../model/snapshot.js';
import type { DnsProbeResult, PingResult, Report, StepResult } from '../model/result.js';
import { CHECKS } from './checks/index.js';
import { diagnose } from './diagnose.js';
import { STEP_IDS, type StepId } from './steps.js';

/** What has been gathered: `links` (links, routes, lookups, base sysctls, resolv.conf),
 * `rules` (netfilter, per-interface sysctls, the forward lookup), `ping`, `dns` (the DNS query:
 * it waits longest for an answer that may never come, and only ns.dns reads it), `mtu`. */
export type FactStage = 'links' | 'rules' | 'ping' | 'dns' | 'mtu';

export type LiveStatus = StepResult['status'] | 'running';

export interface LiveStep extends Omit<StepResult, 'status'> {
  status: LiveStatus;
}

export interface LiveReport {
  steps: LiveStep[];
  /** The full report once every fact is in; null while the diagnosis is still running. */
  report: Report | null;
  /**
   * The diagnosis and egress as they will be in the report, once nothing still running can
   * change them (only warn-only steps such as ns.dns are left): the session shows them at once
   * instead of waiting for a DNS answer that may never come. Null until then; with `report`, its.
   */
  verdict?: Verdict | null;
}

export type Verdict = Pick<Report, 'diagnosis' | 'egress' | 'target'>;

// Which stage each step reads. A step not listed (added later) waits for everything, which
// is always correct, only less live.
const NEEDS: Partial<Record<string, FactStage[]>> = {
  'netns.exists': ['links'],
  'bridge.exists': ['links'],
  'bridge.up': ['links'],
  'bridge.address': ['links'],
  'veth.exists': ['links'],
  'veth.attached': ['links'],
  'veth.up': ['links'],
  'ns.link-up': ['links'],
  'ns.loopback-up': ['links'],
  'ns.address': ['links'],
  'ns.default-route': ['links'],
  'host.uplink': ['links'],
  'host.subnet-overlap': ['links'],
  'host.ip-forward': ['links', 'rules'],
  'host.rp-filter': ['links', 'rules'],
  'host.forward': ['links', 'rules'],
  'host.br-netfilter': ['links', 'rules'],
  'host.netfilter-backends': ['links', 'rules'],
  'host.masquerade': ['links', 'rules'],
  'host.conntrack': ['links', 'rules'],
  // The DNS answer is its own stage (it can take its full timeout); the step reads the ping too.
  'ns.dns': ['links', 'ping', 'dns'],
  // Measured after everything else (only once the ping got through): judged in the final report.
  'path.mtu': ['links', 'ping', 'mtu'],
  'egress.ping': ['ping'],
};

const EVERYTHING: FactStage[] = ['links', 'rules', 'ping', 'dns'];

export function stagesNeeded(id: string): FactStage[] {
  return NEEDS[id] ?? EVERYTHING;
}

function titleOf(id: StepId): { title: string; explanation: string } {
  const c = CHECKS.find((x) => x.id === id);
  return { title: c?.title ?? id, explanation: c?.explanation ?? '' };
}

/** Every step running: the first frame, before any fact is in. */
export function allRunning(): LiveReport {
  return {
    steps: STEP_IDS.map((id) => ({ id, ...titleOf(id), status: 'running', summary: 'checking…', evidence: [], fix: null })),
    report: null,
  };
}

/**
 * Judge what can be judged. `snap` is the snapshot as far as it is gathered (null: nothing
 * yet); `given` says which stages are complete. With every stage in, this is diagnose().
 */
export function judgeLive(snap: NetSnapshot | null, ping: PingResult | null, given: ReadonlySet<FactStage>, dns: DnsProbeResult | null = null): LiveReport {
  if (!snap) return allRunning();
  // The path MTU is measured only after a plain ping got through: without a reply it never is.
  const arrived = new Set(given);
  if (arrived.has('ping') && !(ping?.ran && ping.received > 0)) arrived.add('mtu');
  const full = diagnose(snap, arrived.has('ping') ? ping : null, arrived.has('dns') ? dns : null);
  if (EVERYTHING.every((s) => arrived.has(s))) return { steps: full.steps, report: full, verdict: verdictOf(full) };
  const requires = new Map(CHECKS.map((c) => [c.id, c.requires]));
  const pending = new Set<StepId>();
  for (const step of full.steps) {
    const missingFacts = stagesNeeded(step.id).some((s) => !arrived.has(s));
    const waitsOnPrereq = (requires.get(step.id) ?? []).some((r) => pending.has(r));
    if (missingFacts || waitsOnPrereq) pending.add(step.id);
  }
  // Warn-only steps never become the diagnosis; the ping decides egress (and whether a failing
  // step only warns). So once the ping is in and only warn-only steps are pending, it is final.
  const warnOnly = new Set(CHECKS.filter((c) => c.warnOnly).map((c) => c.id));
  const settled = arrived.has('ping') && [...pending].every((id) => warnOnly.has(id));
  return {
    steps: full.steps.map((s) => (pending.has(s.id) ? { ...s, status: 'running', summary: 'checking…', evidence: [], fix: null } : s)),
    report: null,
    verdict: settled ? verdictOf(full) : null,
  };
}

function verdictOf(r: Report): Verdict {
  return { diagnosis: r.diagnosis, egress: r.egress, target: r.target };
}
