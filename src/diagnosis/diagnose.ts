// Judge a snapshot: run every step's check in dependency order and pinpoint the diagnosis.
// Pure: the same snapshot and ping always give the same report.
import type { NetSnapshot } from '../model/snapshot.js';
import type { DnsProbeResult, Egress, MtuProbeResult, PingResult, Report, StepResult, StepStatus } from '../model/result.js';
import type { Check, CheckContext } from './check.js';
import { CHECKS } from './checks/index.js';
import type { StepId } from './steps.js';
import { resolveTopology } from './topology.js';

const BLOCKS: StepStatus[] = ['fail', 'skip', 'error'];

export function diagnose(snap: NetSnapshot, ping: PingResult | null, dns: DnsProbeResult | null = null, mtu: MtuProbeResult | null = null): Report {
  const topo = resolveTopology(snap);
  const results = new Map<StepId, StepResult>();
  const beyondPing = new Set<StepId>();
  const ctx: CheckContext = {
    snap,
    topo,
    scope: { ns: snap.input.ns, hostNs: snap.input.hostNs },
    ping,
    dns,
    mtu,
    statusOf: (id) => results.get(id)?.status,
  };

  for (const check of CHECKS) {
    const base = { id: check.id, title: check.title, explanation: explanationFor(check, ctx) };
    const blocked = check.requires.filter((r) => BLOCKS.includes(results.get(r)?.status ?? 'skip'));
    let result: StepResult;
    if (blocked.length) {
      result = { ...base, status: 'skip', summary: `skipped: needs ${blocked.join(', ')}`, evidence: [], fix: null };
    } else {
      try {
        const o = check.run(ctx);
        if (o.beyondPing) beyondPing.add(check.id);
        // Warn-only steps never fail the diagnosis.
        const status = check.warnOnly && o.status === 'fail' ? 'warn' : o.status;
        result = { ...base, status, summary: o.summary, evidence: o.evidence, fix: o.fix ?? null };
      } catch (err) {
        // A broken check is a result, never a crashed run.
        result = { ...base, status: 'error', summary: `check failed: ${(err as Error).message}`, evidence: [], fix: null };
      }
    }
    results.set(check.id, result);
  }

  const steps = [...results.values()];
  // A namespace that does not exist cannot reach anything; a probe that could not run proves nothing.
  const egress: Egress = !ping ? 'unknown' : !snap.container ? 'broken' : !ping.ran ? 'unknown' : ping.received > 0 ? 'ok' : 'broken';
  if (egress === 'ok') {
    // The ping is ground truth for what it tests: whatever a step objects to does not block
    // egress right now, unless the ping cannot see it (TCP dropped while ICMP passes).
    for (const s of steps) {
      if (s.status === 'fail' && !beyondPing.has(s.id)) {
        s.status = 'warn';
        s.summary += ` (yet ${snap.input.target} answered the ping: this does not block egress now)`;
      }
    }
  }
  const first = steps.find((s) => s.status === 'fail');
  const diagnosis = first
    ? {
        step: first.id,
        summary:
          first.id === 'egress.ping'
            ? `every step netdoctor checks passes, yet ${first.summary}: the packets are lost beyond what netdoctor inspects (upstream, or a filter it cannot read)`
            : first.summary,
      }
    : null;

  return {
    schemaVersion: 1,
    target: {
      ns: snap.input.ns,
      hostNs: snap.input.hostNs,
      bridge: topo.bridge.link ? topo.bridge.name : snap.input.bridge,
      uplink: topo.uplink?.name ?? null,
      probe: snap.input.target,
    },
    steps,
    diagnosis,
    egress,
    probes: { ping, dns, mtu, capture: null },
  };
}

/** A check's explanation for this namespace; the generic one if it has none (or it throws). */
function explanationFor(check: Check, ctx: CheckContext): string {
  try {
    return check.explain?.(ctx) ?? check.explanation;
  } catch {
    return check.explanation;
  }
}
