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
 * Count per hop. On the uplink (and the other ways out) only the probe's own echo exchange
 * counts: when the bridge saw echo identifiers that also appear there, other pings to the same
 * target (from the host itself, say) are left out. NAT may remap an identifier; then everything
 * to the target counts.
 */
export function countHops(
  packets: CapturedPacket[],
  bridge: string,
  uplink: string | null,
  others: readonly string[] = [],
): { bridge: HopCount; uplink: HopCount | null; elsewhere: HopCount[] } {
  const onBridge = packets.filter((p) => p.role === 'bridge');
  const ids = new Set(onBridge.filter((p) => p.direction === 'request' && p.id !== null).map((p) => p.id));
  const ours = (list: CapturedPacket[]) => (list.some((p) => p.id !== null && ids.has(p.id)) ? list.filter((p) => p.id !== null && ids.has(p.id)) : list);
  const onUplink = ours(packets.filter((p) => p.role === 'uplink'));
  const elsewhere = others.filter((o) => o !== bridge && o !== uplink).map((o) => count(o, ours(packets.filter((p) => p.role === 'other-uplink' && p.interface === o))));
  return { bridge: count(bridge, onBridge), uplink: uplink ? count(uplink, onUplink) : null, elsewhere };
}

/**
 * The host's other ways out: interfaces with a default or gateway route besides the uplink and
 * the bridge (the same ones host.rp-filter weighs). Replies may come back in there.
 */
export function otherWaysOut(routes: readonly { dst: string; gateway?: string; dev?: string }[], uplink: string | null, bridge: string, max = 4): string[] {
  const devs: string[] = [];
  for (const r of routes) {
    if (!r.dev || r.dev === uplink || r.dev === bridge || r.dev === 'lo' || devs.includes(r.dev)) continue;
    if (r.dst === 'default' || r.gateway) devs.push(r.dev);
  }
  return devs.slice(0, max);
}

// The steps each verdict can implicate, most likely first. When the passive diagnosis is one
// of them, the verdict agrees with it; otherwise the first is the verdict's own pick.
const NAMESPACE_SIDE = ['ns.default-route', 'netns.exists', 'bridge.exists', 'bridge.up', 'bridge.address', 'veth.exists', 'veth.attached', 'veth.up', 'ns.link-up', 'ns.address'];
const FORWARDING = ['host.ip-forward', 'host.forward', 'host.uplink', 'host.rp-filter', 'host.br-netfilter', 'host.netfilter-backends', 'host.subnet-overlap'];
const REPLY_PATH = ['host.forward', 'host.conntrack', 'host.masquerade', 'host.rp-filter', 'host.br-netfilter'];
type Judged = Exclude<PathVerdictId, 'ok'>;
const CANDIDATES: Record<Judged, string[]> = {
  'never-reaches-bridge': NAMESPACE_SIDE,
  'not-forwarded': FORWARDING,
  'leaves-untranslated': ['host.masquerade'],
  'no-answer-upstream': ['egress.ping', 'path.mtu'],
  'reply-not-returned': REPLY_PATH,
};
// Replies that came back by another interface than the one the requests left by: strict
// rp_filter's signature (a FORWARD rule would have to name that interface).
const REPLY_ELSEWHERE = ['host.rp-filter', ...REPLY_PATH.filter((s) => s !== 'host.rp-filter')];
// Requests translated to an address this host does not have: the answers go to that address.
const FOREIGN_SOURCE = ['host.masquerade'];

function pickStep(verdict: Judged, candidatesFor: string[], passive: StepId | null, drop: TraceDrop | null): StepId | null {
  const candidates = candidatesFor.filter(isStepId);
  if (passive && candidates.includes(passive)) return passive;
  // A rule or policy that dropped the packet is the FORWARD path's business.
  if (drop && (verdict === 'not-forwarded' || verdict === 'reply-not-returned')) return 'host.forward';
  return candidates[0] ?? null;
}

export interface VerdictInput {
  bridge: HopCount;
  uplink: HopCount | null;
  /** The host's other ways out, when they were watched too. */
  elsewhere?: HopCount[];
  /** The namespace's own (private) address: seen on the uplink, nothing translated it. */
  nsAddress: string;
  target: string;
  /** The passive diagnosis (first failing step), null when every step passed. */
  passive: StepId | null;
  /**
   * The passive diagnosis is about traffic a ping does not test (TCP or UDP dropped while ICMP
   * passes: the ping answered, and only such a step still fails then).
   */
  passiveBeyondPing?: boolean;
  drop: TraceDrop | null;
  /** Every IPv4 address of the host side, when known: a source NAT to none of them is wrong. */
  hostAddresses?: readonly string[];
}

function plural(n: number, word: string): string {
  if (n === 1) return `1 ${word}`;
  return `${n} ${word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`}`;
}

export function judgePath(input: VerdictInput): PathVerdict {
  const { bridge, uplink, nsAddress, target, passive, drop } = input;
  const elsewhere = input.elsewhere ?? [];
  const dropped = drop ? `; dropped by ${drop.summary}` : '';
  // Where the requests left: the uplink, or (policy routing) another way out.
  const out = uplink && uplink.requests > 0 ? uplink : (elsewhere.find((h) => h.requests > 0) ?? uplink);
  const leftBy = out && uplink && out !== uplink ? `${out.interface} (not ${uplink.interface}, the route to ${target})` : (out?.interface ?? 'an uplink');
  const repliedOn = [out, ...elsewhere.filter((h) => h !== out)].filter((h): h is HopCount => h !== null && h.replies > 0);
  const replies = repliedOn.reduce((n, h) => n + h.replies, 0);
  let verdict: PathVerdictId;
  let summary: string;
  let candidates: string[] | null = null;
  if (bridge.requests === 0) {
    verdict = 'never-reaches-bridge';
    summary = `no echo request from ${nsAddress} reached ${bridge.interface}: the packets never left the namespace's side`;
  } else if (!out || out.requests === 0) {
    verdict = 'not-forwarded';
    summary = `${plural(bridge.requests, 'echo request')} reached ${bridge.interface} but none left ${out?.interface ?? 'an uplink'}: the host did not forward them (ip_forward, the FORWARD path or routing)${dropped}`;
  } else if (replies > 0 && bridge.replies === 0) {
    verdict = 'reply-not-returned';
    const other = repliedOn.filter((h) => h !== out);
    if (other.length && !repliedOn.includes(out)) {
      candidates = REPLY_ELSEWHERE;
      summary = `${plural(replies, 'reply')} from ${target} came back in on ${other.map((h) => h.interface).join(', ')}, not on ${out.interface} where the requests left, and none reached ${bridge.interface}: the host dropped the replies on the way back (strict rp_filter drops what arrives on another interface than the route back)${dropped}`;
    } else {
      summary = `${plural(replies, 'reply')} from ${target} arrived on ${repliedOn.map((h) => h.interface).join(', ')} but none reached ${bridge.interface}: the host dropped the replies on the way back${dropped}`;
    }
  } else if (replies === 0 && out.sources.includes(nsAddress)) {
    verdict = 'leaves-untranslated';
    summary = `echo requests left ${leftBy} with the private source ${nsAddress}: nothing translated them (no source NAT), so no reply can find its way back`;
  } else if (replies === 0) {
    verdict = 'no-answer-upstream';
    const foreign = input.hostAddresses ? out.sources.filter((s) => s !== nsAddress && !input.hostAddresses!.includes(s)) : [];
    if (foreign.length) {
      candidates = FOREIGN_SOURCE;
      summary = `echo requests left ${leftBy} as ${foreign.join(', ')}, an address this host does not have, and nothing answered: the answers go to ${foreign.join(', ')} and cannot come back here (source NAT to the wrong address)`;
    } else {
      summary = `echo requests left ${leftBy} as ${out.sources.join(', ')} but nothing answered: they are lost beyond this host (upstream, or ${target} does not answer pings)`;
    }
  } else {
    verdict = 'ok';
    const nat = out.sources.filter((s) => s !== nsAddress);
    summary = `echo requests left ${leftBy}${nat.length ? ` as ${nat.join(', ')}` : ''} and ${plural(bridge.replies, 'reply')} came back through ${bridge.interface}`;
  }

  if (verdict === 'ok') {
    if (!passive) return { verdict, summary, step: null, agreement: 'healthy', advice: null };
    // The ping answered and the inspection still fails a step: one about what a ping cannot
    // show (TCP or UDP dropped while ICMP passes). The capture watched only the ping.
    if (input.passiveBeyondPing) {
      return {
        verdict,
        summary,
        step: null,
        agreement: 'beyond-ping',
        advice: `the capture follows only the ping, and its round trip works; the inspection blames ${passive} for traffic a ping does not test: believe both, the ping path is fine and ${passive} still needs fixing`,
      };
    }
    return { verdict, summary, step: null, agreement: 'differs', advice: `the inspection blames ${passive}, yet the packets made the round trip: believe the capture; ${passive} does not block egress right now` };
  }
  const step = pickStep(verdict, candidates ?? CANDIDATES[verdict], passive, drop);
  if (!passive) {
    return { verdict, summary, step, agreement: 'no-passive-diagnosis', advice: `every step netdoctor inspects passed, but the capture watched the packets die here: believe the capture${step ? ` and look at ${step}` : ''}` };
  }
  if (passive === step) return { verdict, summary, step, agreement: 'confirms', advice: null };
  if (passive === 'egress.ping') {
    return { verdict, summary, step, agreement: 'differs', advice: `the inspection found nothing wrong; the capture shows what goes wrong: believe the capture and look at ${step}` };
  }
  return {
    verdict,
    summary,
    step,
    agreement: 'differs',
    advice: `the inspection blames ${passive}, the capture points at ${step}: believe the capture about where the packets die (it watched real packets), and fix ${passive} too if it still fails once the path works`,
  };
}

/** Where the capture looked, and what it knows of the host side. */
export interface CaptureWhere {
  bridge: string;
  uplink: string | null;
  nsAddress: string;
  target: string;
  /** The host's other ways out (otherWaysOut), watched for replies too. */
  others?: string[];
  /** Every IPv4 address on the host side. */
  hostAddresses?: string[];
}

/** Everything --json and the text report say about the capture, from the worker's outcome. */
export function captureReport(
  outcome: CaptureOutcome,
  where: CaptureWhere,
  passive: StepId | null,
  drop: TraceDrop | null,
  trace: TraceInfo | null,
  passiveBeyondPing = false,
): CaptureReport {
  if (!outcome.available) {
    return { ...unavailable(outcome.reason, outcome.remedy, outcome.durationMs), trace };
  }
  // An interface pcap could not open saw nothing: judging from it would be a lie.
  const openedUplink = where.uplink && outcome.interfaces.includes(where.uplink) ? where.uplink : null;
  if (!outcome.interfaces.includes(where.bridge)) {
    const why = outcome.errors.find((e) => e.interface === where.bridge)?.message ?? 'not opened';
    return { ...unavailable(`cannot capture on ${where.bridge}: ${why}`, 'check that the bridge exists on the host side', outcome.durationMs), trace };
  }
  const others = (where.others ?? []).filter((o) => outcome.interfaces.includes(o));
  const hops = countHops(outcome.packets, where.bridge, openedUplink, others);
  const v = judgePath({ ...hops, nsAddress: where.nsAddress, target: where.target, passive, passiveBeyondPing, drop, hostAddresses: where.hostAddresses });
  return { available: true, reason: null, remedy: null, bridge: hops.bridge, uplink: hops.uplink, elsewhere: hops.elsewhere, ...v, drop, trace, durationMs: outcome.durationMs };
}

export function unavailable(reason: string, remedy: string, durationMs = 0): CaptureReport {
  return { available: false, reason, remedy, bridge: null, uplink: null, elsewhere: [], verdict: null, summary: null, step: null, agreement: null, advice: null, drop: null, trace: null, durationMs };
}
