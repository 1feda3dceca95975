import type { FixPlan } from '../../model/result.js';
import type { NetSnapshot } from '../../model/snapshot.js';
import { hostExec, type CommandScope } from '../../fixes/commands.js';
import { routeLine } from '../describe.js';
import { fail, pass, skip, warn, type Check } from '../check.js';

const MODE = ['off', 'strict', 'loose'];

function modeName(v: number | null): string {
  return v === null ? 'unknown' : `${v} (${MODE[v] ?? '?'})`;
}

function num(v: string | null | undefined): number | null {
  if (v === null || v === undefined || !/^\d+$/.test(v.trim())) return null;
  return Number(v);
}

/** The kernel uses the higher of conf.all.rp_filter and the interface's own value. */
export function effectiveRpFilter(sysctls: NetSnapshot['host']['sysctls'], dev: string): { all: number | null; own: number | null; effective: number | null } {
  const all = num(sysctls['net.ipv4.conf.all.rp_filter']);
  const own = num(sysctls[`net.ipv4.conf.${dev}.rp_filter`]);
  const effective = all === null && own === null ? null : Math.max(all ?? 0, own ?? 0);
  return { all, own, effective };
}

export const hostRpFilter: Check = {
  id: 'host.rp-filter',
  title: 'Reverse-path filtering does not drop the replies',
  explanation:
    'With rp_filter in strict mode (1), the kernel drops a packet when the route back to its source would not leave by the interface it came in on. ' +
    'That is right on a host with one way out, but with two uplinks the path can be asymmetric: the request leaves by one, the reply comes back by the other, ' +
    'and strict mode throws the reply away silently (only the IPReversePathFilter counter in /proc/net/netstat shows it). ' +
    'The kernel uses the higher of net.ipv4.conf.all.rp_filter and the interface\'s own value; loose mode (2) only asks that some route back exists.',
  requires: ['host.uplink'],
  run({ snap, topo, scope, ping }) {
    const uplink = topo.uplink?.name;
    if (!uplink) return skip('no uplink to compare other interfaces with');
    const sys = snap.host.sysctls;
    const bridge = topo.bridge.name;
    const evidence = [
      `net.ipv4.conf.all.rp_filter = ${sys['net.ipv4.conf.all.rp_filter'] ?? '(unreadable)'}`,
      `net.ipv4.conf.default.rp_filter = ${sys['net.ipv4.conf.default.rp_filter'] ?? '(unreadable)'} (interfaces created later start with it)`,
    ];
    // Other ways out: interfaces that carry a default or gateway route, besides the uplink.
    const alternatives = new Map<string, string[]>();
    for (const r of snap.host.routes) {
      if (!r.dev || r.dev === uplink || r.dev === bridge || r.dev === 'lo') continue;
      if (r.dst !== 'default' && !r.gateway) continue;
      alternatives.set(r.dev, [...(alternatives.get(r.dev) ?? []), routeLine(r)]);
    }
    const strict: string[] = [];
    for (const dev of [uplink, ...alternatives.keys()]) {
      const m = effectiveRpFilter(sys, dev);
      const own = m.own === null ? '' : `net.ipv4.conf.${dev}.rp_filter = ${m.own}, `;
      const role = dev === uplink ? 'the uplink' : `another way out: ${alternatives.get(dev)!.join('; ')}`;
      evidence.push(`${dev} (${role}): ${own}effective ${modeName(m.effective)}`);
      if (dev !== uplink && m.effective === 1) strict.push(dev);
    }
    const drops = snap.rpFilterDrops;
    const delta = drops && drops.before !== null && drops.after !== null ? drops.after - drops.before : null;
    if (delta !== null) evidence.push(`IPReversePathFilter (packets dropped by rp_filter): ${drops!.before} -> ${drops!.after} while the probe ran`);
    else if (drops?.before != null) evidence.push(`IPReversePathFilter (packets dropped by rp_filter, ever): ${drops.before}`);

    const fix = looseFix(scope, sys, strict);
    const probed = ping?.ran === true;
    if (probed && ping!.received > 0) {
      return pass(strict.length ? `the replies come back the way they left (strict rp_filter on ${strict.join(', ')} did not get in the way)` : 'rp_filter lets the replies in', evidence);
    }
    // Only dropped packets prove an asymmetric path: the host's own routes are the same both
    // ways for one flow (the kernel's reverse lookup uses the reply's outgoing interface as its
    // input, so even iif rules agree); the way back is the upstream's choice.
    if (probed && delta !== null && delta > 0) {
      const where = strict.length ? `: the replies come back in on ${strict.join(' or ')} while the route to ${snap.input.target} leaves by ${uplink}, and strict mode drops them` : '';
      return fail(`rp_filter dropped ${delta} packet${delta === 1 ? '' : 's'} while the probe ran${where}`, evidence, fix);
    }
    if (strict.length) {
      // A trap, not a fault: nothing shows the replies come back that way.
      const why = !probed ? 'no probe ran to count drops' : delta === 0 ? 'none were counted during this probe' : 'the drop counter could not be read';
      return warn(
        `strict rp_filter on ${strict.join(', ')}: replies that come back in there would be dropped, because the route to ${snap.input.target} leaves by ${uplink} (${why}; harmless while the replies come back by ${uplink})`,
        evidence,
        fix,
      );
    }
    return pass(`no other way out with strict rp_filter besides ${uplink}`, evidence);
  },
};

/** Loose mode on the interfaces where replies may come back; the kernel takes the higher value. */
function looseFix(scope: CommandScope, sys: NetSnapshot['host']['sysctls'], devs: string[]): FixPlan | null {
  const usable = devs.filter((d) => !d.includes('.'));
  if (!usable.length) return null;
  return {
    title: `Loose reverse-path filtering (2) on ${usable.join(', ')}`,
    commands: usable.map((d) => hostExec(scope, 'sysctl', '-w', `net.ipv4.conf.${d}.rp_filter=2`)),
    undo: usable.map((d) => hostExec(scope, 'sysctl', '-w', `net.ipv4.conf.${d}.rp_filter=${sys[`net.ipv4.conf.${d}.rp_filter`] ?? '0'}`)),
    notes: ['loose mode still drops packets from sources the host has no route back to at all; net.ipv4.conf.all.rp_filter is left alone'],
  };
}
