// Which nft tables to list on their own, and merging their `nft -j` output back into one
// document that parses exactly like `nft -j list ruleset`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mergeNftDocuments, nftTablesToList } from '../../../src/netfilter/nft-tables.js';
import { parseNftJson } from '../../../src/netfilter/nft-json.js';

const meta = { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } };
const listing = (...tables: [string, string][]) => JSON.stringify({ nftables: [meta, ...tables.map(([family, name], i) => ({ table: { family, name, handle: i + 1 } }))] });

describe('nftTablesToList', () => {
  it('lists every table iptables-nft-save did not show', () => {
    const skip = (family: string, name: string) => family === 'ip' && (name === 'nat' || name === 'filter');
    expect(nftTablesToList(listing(['ip', 'nat'], ['ip', 'filter'], ['inet', 'firewalld'], ['ip6', 'nat']), skip)).toEqual([
      { family: 'inet', name: 'firewalld' },
      { family: 'ip6', name: 'nat' },
    ]);
    expect(nftTablesToList(listing(), skip)).toEqual([]);
  });

  it('falls back to the whole ruleset for a name nft would parse as more than a name', () => {
    const none = () => false;
    expect(nftTablesToList(listing(['inet', 'x; flush ruleset']), none)).toBeNull();
    expect(nftTablesToList(listing(['inet', '-x']), none)).toBeNull();
    expect(nftTablesToList(listing(['inet', 'a b']), none)).toBeNull();
    expect(nftTablesToList(listing(['weird', 'ok']), none)).toBeNull();
    expect(nftTablesToList(listing(['inet', 'fw_1.v-2']), none)).toEqual([{ family: 'inet', name: 'fw_1.v-2' }]);
  });

  it('falls back on output that is not an nft listing', () => {
    expect(nftTablesToList('nope', () => false)).toBeNull();
    expect(nftTablesToList('{"x":1}', () => false)).toBeNull();
  });
});

describe('mergeNftDocuments', () => {
  it('gives the same ruleset as one `list ruleset` of the same tables', () => {
    const whole = JSON.parse(readFileSync(new URL('../../fixtures/netfilter/nft-two-tables.nft.json', import.meta.url), 'utf8')) as { nftables: unknown[] };
    const objs = whole.nftables.filter((o) => !(o as { metainfo?: unknown }).metainfo);
    const tableOf = (o: unknown) => {
      const v = Object.values(o as Record<string, { family: string; table?: string; name?: string }>)[0]!;
      return `${v.family} ${v.table ?? v.name}`;
    };
    const names = [...new Set(objs.map(tableOf))];
    expect(names.length).toBeGreaterThan(1);
    const perTable = names.map((n) => JSON.stringify({ nftables: [meta, ...objs.filter((o) => tableOf(o) === n)] }));
    const merged = mergeNftDocuments(listing(), perTable);
    expect(merged).not.toBeNull();
    expect(parseNftJson(merged!)).toEqual(parseNftJson(JSON.stringify(whole)));
  });

  it('refuses output that does not parse, so the caller reads the whole ruleset instead', () => {
    expect(mergeNftDocuments(listing(), ['{"nftables": ['])).toBeNull();
    expect(mergeNftDocuments('garbage', [])).toBeNull();
  });
});
