// "What changed" between two snapshots of a lab world, in the words of `ip` and `iptables`:
// shown next to a tick so the learner sees what their command did to the kernel. Pure.
import type { LinkFact, NetSnapshot, RouteFact } from '../model/snapshot.js';
import { routeLine } from '../diagnosis/describe.js';
import { escapeControl } from '../report/escape.js';

function addrs(l: LinkFact): string[] {
  return l.addrs.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
}

function linkSummary(l: LinkFact): string {
  const bits = [l.kind ?? 'device', l.up ? 'UP' : 'down'];
  if (l.master) bits.push(`master ${l.master}`);
  const a = addrs(l);
  if (a.length) bits.push(`inet ${a.join(', ')}`);
  return `${l.name} (${bits.join(', ')})`;
}

function linkChanges(prev: LinkFact[], next: LinkFact[], where: string): string[] {
  const out: string[] = [];
  const before = new Map(prev.map((l) => [l.name, l]));
  const after = new Map(next.map((l) => [l.name, l]));
  for (const [name, l] of after) {
    const p = before.get(name);
    if (!p) {
      out.push(`+ link ${linkSummary(l)}${where}`);
      continue;
    }
    if (p.up !== l.up) out.push(`~ ${name}${where}: ${p.up ? 'UP' : 'down'} -> ${l.up ? 'UP' : 'down'}`);
    if (p.master !== l.master) out.push(`~ ${name}${where}: master ${p.master ?? 'none'} -> ${l.master ?? 'none'}`);
    const pa = addrs(p);
    const na = addrs(l);
    for (const a of na.filter((x) => !pa.includes(x))) out.push(`+ address ${a} on ${name}${where}`);
    for (const a of pa.filter((x) => !na.includes(x))) out.push(`- address ${a} on ${name}${where}`);
  }
  for (const name of before.keys()) if (!after.has(name)) out.push(`- link ${name}${where}`);
  return out;
}

function routeChanges(prev: RouteFact[], next: RouteFact[], where: string): string[] {
  const p = new Set(prev.map(routeLine));
  const n = new Set(next.map(routeLine));
  return [...[...n].filter((r) => !p.has(r)).map((r) => `+ route ${r}${where}`), ...[...p].filter((r) => !n.has(r)).map((r) => `- route ${r}${where}`)];
}

function rules(s: NetSnapshot): string[] {
  return s.host.netfilter.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.map((r) => `${t.backend} ${t.family} ${t.name} ${c.name}: ${r.text}`)));
}

/** Base chain policies; a new chain's default policy is not news, a changed one is. */
function policies(s: NetSnapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of s.host.netfilter.tables) for (const c of t.chains) if (c.hook && c.policy) out.set(`${t.backend} ${t.family} ${t.name} ${c.name}`, c.policy);
  return out;
}

/** Changes from `prev` to `next`, one line each (kernel names escaped); [] when prev is null. */
export function describeChanges(prev: NetSnapshot | null, next: NetSnapshot): string[] {
  if (!prev) return [];
  const ns = next.input.ns;
  const out: string[] = [];
  for (const n of next.namespaces.filter((x) => !prev.namespaces.includes(x))) out.push(`+ namespace ${n}`);
  for (const n of prev.namespaces.filter((x) => !next.namespaces.includes(x))) out.push(`- namespace ${n}`);
  out.push(...linkChanges(prev.host.links, next.host.links, ''));
  out.push(...linkChanges(prev.container?.links ?? [], next.container?.links ?? [], ` in ${ns}`));
  out.push(...routeChanges(prev.container?.routes ?? [], next.container?.routes ?? [], ` in ${ns}`));
  for (const [k, v] of Object.entries(next.host.sysctls)) {
    const was = prev.host.sysctls[k];
    // A key read for the first time (a new interface's) is not a change.
    if (was !== undefined && was !== null && was !== v) out.push(`~ ${k}: ${was} -> ${v ?? '?'}`);
  }
  const pp = policies(prev);
  for (const [chain, policy] of policies(next)) {
    const was = pp.get(chain);
    if (was !== undefined && was !== policy) out.push(`~ ${chain} policy ${was} -> ${policy}`);
  }
  const pr = new Set(rules(prev));
  const nr = new Set(rules(next));
  for (const r of nr) if (!pr.has(r)) out.push(`+ rule ${r}`);
  for (const r of pr) if (!nr.has(r)) out.push(`- rule ${r}`);
  return out.map(escapeControl);
}
