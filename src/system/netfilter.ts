// Read every netfilter backend on one side (host, or a named namespace) into one Ruleset.
// Read-only: `nft list`, `iptables-nft-save` and `iptables-legacy-save` create nothing, and
// iptables-legacy-save (no -t) dumps only the tables the kernel already lists, so reading never
// instantiates a legacy table that was not there.
import { readFile } from 'node:fs/promises';
import type { Ruleset, Table } from '../netfilter/model.js';
import { parseIptablesSave, skipIptablesNftShown } from '../netfilter/iptables-save.js';
import { parseNftJson, type NftJsonOptions } from '../netfilter/nft-json.js';
import type { HostFacts } from '../model/snapshot.js';
import { mergeNftDocuments, nftTablesToList } from '../netfilter/nft-tables.js';
import { describeFailure, run, type RunResult } from './run.js';

type Source = HostFacts['netfilterSources'][number];

export interface NetfilterRead {
  ruleset: Ruleset;
  sources: Source[];
}

async function legacyTableNames(ns: string | null): Promise<string[] | null> {
  // /proc/net is per network namespace: read it from inside the namespace.
  if (!ns) {
    try {
      return (await readFile('/proc/net/ip_tables_names', 'utf8')).split('\n').filter(Boolean);
    } catch {
      return null;
    }
  }
  const r = await run(['cat', '/proc/net/ip_tables_names'], { ns });
  return r.failed ? null : r.stdout.split('\n').filter(Boolean);
}

/**
 * `nft -j` for the tables iptables-nft-save did not already show: one `list table` each, in
 * parallel (usually none), or the whole ruleset when a name cannot be passed safely.
 */
async function readNftTables(ns: string | null, listed: RunResult, skip: NftJsonOptions): Promise<RunResult> {
  if (listed.failed) return listed;
  const wanted = nftTablesToList(listed.stdout, skip.skipTable ?? (() => false));
  if (wanted === null) return run(['nft', '-j', 'list', 'ruleset'], { ns });
  const reads = await Promise.all(wanted.map((t) => run(['nft', '-j', 'list', 'table', t.family, t.name], { ns })));
  // A table removed meanwhile, or output that does not parse: read everything at once instead.
  const merged = reads.some((r) => r.failed) ? null : mergeNftDocuments(listed.stdout, reads.map((r) => r.stdout));
  return merged === null ? run(['nft', '-j', 'list', 'ruleset'], { ns }) : { ...listed, stdout: merged };
}

export async function readNetfilter(ns: string | null): Promise<NetfilterRead> {
  // iptables-legacy-save without -t dumps only the tables listed in /proc/net/ip_tables_names
  // (it never asks for one by name, which would create it): one spawn instead of one per table.
  const [nftTables, ipt, legacy] = await Promise.all([
    run(['nft', '-j', 'list', 'tables'], { ns }),
    run(['iptables-nft-save'], { ns }),
    run(['iptables-legacy-save'], { ns }),
  ]);
  const sources: Source[] = [];
  const errors: string[] = [];
  const tables: Table[] = [];

  // iptables-nft tables are read from iptables-nft-save: `nft -j` shows their matches only as
  // opaque xt expressions. Native nft tables come from `nft -j`.
  // Nothing read from iptables-nft-save: every nft table is parsed natively.
  let skip: NftJsonOptions = {};
  if (ipt.spawnError === 'ENOENT') sources.push({ source: 'iptables-nft', status: 'absent' });
  else if (ipt.failed) sources.push({ source: 'iptables-nft', status: 'error', detail: describeFailure(ipt) });
  else {
    const parsed = parseIptablesSave(ipt.stdout, 'iptables-nft');
    tables.push(...parsed.tables);
    errors.push(...parsed.errors.map((e) => `iptables-nft-save: ${e}`));
    skip = skipIptablesNftShown(parsed);
    sources.push({ source: 'iptables-nft', status: parsed.tables.length ? 'read' : 'empty' });
  }

  const nft = await readNftTables(ns, nftTables, skip);
  if (nft.spawnError === 'ENOENT') sources.push({ source: 'nft', status: 'absent' });
  else if (nft.failed) sources.push({ source: 'nft', status: 'error', detail: describeFailure(nft) });
  else {
    const parsed = parseNftJson(nft.stdout, skip);
    tables.push(...parsed.tables);
    errors.push(...parsed.errors.map((e) => `nft: ${e}`));
    sources.push({ source: 'nft', status: parsed.tables.length ? 'read' : 'empty' });
  }

  if (legacy.spawnError === 'ENOENT' || legacy.failed) {
    // Not installed, or it could not list: does the kernel hold legacy tables at all?
    const names = await legacyTableNames(ns);
    if (!names?.length) sources.push({ source: 'iptables-legacy', status: 'empty' });
    else if (legacy.spawnError === 'ENOENT') sources.push({ source: 'iptables-legacy', status: 'absent', detail: `kernel has legacy tables (${names.join(', ')}) but iptables-legacy-save is not installed` });
    else sources.push({ source: 'iptables-legacy', status: 'error', detail: describeFailure(legacy) });
  } else {
    const parsed = parseIptablesSave(legacy.stdout, 'iptables-legacy');
    tables.push(...parsed.tables);
    errors.push(...parsed.errors.map((e) => `iptables-legacy-save: ${e}`));
    sources.push({ source: 'iptables-legacy', status: parsed.tables.length ? 'read' : 'empty' });
  }
  return { ruleset: { tables, errors }, sources };
}
