// The packet-path verdict: from what crossed the bridge and the uplink while the ping ran,
// where the packets died and which step that implicates. Pure: packets in, verdict out.
import type { Agreement, CapturedPacket, CaptureOutcome, CaptureReport, HopCount, PathVerdictId, TraceDrop, TraceInfo } from '../model/capture.js';
import { isStepId, type StepId } from './steps.js';

export interface PathVerdict {
  verdict: PathVerdictId;
  summary: string;
  step: StepId | null;
  agreement: Agreement;
  advice: string | null;
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}

function count(iface: string, packets: CapturedPacket[]): HopCount {
  const requests = packets.filter((p) => p.direction === 'request');
  const replies = packets.filter((p) => p.direction === 'reply');
  return {
    interface: iface,
    requests: requests.length,
    replies: replies.length,
    sources: distinct(requests.map((p) => p.source)),
    replyDestinations: distinct(replies.map((p) => p.destination)),
  };
}

/**
 * Count per hop. On the uplink only the probe's own echo exchange counts: when the bridge saw
 * echo identifiers that also appear on the uplink, other pings to the same target (from the
 * host itself, say) are left out. NAT may remap an identifier; then everything to the target counts.
 */
export function countHops(packets: CapturedPacket[], bridge: string, uplink: string | null): { bridge: HopCount; uplink: HopCount | null } {
  const onBridge = packets.filter((p) => p.role === 'bridge');
  let onUplink = packets.filter((p) => p.role === 'uplink');
  const ids = new Set(onBridge.filter((p) => p.direction === 'request' && p.id !== null).map((p) => p.id));
  if (onUplink.some((p) => p.id !== null && ids.has(p.id))) onUplink = onUplink.filter((p) => p.id !== null && ids.has(p.id));
  return { bridge: count(bridge, onBridge), uplink: uplink ? count(uplink, onUplink) : null };
}

// The steps each verdict can implicate, most likely first. When the passive diagnosis is one
// of them, the verdict agrees with it; otherwise the first is the verdict's own pick.
const NAMESPACE_SIDE = ['ns.default-route', 'netns.exists', 'bridge.exists', 'bridge.up', 'bridge.address', 'veth.exists', 'veth.attached', 'veth.up', 'ns.link-up', 'ns.address'];
const FORWARDING = ['host.ip-forward', 'host.forward', 'host.uplink', 'host.rp-filter', 'host.br-netfilter', 'host.netfilter-backends', 'host.subnet-overlap'];
const CANDIDATES: Record<Exclude<PathVerdictId, 'ok'>, string[]> = {
  'never-reaches-bridge': NAMESPACE_SIDE,
  'not-forwarded': FORWARDING,
  'leaves-untranslated': ['host.masquerade'],
  'no-answer-upstream': ['egress.ping', 'path.mtu'],
  'reply-not-returned': ['host.forward', 'host.conntrack', 'host.masquerade', 'host.rp-filter', 'host.br-netfilter'],
};

function pickStep(verdict: Exclude<PathVerdictId, 'ok'>, passive: StepId | null, drop: TraceDrop | null): StepId | null {
  const candidates = CANDIDATES[verdict].filter(isStepId);
  if (passive && candidates.includes(passive)) return passive;
  // A rule or policy that dropped the packet is the FORWARD path's business.
  if (drop && (verdict === 'not-forwarded' || verdict === 'reply-not-returned')) return 'host.forward';
  return candidates[0] ?? null;
}

export interface VerdictInput {
  bridge: HopCount;
  uplink: HopCount | null;
  /** The namespace's own (private) address: seen on the uplink, nothing translated it. */
  nsAddress: string;
  target: string;
  /** The passive diagnosis (first failing step), null when every step passed. */
  passive: StepId | null;
  drop: TraceDrop | null;
}

function plural(n: number, word: string): string {
  if (n === 1) return `1 ${word}`;
  return `${n} ${word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`}`;
}

export function judgePath(input: VerdictInput): PathVerdict {
  const { bridge, uplink, nsAddress, target, passive, drop } = input;
  const dropped = drop ? `; dropped by ${drop.summary}` : '';
  let verdict: PathVerdictId;
  let summary: string;
  if (bridge.requests === 0) {
    verdict = 'never-reaches-bridge';
    summary = `no echo request from ${nsAddress} reached ${bridge.interface}: the packets never left the namespace's side`;
  } else if (!uplink || uplink.requests === 0) {
    verdict = 'not-forwarded';
    summary = `${plural(bridge.requests, 'echo request')} reached ${bridge.interface} but none left ${uplink?.interface ?? 'an uplink'}: the host did not forward them (ip_forward, the FORWARD path or routing)${dropped}`;
  } else if (uplink.replies > 0 && bridge.replies === 0) {
    verdict = 'reply-not-returned';
    summary = `${plural(uplink.replies, 'reply')} from ${target} arrived on ${uplink.interface} but none reached ${bridge.interface}: the host dropped the replies on the way back${dropped}`;
  } else if (uplink.replies === 0 && uplink.sources.includes(nsAddress)) {
    verdict = 'leaves-untranslated';
    summary = `echo requests left ${uplink.interface} with the private source ${nsAddress}: nothing translated them (no source NAT), so no reply can find its way back`;
  } else if (uplink.replies === 0) {
    verdict = 'no-answer-upstream';
    summary = `echo requests left ${uplink.interface} as ${uplink.sources.join(', ')} but nothing answered: they are lost beyond this host (upstream, or ${target} does not answer pings)`;
  } else {
    verdict = 'ok';
    const nat = uplink.sources.filter((s) => s !== nsAddress);
    summary = `echo requests left ${uplink.interface}${nat.length ? ` as ${nat.join(', ')}` : ''} and ${plural(bridge.replies, 'reply')} came back through ${bridge.interface}`;
  }

  if (verdict === 'ok') {
    return passive
      ? { verdict, summary, step: null, agreement: 'differs', advice: `the inspection blames ${passive}, yet the packets made the round trip: believe the capture; ${passive} does not block egress right now` }
      : { verdict, summary, step: null, agreement: 'healthy', advice: null };
  }
  const step = pickStep(verdict, passive, drop);
  if (!passive) {
    return { verdict, summary, step, agreement: 'no-passive-diagnosis', advice: `every step netdoctor inspects passed, but the capture watched the packets die here: believe the capture${step ? ` and look at ${step}` : ''}` };
  }
  if (passive === step) return { verdict, summary, step, agreement: 'confirms', advice: null };
  if (passive === 'egress.ping') {
    return { verdict, summary, step, agreement: 'differs', advice: `the inspection found nothing wrong; the capture shows where the packets die: believe the capture and look at ${step}` };
  }
  return {
    verdict,
    summary,
    step,
    agreement: 'differs',
    advice: `the inspection blames ${passive}, the capture points at ${step}: believe the capture about where the packets die (it watched real packets), and fix ${passive} too if it still fails once the path works`,
  };
}

/** Everything --json and the text report say about the capture, from the worker's outcome. */
export function captureReport(
  outcome: CaptureOutcome,
  where: { bridge: string; uplink: string | null; nsAddress: string; target: string },
  passive: StepId | null,
  drop: TraceDrop | null,
  trace: TraceInfo | null,
): CaptureReport {
  if (!outcome.available) {
    return { available: false, reason: outcome.reason, remedy: outcome.remedy, bridge: null, uplink: null, verdict: null, summary: null, step: null, agreement: null, advice: null, drop: null, trace, durationMs: outcome.durationMs };
  }
  // An interface pcap could not open saw nothing: judging from it would be a lie.
  const openedUplink = where.uplink && outcome.interfaces.includes(where.uplink) ? where.uplink : null;
  if (!outcome.interfaces.includes(where.bridge)) {
    const why = outcome.errors.find((e) => e.interface === where.bridge)?.message ?? 'not opened';
    return { ...unavailable(`cannot capture on ${where.bridge}: ${why}`, 'check that the bridge exists on the host side', outcome.durationMs), trace };
  }
  const hops = countHops(outcome.packets, where.bridge, openedUplink);
  const v = judgePath({ bridge: hops.bridge, uplink: hops.uplink, nsAddress: where.nsAddress, target: where.target, passive, drop });
  return { available: true, reason: null, remedy: null, bridge: hops.bridge, uplink: hops.uplink, ...v, drop, trace, durationMs: outcome.durationMs };
}

export function unavailable(reason: string, remedy: string, durationMs = 0): CaptureReport {
  return { available: false, reason, remedy, bridge: null, uplink: null, verdict: null, summary: null, step: null, agreement: null, advice: null, drop: null, trace: null, durationMs };
}
