// The session's live packet path: a pure reducer over what the capture reports (packets as
// they are seen, the ping's progress, the trace), and the view the UI draws from it. The
// counts per hop are recomputed from the packets on every event, so what is on screen is
// always exactly what was seen; the verdict is the same judgePath() that `check` uses, given
// once the ping has finished (half a ping would give a wrong one).
import type { CapturedPacket, HopCount, TraceDrop, TraceInfo } from '../model/capture.js';
import { countHops, judgePath, type PathVerdict } from '../diagnosis/path-verdict.js';
import type { StepId } from '../diagnosis/steps.js';
import type { PathHop, PathView } from './types.js';

/** Where the packets go, from the diagnosis: names and addresses the capture watches. */
export interface PathWhere {
  ns: string;
  /** The namespace's own (private) address: the source before NAT. */
  nsAddress: string;
  /** The namespace's end of the veth, and the host's end (captured when known). */
  nsVeth: string | null;
  hostVeth: string | null;
  bridge: string;
  /** Null: the host has no route to the target. */
  uplink: string | null;
  target: string;
  /** The inspection's diagnosis, which the verdict is compared with. */
  passive: StepId | null;
  /** That diagnosis is about traffic a ping does not test (the ping answered; judgePath). */
  passiveBeyondPing?: boolean;
  /** The host's other ways out (otherWaysOut): replies may come back there. */
  others?: string[];
  /** Every IPv4 address on the host side: a source NAT to none of them is wrong. */
  hostAddresses?: string[];
}

export type PathEvent =
  /** The capture sessions are open on these interfaces; the ping starts. */
  | { type: 'capturing'; interfaces: string[] }
  /** The ping reported echo request `seq` (answered or not). */
  | { type: 'sent'; seq: number }
  | { type: 'packet'; packet: CapturedPacket }
  | { type: 'ping-done'; transmitted: number; received: number; error: string | null }
  | { type: 'tracing' }
  | { type: 'traced'; drop: TraceDrop | null; info: TraceInfo }
  | { type: 'unavailable'; reason: string; remedy: string }
  /** Finished: by itself (the ping and any trace are done) or stopped by the user. */
  | { type: 'finished'; by: 'done' | 'user' };

export type PathPhase = 'starting' | 'capturing' | 'tracing' | 'done' | 'stopped' | 'unavailable';

export interface PathState {
  where: PathWhere;
  phase: PathPhase;
  /** Interfaces the capture opened (null until it did). */
  interfaces: string[] | null;
  packets: CapturedPacket[];
  /** Echo requests the ping has sent so far (its own count; the summary's at the end). */
  sent: number;
  received: number | null;
  pingError: string | null;
  drop: TraceDrop | null;
  trace: TraceInfo | null;
  unavailable: { reason: string; remedy: string } | null;
}

export function initialPath(where: PathWhere): PathState {
  return { where, phase: 'starting', interfaces: null, packets: [], sent: 0, received: null, pingError: null, drop: null, trace: null, unavailable: null };
}

const FINAL: PathPhase[] = ['done', 'stopped', 'unavailable'];

export function reducePath(state: PathState, ev: PathEvent): PathState {
  // Nothing changes a finished capture (a late packet from the worker's drain included).
  if (FINAL.includes(state.phase)) return state;
  switch (ev.type) {
    case 'capturing':
      return { ...state, phase: 'capturing', interfaces: ev.interfaces };
    case 'sent':
      return { ...state, sent: Math.max(state.sent, ev.seq) };
    case 'packet':
      return { ...state, packets: [...state.packets, ev.packet] };
    case 'ping-done':
      return { ...state, sent: Math.max(state.sent, ev.transmitted), received: ev.received, pingError: ev.error };
    case 'tracing':
      return { ...state, phase: 'tracing' };
    case 'traced':
      return { ...state, drop: ev.drop, trace: ev.info };
    case 'unavailable':
      return { ...state, phase: 'unavailable', unavailable: { reason: ev.reason, remedy: ev.remedy } };
    case 'finished':
      return { ...state, phase: ev.by === 'user' ? 'stopped' : 'done' };
  }
}

/** The capture's counts at the bridge, the uplink (only when it was opened), the other ways out and the veth. */
export function pathCounts(state: PathState): { bridge: HopCount; uplink: HopCount | null; elsewhere: HopCount[]; veth: HopCount | null } {
  const { where, interfaces, packets } = state;
  const uplink = where.uplink && interfaces?.includes(where.uplink) ? where.uplink : null;
  const hops = countHops(packets, where.bridge, uplink, (where.others ?? []).filter((o) => interfaces?.includes(o)));
  const veth = where.hostVeth && interfaces?.includes(where.hostVeth) ? where.hostVeth : null;
  const onVeth = packets.filter((p) => p.role === 'veth');
  return {
    ...hops,
    veth: veth
      ? { interface: veth, requests: onVeth.filter((p) => p.direction === 'request').length, replies: onVeth.filter((p) => p.direction === 'reply').length, sources: [], replyDestinations: [] }
      : null,
  };
}

/** The packets reached the bridge and went missing on this host: worth asking nft who dropped them. */
export function diedOnHost(state: PathState): boolean {
  if (state.received) return false;
  const { bridge, uplink, elsewhere } = pathCounts(state);
  const { verdict } = judgePath({ bridge, uplink, elsewhere, nsAddress: state.where.nsAddress, target: state.where.target, passive: null, drop: null });
  return verdict === 'not-forwarded' || verdict === 'reply-not-returned';
}

/** The verdict, once the ping has finished and the bridge was watched (null before). */
export function pathVerdict(state: PathState): PathVerdict | null {
  if (state.phase !== 'done' || state.received === null || state.pingError) return null;
  if (!state.interfaces?.includes(state.where.bridge)) return null;
  const { bridge, uplink, elsewhere } = pathCounts(state);
  const { where } = state;
  return judgePath({ bridge, uplink, elsewhere, nsAddress: where.nsAddress, target: where.target, passive: where.passive, passiveBeyondPing: where.passiveBeyondPing, drop: state.drop, hostAddresses: where.hostAddresses });
}

function status(state: PathState): string {
  const t = state.where.target;
  switch (state.phase) {
    case 'starting':
      return 'starting the capture…';
    case 'capturing':
      return `capturing while pinging ${t} (c stops)`;
    case 'tracing':
      return 'the packets died here: tracing who dropped them…';
    case 'done':
      return `pinged ${t}: ${state.sent} sent, ${state.received ?? 0} answered (c closes)`;
    case 'stopped':
      return 'stopped before the ping finished: no verdict';
    case 'unavailable':
      return 'the capture is unavailable';
  }
}

/** The view the UI renders: one row per place on the path, the NAT rewrite, the verdict. */
export function pathView(state: PathState): PathView {
  const { where } = state;
  const { bridge, uplink, elsewhere, veth } = pathCounts(state);
  const seen = state.interfaces !== null;
  const verdict = pathVerdict(state);
  const finished = state.phase === 'done';
  const after = uplink?.sources.length ? uplink.sources : [];
  const untranslated = after.includes(where.nsAddress);
  // A place the echo requests reached is ok; one they never reached, once the ping is over, is where they died.
  const reached = (n: number): PathHop['state'] => (n > 0 ? 'ok' : finished ? 'dead' : 'unknown');

  const hops: PathHop[] = [
    {
      id: 'namespace',
      label: `namespace ${where.ns}`,
      // Every request seen on the host side left the namespace: the ping's own count lags a little.
      count: Math.max(state.sent, veth?.requests ?? 0, bridge.requests) || (seen ? 0 : null),
      replies: state.received,
      note: `src ${where.nsAddress}${where.nsVeth ? ` via ${where.nsVeth}` : ''}`,
      state: Math.max(state.sent, bridge.requests) > 0 ? 'ok' : finished ? 'dead' : 'unknown',
    },
    veth
      ? { id: 'veth', label: `veth ${veth.interface}`, count: veth.requests, replies: veth.replies, note: 'host end', state: reached(veth.requests) }
      : { id: 'veth', label: `veth ${where.hostVeth ?? '?'}`, count: null, note: seen ? 'not watched' : '' },
    { id: 'bridge', label: `bridge ${where.bridge}`, count: seen ? bridge.requests : null, replies: seen ? bridge.replies : null, note: bridge.sources.length ? `src ${bridge.sources.join(', ')}` : '', state: seen ? reached(bridge.requests) : 'unknown' },
  ];
  const forwarded = uplink !== null && uplink.requests > 0;
  hops.push({
    id: 'forward',
    label: 'forward (routing, FORWARD)',
    count: null,
    note: state.drop ? `dropped: ${state.drop.summary}` : forwarded ? 'passed' : finished && bridge.requests > 0 ? 'nothing came out' : '',
    state: state.drop || (finished && bridge.requests > 0 && !forwarded) ? 'dead' : forwarded ? 'ok' : 'unknown',
  });
  hops.push({
    id: 'nat',
    label: 'NAT (POSTROUTING)',
    count: null,
    note: !after.length ? '' : untranslated ? `none: the source stays ${where.nsAddress}` : `${where.nsAddress} -> ${after.join(', ')}`,
    state: !after.length ? 'unknown' : untranslated ? 'dead' : 'ok',
  });
  hops.push(
    where.uplink
      ? {
          id: 'uplink',
          label: `uplink ${where.uplink}`,
          count: uplink ? uplink.requests : null,
          replies: uplink ? uplink.replies : null,
          note: !uplink ? (seen ? 'could not be watched' : '') : after.length ? `src ${after.join(', ')}${untranslated ? ' (not translated)' : ' (after NAT)'}` : '',
          state: uplink ? reached(uplink.requests) : 'unknown',
        }
      : { id: 'uplink', label: 'uplink (none)', count: null, note: 'the host has no route to the target', state: 'dead' },
  );
  // The other ways out: replies that come back there, not on the uplink, die of strict rp_filter.
  for (const h of elsewhere) {
    const back = h.replies > 0 && bridge.replies === 0 && finished;
    hops.push({ id: `elsewhere:${h.interface}`, label: `also out ${h.interface}`, count: h.requests, replies: h.replies, note: h.replies > 0 ? 'replies came back here' : '', state: back ? 'dead' : h.replies > 0 || h.requests > 0 ? 'ok' : 'unknown' });
  }

  const pingProblem = state.pingError ? `the ping could not run: ${state.pingError}` : null;
  return {
    hops,
    sourceBefore: bridge.sources[0] ?? where.nsAddress,
    sourceAfter: after.length ? after.join(', ') : null,
    verdict: verdict?.summary ?? pingProblem,
    running: state.phase === 'starting' || state.phase === 'capturing' || state.phase === 'tracing',
    status: status(state),
    target: where.target,
    step: verdict?.step ?? null,
    advice: verdict?.advice ?? (verdict?.agreement === 'confirms' ? `the capture confirms the diagnosis (${verdict.step})` : null),
    drop: state.drop?.summary ?? null,
    rule: state.drop?.rule ?? null,
    unavailable: state.unavailable,
  };
}
