import type { ConntrackEntry, NetSnapshot } from '../../model/snapshot.js';
import { evaluateNatHook } from '../../netfilter/evaluate.js';
import { bestRoute } from '../dns-path.js';
import type { FixPlan } from '../../model/result.js';
import { hostExec, type CommandScope } from '../../fixes/commands.js';
import { cidrContains } from '../../net/ipv4.js';
import { ipv4Addrs } from '../topology.js';
import { fail, pass, skip, type Check } from '../check.js';

function endpoint(ip: string, port: number | undefined): string {
  return port === undefined ? ip : `${ip}:${port}`;
}

export function conntrackLine(e: ConntrackEntry): string {
  const flags = e.flags.length ? ` [${e.flags.join(', ')}]` : '';
  const ttl = e.timeout === null ? '' : `, expires in ${e.timeout} s unless another packet comes`;
  return `${e.protocol} ${endpoint(e.orig.src, e.orig.sport)} -> ${endpoint(e.orig.dst, e.orig.dport)}: replies expected at ${endpoint(e.reply.dst, e.reply.dport)}${e.reply.dst === e.orig.src ? ' (not NATed)' : ' (NATed)'}${flags}${ttl}`;
}

/** At most this many flows get a delete line each; beyond, one line deletes them all. */
const MAX_FLOW_LINES = 8;

export const hostConntrack: Check = {
  id: 'host.conntrack',
  title: 'No connection-tracking entry from before NAT existed',
  explanation:
    'NAT is decided once per connection, on its first packet, and remembered in the connection-tracking table. ' +
    'A UDP flow that started before the MASQUERADE rule existed (a DNS client, a VPN, a game, a metrics agent sending every few seconds) keeps its old entry ' +
    'as long as packets keep coming, so it is never masqueraded: its packets leave with the private source and the replies never return, while new flows work. ' +
    'Deleting just those entries (`conntrack -D`) makes the next packet start a fresh entry, which the MASQUERADE rule now translates.',
  requires: ['host.masquerade'],
  // It does not stop the namespace's egress (the ping is new, routed traffic): a warning with its fix.
  warnOnly: true,
  run({ snap, topo, scope }) {
    const nsIp = topo.nsAddress?.ip;
    const subnet = topo.subnet;
    const ct = snap.conntrack;
    // No address of its own: the namespace cannot have started a flow.
    if (!nsIp || !subnet) return pass('the namespace has no address of its own, so no flow of its own to look up');
    if (!ct) return skip('connection tracking was not read');
    if (ct.source === null) return skip(`cannot read connection tracking: ${ct.error}`, [ct.error]);
    const hostAddrs = new Set(snap.host.links.flatMap((l) => ipv4Addrs(l).map((a) => a.ip)));
    const mine = ct.entries.filter((e) => e.orig.src === nsIp);
    // Leaving the host (not to the host itself, not within the subnet) and not translated.
    const routed = mine.filter((e) => !cidrContains(subnet, e.orig.dst) && !hostAddrs.has(e.orig.dst));
    const untranslated = routed.filter((e) => e.protocol === 'udp' && e.reply.dst === e.orig.src);
    // Stale only if the rules would translate the flow now: a destination the host routes
    // elsewhere without NAT by design (a LAN or VPN that MASQUERADE leaves out) is no fault.
    const byDesign: { e: ConntrackEntry; why: string }[] = [];
    const stale = untranslated.filter((e) => {
      const why = natNow(snap, e);
      if (why) byDesign.push({ e, why });
      return !why;
    });
    const evidence = [`${ct.source}: ${mine.length} entr${mine.length === 1 ? 'y' : 'ies'} from ${nsIp}, ${routed.length - untranslated.length} of the routed ones NATed`];
    for (const e of stale.slice(0, 20)) evidence.push(conntrackLine(e));
    if (stale.length > 20) evidence.push(`... and ${stale.length - 20} more`);
    for (const { e, why } of byDesign.slice(0, 5)) evidence.push(`${conntrackLine(e)}: not stale, ${why}`);
    if (byDesign.length > 5) evidence.push(`... and ${byDesign.length - 5} more not NATed by design`);
    if (!stale.length) return pass(`no UDP flow from ${nsIp} is stuck without NAT`, evidence);
    return fail(
      `${stale.length} UDP flow${stale.length === 1 ? '' : 's'} from ${nsIp} started before the MASQUERADE rule and ${stale.length === 1 ? 'is' : 'are'} still not NATed: ${stale.length === 1 ? 'its' : 'their'} replies cannot come back`,
      evidence,
      flushFix(scope, nsIp, stale),
    );
  },
};

/**
 * Why a new packet of this untranslated flow would not be translated either (so the entry is not
 * left over from before NAT), or null when the rules would translate it now. The way out is the
 * kernel's own forward lookup for the probe target, else the main table's best route.
 */
function natNow(snap: NetSnapshot, e: ConntrackEntry): string | null {
  const dst = e.orig.dst;
  const fwd = snap.forwardLookup;
  const oif = dst === snap.input.target && fwd?.ok ? fwd.dev : bestRoute(snap.host.routes, dst)?.dev;
  if (!oif) return `the host has no route to ${dst}`;
  const out = evaluateNatHook(snap.host.netfilter, 'postrouting', { saddr: e.orig.src, daddr: dst, oif, protocol: 'udp', sport: e.orig.sport, dport: e.orig.dport, ctstate: 'new' });
  if (out.result === 'masquerade' || out.result === 'snat') return null;
  // A rule netdoctor cannot judge might translate it: assume it does (the entry may be stale).
  if (out.maybe.length) return null;
  return `a new packet out ${oif} would not be translated either (no MASQUERADE or SNAT rule covers ${dst} out ${oif})`;
}

/** Delete exactly the stale entries; the flows' next packets create fresh, NATed ones. */
function flushFix(scope: CommandScope, nsIp: string, stale: ConntrackEntry[]): FixPlan {
  const seen = new Set<string>();
  const lines: string[][] = [];
  for (const e of stale) {
    const argv = ['conntrack', '-D', '-p', 'udp', '-s', e.orig.src, '-d', e.orig.dst];
    if (e.orig.sport !== undefined) argv.push('--sport', String(e.orig.sport));
    if (e.orig.dport !== undefined) argv.push('--dport', String(e.orig.dport));
    const key = argv.join(' ');
    if (!seen.has(key)) {
      seen.add(key);
      lines.push(hostExec(scope, ...argv));
    }
  }
  const commands = lines.length <= MAX_FLOW_LINES ? lines : [hostExec(scope, 'conntrack', '-D', '-p', 'udp', '-s', nsIp, '--reply-dst', nsIp)];
  return {
    title: `Forget the UDP flows from ${nsIp} that were tracked before NAT`,
    commands,
    undo: [],
    notes: ['nothing to undo: each flow\'s next packet creates a fresh entry, masqueraded this time; no other entry is touched'],
  };
}
