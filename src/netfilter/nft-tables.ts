// Reading only the nft tables that need `nft -j`: iptables-nft's own tables are read from
// iptables-nft-save, and their `nft -j` form (opaque xt expressions, megabytes on a busy host)
// would be parsed only to be skipped. Pure: decides which tables to list and merges the output.
import { parseToolJson } from '../parse/json-control.js';

export interface NftTableRef {
  family: string;
  name: string;
}

const FAMILIES = new Set(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);
// nft builds one command string from its argv and parses it with its own grammar, so only a
// plain identifier may be passed as a table name; anything else is read with `list ruleset`.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}$/;

/**
 * The tables `nft -j list tables` reports that are not skipped, or null when one of them
 * cannot be named safely on nft's command line (or the listing is unreadable): then read the
 * whole ruleset instead.
 */
export function nftTablesToList(listTablesJson: string, skipTable: (family: string, name: string) => boolean): NftTableRef[] | null {
  let doc: unknown;
  try {
    doc = parseToolJson(listTablesJson);
  } catch {
    return null;
  }
  const objects = (doc as { nftables?: unknown })?.nftables;
  if (!Array.isArray(objects)) return null;
  const out: NftTableRef[] = [];
  for (const o of objects) {
    const t = (o as { table?: { family?: unknown; name?: unknown } })?.table;
    if (!t) continue;
    const { family, name } = t;
    if (typeof family !== 'string' || typeof name !== 'string' || !FAMILIES.has(family) || !IDENTIFIER.test(name)) return null;
    if (!skipTable(family, name)) out.push({ family, name });
  }
  return out;
}

/** One `nft -j` document from several (`list table` outputs), metainfo once, in order; null when one is unreadable. */
export function mergeNftDocuments(listTablesJson: string, tableJsons: string[]): string | null {
  const objects = (text: string): unknown[] | null => {
    try {
      const doc = parseToolJson(text) as { nftables?: unknown };
      return Array.isArray(doc?.nftables) ? doc.nftables : null;
    } catch {
      return null;
    }
  };
  const isMeta = (o: unknown) => (o as { metainfo?: unknown } | null)?.metainfo !== undefined;
  const listed = objects(listTablesJson);
  const each = tableJsons.map(objects);
  if (!listed || each.some((e) => e === null)) return null;
  return JSON.stringify({ nftables: [...listed.filter(isMeta), ...each.flatMap((e) => e!.filter((o) => !isMeta(o)))] });
}
