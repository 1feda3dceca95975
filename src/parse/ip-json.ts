// Parsers for iproute2's JSON output (`ip -j`). Pure, so they are tested from recorded output.
import type { AddrFact, LinkFact, NeighbourFact, RouteFact, RouteLookup } from '../model/snapshot.js';
import { parseToolJson } from './json-control.js';

type Json = Record<string, unknown>;

function arrayOf(text: string, what: string): Json[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  let value: unknown;
  try {
    value = parseToolJson(trimmed);
  } catch {
    throw new Error(`${what}: output is not JSON`);
  }
  if (!Array.isArray(value)) throw new Error(`${what}: expected a JSON array`);
  return value.filter((v): v is Json => typeof v === 'object' && v !== null);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** `ip -j -d addr show`: links with their details and addresses in one document. */
export function parseLinks(text: string): LinkFact[] {
  return arrayOf(text, 'ip -j -d addr show').map((l) => {
    const flags = Array.isArray(l.flags) ? l.flags.filter((f): f is string => typeof f === 'string') : [];
    const linkinfo = (typeof l.linkinfo === 'object' && l.linkinfo !== null ? l.linkinfo : {}) as Json;
    const kind = str(linkinfo.info_kind) ?? null;
    const peerIndex = num(l.link_index) ?? null;
    const peerName = str(l.link) ?? null;
    const addrs: AddrFact[] = (Array.isArray(l.addr_info) ? l.addr_info : [])
      .filter((a): a is Json => typeof a === 'object' && a !== null)
      .flatMap((a) => {
        const family = str(a.family);
        const local = str(a.local);
        const prefixlen = num(a.prefixlen);
        if ((family !== 'inet' && family !== 'inet6') || !local || prefixlen === undefined) return [];
        return [{ family, local, prefixlen, scope: str(a.scope) ?? 'global' }];
      });
    return {
      name: str(l.ifname) ?? '?',
      ifindex: num(l.ifindex) ?? -1,
      kind,
      master: str(l.master) ?? null,
      operstate: str(l.operstate) ?? 'UNKNOWN',
      up: flags.includes('UP'),
      lowerUp: flags.includes('LOWER_UP'),
      mtu: num(l.mtu) ?? 0,
      peer: kind === 'veth' && (peerIndex !== null || peerName !== null) ? { ifindex: peerIndex, name: peerName, netnsid: num(l.link_netnsid) ?? null } : null,
      addrs,
    };
  });
}

/**
 * `ip -j -4 neigh show [dev D]`: IPv4 neighbours (FAILED ones included: the caller decides).
 * Asked with `dev D`, ip leaves the device out of each entry: `dev` says which it was.
 */
export function parseNeighbours(text: string, dev?: string): NeighbourFact[] {
  return arrayOf(text, 'ip -j neigh show').flatMap((n) => {
    const ip = str(n.dst);
    if (!ip || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return [];
    const state = Array.isArray(n.state) ? n.state.filter((x): x is string => typeof x === 'string') : [];
    return [{ ip, dev: str(n.dev) ?? dev ?? '?', lladdr: str(n.lladdr) ?? null, state }];
  });
}

/** `ip -j route show`. */
export function parseRoutes(text: string): RouteFact[] {
  return arrayOf(text, 'ip -j route show').map((r) => {
    const route: RouteFact = {
      dst: str(r.dst) ?? '?',
      flags: Array.isArray(r.flags) ? r.flags.filter((f): f is string => typeof f === 'string') : [],
    };
    for (const key of ['gateway', 'dev', 'protocol', 'scope', 'prefsrc', 'type'] as const) {
      const v = str(r[key]);
      if (v !== undefined) route[key] = v;
    }
    const metric = num(r.metric);
    if (metric !== undefined) route.metric = metric;
    return route;
  });
}

/** `ip -j route get ...`: success is a one-element array; failure an RTNETLINK error on stderr. */
export function parseRouteGet(exitCode: number | null, stdout: string, stderr: string): RouteLookup {
  if (exitCode !== 0) {
    const line = stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${exitCode}`;
    return { ok: false, error: line.replace(/^RTNETLINK answers:\s*/, '').replace(/^Error:\s*/, '') };
  }
  const [r] = arrayOf(stdout, 'ip -j route get');
  if (!r) return { ok: false, error: 'no route returned' };
  const dev = str(r.dev);
  const type = str(r.type);
  if (!dev) return { ok: false, error: type ? `route type ${type}` : 'route has no device' };
  const lookup: RouteLookup = { ok: true, dev };
  const gateway = str(r.gateway);
  const prefsrc = str(r.prefsrc);
  if (gateway) lookup.gateway = gateway;
  if (prefsrc) lookup.prefsrc = prefsrc;
  if (type) lookup.type = type;
  return lookup;
}

/** `sysctl -e k1 k2 ...` output: "key = value" lines. */
export function parseSysctl(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([^=\s]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
