// Which lesson steps hold in a lab world right now: a pure function of the world's snapshot
// (gathered by the same system/snapshot.ts as `check`) and the latest ping. Each step is judged
// on its own facts, so steps done out of order are recognised. Masquerade is judged by the
// netfilter evaluator (the same one `check` uses), so any rule that really NATs the tutorial's
// packet counts, whatever backend or spelling.
import type { LinkFact, NetSnapshot } from '../model/snapshot.js';
import type { PingResult } from '../model/result.js';
import { evaluateNatHook } from '../netfilter/evaluate.js';
import { LESSON_STEP_IDS, TUTORIAL_ADDRESSES as A, TUTORIAL_NAMES as N, type LessonStepId } from './lesson.js';

/** holds / missing; unknown: cannot be told right now (a ping not yet taken for this state). */
export type StepState = 'holds' | 'missing' | 'unknown';

export interface StepVerdict {
  state: StepState;
  /** What netdoctor sees, one line: "br0: bridge, UP", "no namespace ns0 yet". */
  detail: string;
}

export type Judgement = Record<LessonStepId, StepVerdict>;

/**
 * A snapshot's identity for "did anything change": the world's configuration, without what moves
 * by itself. Every ping adds a conntrack entry and bumps rule counters, and neighbour entries age;
 * counting those as changes made the watcher ping again after each ping, forever, and left no
 * ping ever "fresh".
 */
const VOLATILE = new Set(['takenAt', 'conntrack', 'rpFilterDrops', 'neighbours', 'packets', 'bytes']);

export function fingerprint(s: NetSnapshot): string {
  return JSON.stringify(s, (key, value: unknown) => (VOLATILE.has(key) ? undefined : value)).replace(/(packets|bytes) \d+/g, '$1 N');
}

function hostLink(s: NetSnapshot, name: string): LinkFact | undefined {
  return s.host.links.find((l) => l.name === name);
}

function nsLink(s: NetSnapshot, name: string): LinkFact | undefined {
  return s.container?.links.find((l) => l.name === name);
}

function v4(l: LinkFact | undefined): string[] {
  return (l?.addrs ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
}

const holds = (detail: string): StepVerdict => ({ state: 'holds', detail });
const missing = (detail: string): StepVerdict => ({ state: 'missing', detail });

function upText(l: LinkFact): string {
  return l.up ? 'UP' : 'down';
}

/**
 * `ping` is the latest ping from ns0, and `pingFresh` whether it was taken in the state this
 * snapshot shows (a stale one leaves the ping step unknown, never wrongly ticked or unticked).
 */
export function judge(s: NetSnapshot, ping: PingResult | null, pingFresh: boolean): Judgement {
  const ns = s.container;
  const br = hostLink(s, N.bridge);
  const veth = hostLink(s, N.vethHost);
  const cethHost = hostLink(s, N.vethNs);
  const ceth = nsLink(s, N.vethNs);
  const lo = nsLink(s, 'lo');
  const out = {} as Judgement;

  out.netns = ns ? holds(`namespace ${N.ns} exists`) : missing(`no namespace ${N.ns} yet (ip netns list shows ${s.namespaces.join(', ') || 'none'})`);

  out.bridge = !br
    ? missing(`no link ${N.bridge} on the host`)
    : br.kind === 'bridge'
      ? holds(`${N.bridge}: bridge`)
      : missing(`${N.bridge} exists but is a ${br.kind ?? 'plain device'}, not a bridge`);
  out['bridge-up'] = br?.kind === 'bridge' && br.up ? holds(`${N.bridge}: UP`) : missing(br ? `${N.bridge} is down` : `no ${N.bridge} yet`);
  const brAddrs = v4(br);
  out['bridge-address'] = brAddrs.includes(A.bridgeCidr)
    ? holds(`${N.bridge}: inet ${A.bridgeCidr}`)
    : missing(br ? `${N.bridge} has ${brAddrs.length ? `inet ${brAddrs.join(', ')}` : 'no IPv4 address'}; the tutorial gives it ${A.bridgeCidr}` : `no ${N.bridge} yet`);

  const vethIsVeth = veth?.kind === 'veth';
  out.veth =
    vethIsVeth || ceth?.kind === 'veth'
      ? holds(`veth pair ${N.vethHost} <-> ${N.vethNs}`)
      : missing(veth ? `${N.vethHost} exists but is a ${veth.kind ?? 'plain device'}, not a veth` : `no ${N.vethHost} on the host`);
  out['veth-move'] =
    ceth?.kind === 'veth'
      ? holds(`${N.vethNs} is in ${N.ns}`)
      : missing(cethHost ? `${N.vethNs} is still on the host` : ns ? `no ${N.vethNs} in ${N.ns}` : `no namespace ${N.ns} yet`);
  out['veth-attach'] = veth?.master === N.bridge ? holds(`${N.vethHost}: master ${N.bridge}`) : missing(veth ? `${N.vethHost}: master ${veth.master ?? 'none'}` : `no ${N.vethHost} yet`);
  out['veth-up'] = vethIsVeth && veth.up ? holds(`${N.vethHost}: UP`) : missing(veth ? `${N.vethHost} is down` : `no ${N.vethHost} yet`);
  out['ns-loopback'] = lo?.up ? holds(`lo in ${N.ns}: UP`) : missing(ns ? `lo in ${N.ns} is down` : `no namespace ${N.ns} yet`);
  out['ns-link-up'] = ceth?.up ? holds(`${N.vethNs} in ${N.ns}: UP`) : missing(ceth ? `${N.vethNs} in ${N.ns} is down` : `no ${N.vethNs} in ${N.ns} yet`);
  const nsAddrs = v4(ceth);
  out['ns-address'] = nsAddrs.includes(A.nsCidr)
    ? holds(`${N.vethNs} in ${N.ns}: inet ${A.nsCidr}`)
    : missing(ceth ? `${N.vethNs} has ${nsAddrs.length ? `inet ${nsAddrs.join(', ')}` : 'no IPv4 address'}; the tutorial gives it ${A.nsCidr}` : `no ${N.vethNs} in ${N.ns} yet`);

  const def = ns?.routes.find((r) => r.dst === 'default');
  out['default-route'] =
    def?.gateway === A.bridgeIp
      ? holds(`${N.ns}: default via ${A.bridgeIp}`)
      : missing(def ? `${N.ns}: default via ${def.gateway ?? def.dev ?? '?'}, not ${A.bridgeIp}` : ns ? `${N.ns} has no default route` : `no namespace ${N.ns} yet`);

  const fwd = s.host.sysctls['net.ipv4.ip_forward'];
  out['ip-forward'] = fwd === '1' ? holds('net.ipv4.ip_forward = 1') : missing(`net.ipv4.ip_forward = ${fwd ?? '?'}`);

  const nat = evaluateNatHook(s.host.netfilter, 'postrouting', { saddr: A.nsIp, daddr: A.target, oif: N.uplink, protocol: 'icmp', ctstate: 'new' });
  out.masquerade =
    nat.result === 'masquerade' || nat.result === 'snat'
      ? holds(`${nat.by?.rule.text ?? nat.result} (rewrites ${A.nsIp}'s packets out of ${N.uplink})`)
      : missing(`nothing in nat POSTROUTING rewrites ${A.nsIp}'s packets out of ${N.uplink}`);

  if (!ns) out.ping = missing(`no namespace ${N.ns} yet`);
  else if (!ping || !pingFresh) out.ping = { state: 'unknown', detail: `pinging ${A.target} from ${N.ns}...` };
  else if (ping.received > 0) out.ping = holds(`${A.target} answered ${N.ns}'s ping${ping.rttMs !== null ? ` (${ping.rttMs} ms)` : ''}`);
  else out.ping = missing(ping.error ? `ping: ${ping.error}` : `no reply from ${A.target} (${ping.transmitted} sent, 100% packet loss)`);

  return out;
}

/** Steps in lesson order with their verdicts. */
export function judgedSteps(j: Judgement): { id: LessonStepId; verdict: StepVerdict }[] {
  return LESSON_STEP_IDS.map((id) => ({ id, verdict: j[id] }));
}
