// Parse `nft -a monitor trace` and find who dropped the probe's packet. Pure: lines in,
// drop out, unit-tested from recorded output.
//
//   trace id 75bac0e5 ip filter FORWARD packet: iif "br0" oif "eth0" ... ip saddr 192.168.0.2 ...
//   trace id 75bac0e5 ip filter FORWARD rule ip saddr 192.168.0.0/16 counter packets 0 bytes 0 reject # handle 2 (verdict drop)
//   trace id 4797800b inet filter forward policy drop
import type { TraceDrop } from '../model/capture.js';
import { OWNER_NAMES, ownerOf, ownerNote, type Owner } from '../diagnosis/owners.js';

export interface TraceLine {
  id: string;
  family: string;
  table: string;
  chain: string;
  kind: 'packet' | 'rule' | 'verdict' | 'policy' | 'other';
  /** The rule as nft printed it (kind 'rule'), counters left out. */
  rule: string | null;
  handle: number | null;
  /** The verdict: 'drop', 'accept', 'continue', 'jump X', 'return' ... */
  verdict: string | null;
  packet: { iif: string | null; oif: string | null; saddr: string | null; daddr: string | null; icmpType: string | null } | null;
}

/** netdoctor's own temporary trace tables: `netdoctor-trace-<pid>-<n>`. */
export const TRACE_TABLE_PREFIX = 'netdoctor-trace-';

/** The pid of the netdoctor that made trace table `name`, or null when it is not one. */
export function traceTablePid(name: string): number | null {
  const m = /^netdoctor-trace-(\d+)(?:-\d+)?$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Trace tables whose netdoctor is gone (it was killed outright mid-trace): to be deleted. */
export function staleTraceTables(names: readonly string[], alive: (pid: number) => boolean, self = process.pid): string[] {
  return names.filter((n) => {
    const pid = traceTablePid(n);
    return pid !== null && pid !== self && !alive(pid);
  });
}

const HEAD = /^trace id (\S+) (\S+) (\S+) (\S+) (.*)$/;

function field(text: string, re: RegExp): string | null {
  return re.exec(text)?.[1] ?? null;
}

export function parseTraceLine(line: string): TraceLine | null {
  const m = HEAD.exec(line.trim());
  if (!m) return null;
  const [, id, family, table, chain, rest] = m as unknown as [string, string, string, string, string, string];
  const base = { id, family, table, chain, rule: null, handle: null, verdict: null, packet: null };
  if (rest.startsWith('packet:')) {
    return {
      ...base,
      kind: 'packet',
      packet: {
        iif: field(rest, /\biif "([^"]*)"/),
        oif: field(rest, /\boif "([^"]*)"/),
        saddr: field(rest, /\bip saddr (\S+)/),
        daddr: field(rest, /\bip daddr (\S+)/),
        icmpType: field(rest, /\bicmp type (\S+)/),
      },
    };
  }
  if (rest.startsWith('rule ')) {
    const r = /^rule (.*?)(?: # handle (\d+))?\s*\(verdict ([^)]+)\)\s*$/.exec(rest);
    if (!r) return { ...base, kind: 'rule', rule: rest.slice(5).trim() };
    const rule = r[1]!.replace(/\bcounter packets \d+ bytes \d+ ?/g, 'counter ').replace(/\s+/g, ' ').trim();
    return { ...base, kind: 'rule', rule, handle: r[2] ? Number(r[2]) : null, verdict: r[3]!.trim() };
  }
  // A rule added after the monitor started: nft knows only its handle.
  const u = /^unknown rule handle (\d+)\s*\(verdict ([^)]+)\)/.exec(rest);
  if (u) return { ...base, kind: 'rule', handle: Number(u[1]), verdict: u[2]!.trim() };
  const v = /^(verdict|policy) (.+?)\s*$/.exec(rest);
  if (v) return { ...base, kind: v[1] as 'verdict' | 'policy', verdict: v[2]! };
  return { ...base, kind: 'other' };
}

export function parseTrace(text: string): TraceLine[] {
  return text.split('\n').map(parseTraceLine).filter((l): l is TraceLine => l !== null);
}

function isDrop(verdict: string | null): boolean {
  return verdict === 'drop' || verdict === 'reject';
}

/**
 * The first drop of the probe's packets, with whose chain it was. A policy drop in a plain
 * chain (FORWARD) is attributed to software whose chains the packet passed on the way there:
 * Docker sets FORWARD's policy to DROP, for instance.
 */
export function findDrop(lines: TraceLine[], target: string): TraceDrop | null {
  const packets = new Map<string, NonNullable<TraceLine['packet']>>();
  const visited = new Map<string, Owner[]>();
  for (const l of lines) {
    if (l.table.startsWith(TRACE_TABLE_PREFIX)) continue;
    if (l.kind === 'packet' && l.packet) {
      packets.set(l.id, l.packet);
      continue;
    }
    const seen = visited.get(l.id) ?? [];
    const chainOwner = ownerOf(l.table, l.chain);
    if (chainOwner && !seen.includes(chainOwner)) seen.push(chainOwner);
    if (l.verdict && /^(jump|goto) /.test(l.verdict)) {
      const into = ownerOf(l.table, l.verdict.replace(/^(jump|goto) /, ''));
      if (into && !seen.includes(into)) seen.push(into);
    }
    visited.set(l.id, seen);
    const dropped = (l.kind === 'rule' || l.kind === 'verdict') && isDrop(l.verdict) ? 'rule' : l.kind === 'policy' && isDrop(l.verdict) ? 'policy' : null;
    if (!dropped) continue;
    const packet = packets.get(l.id) ?? null;
    const direction = packet?.saddr === target ? 'reply' : packet?.daddr === target ? 'request' : null;
    const own = ownerOf(l.table, l.chain);
    const passed = own ? null : (seen.find((o) => o !== null) ?? null);
    const owner = own ?? passed;
    const where = `${l.family} ${l.table} ${l.chain}`;
    const rejects = l.rule ? /\breject\b/.test(l.rule) : false;
    const what = dropped === 'policy' ? `the ${where} chain's policy (drop)` : `${rejects ? 'a reject rule' : 'a drop rule'}${l.handle !== null ? ` (handle ${l.handle})` : ''} in ${where}`;
    const whose = own ? ownerNote(own) : passed ? ` (set by ${OWNER_NAMES[passed]}, whose chains the packet passed first)` : '';
    const dir = direction === 'reply' ? ' (the reply)' : '';
    return {
      source: 'nft-trace',
      family: l.family,
      table: l.table,
      chain: l.chain,
      kind: dropped,
      verdict: rejects ? 'reject' : 'drop',
      rule: l.rule,
      handle: l.handle,
      owner,
      direction,
      summary: `${what}${whose}${dir}`,
    };
  }
  return null;
}

