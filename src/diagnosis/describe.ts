// Evidence lines: how a fact read from the kernel is shown ("veth0: up, master br0").
import type { LinkFact, RouteFact, RouteLookup } from '../model/snapshot.js';
import { ipv4Addrs } from './topology.js';

export function linkLine(link: LinkFact, where?: string): string {
  const parts = [
    link.kind ? `kind ${link.kind}` : null,
    link.up ? 'up' : 'down (no UP flag)',
    `state ${link.operstate}`,
    `master ${link.master ?? 'none'}`,
  ].filter(Boolean);
  const addrs = ipv4Addrs(link).map((a) => a.cidr);
  if (addrs.length) parts.push(`inet ${addrs.join(', ')}`);
  return `${link.name}${where ? ` (${where})` : ''}: ${parts.join(', ')}`;
}

export function routeLine(r: RouteFact): string {
  const parts = [r.type && r.type !== 'unicast' ? `${r.type} ${r.dst}` : r.dst];
  if (r.gateway) parts.push(`via ${r.gateway}`);
  if (r.dev) parts.push(`dev ${r.dev}`);
  if (r.prefsrc) parts.push(`src ${r.prefsrc}`);
  if (r.flags.includes('linkdown')) parts.push('linkdown');
  return parts.join(' ');
}

export function lookupLine(target: string, lookup: RouteLookup, extra = ''): string {
  if (!lookup.ok) return `ip route get ${target}${extra}: ${lookup.error}`;
  const parts = [`ip route get ${target}${extra}:`];
  if (lookup.type && lookup.type !== 'unicast') parts.push(lookup.type);
  if (lookup.gateway) parts.push(`via ${lookup.gateway}`);
  parts.push(`dev ${lookup.dev}`);
  if (lookup.prefsrc) parts.push(`src ${lookup.prefsrc}`);
  return parts.join(' ');
}

export function nsLabel(ns: string): string {
  return `in ${ns}`;
}

export function hostLabel(hostNs: string | null): string {
  return hostNs ? `host side, ${hostNs}` : 'host side';
}

/** Evidence line when a host-side step is judged for the address the namespace does not have yet. */
export function assumedSourceNote(ip: string, ns: string, bridge: string): string {
  return `judged for ${ip}: ${ns} has no address in ${bridge}'s subnet yet, and this is the one the ns.address fix gives it`;
}
