// Recorded netfilter outputs (test/fixtures/netfilter, regenerate with record.sh) and the way
// netdoctor combines them: iptables-nft tables from iptables-nft-save, everything else that
// iptables-nft-save could not show from nft -j, legacy tables from iptables-legacy-save.
import { existsSync, readFileSync } from 'node:fs';
import { parseIptablesSave, skipIptablesNftShown } from '../../../src/netfilter/iptables-save.js';
import type { Chain, Packet, Rule, Ruleset, Table } from '../../../src/netfilter/model.js';
import { parseNftJson } from '../../../src/netfilter/nft-json.js';

const dir = new URL('../../fixtures/netfilter/', import.meta.url);

export function fixture(file: string): string {
  return readFileSync(new URL(file, dir), 'utf8');
}

export function hasFixture(file: string): boolean {
  return existsSync(new URL(file, dir));
}

export const iptNftSave = (name: string) => parseIptablesSave(fixture(`${name}.iptables-nft-save.txt`), 'iptables-nft');
export const iptLegacySave = (name: string) => parseIptablesSave(fixture(`${name}.iptables-legacy-save.txt`), 'iptables-legacy');
export const nftJson = (name: string) => parseNftJson(fixture(`${name}.nft.json`));

/** Everything recorded for one scenario, combined the way a snapshot is. */
export function combined(name: string): Ruleset {
  const tables: Table[] = [];
  const errors: string[] = [];
  let opts = {};
  if (hasFixture(`${name}.iptables-nft-save.txt`)) {
    const saved = iptNftSave(name);
    tables.push(...saved.tables);
    errors.push(...saved.errors);
    opts = skipIptablesNftShown(saved);
  }
  if (hasFixture(`${name}.nft.json`)) {
    const nft = parseNftJson(fixture(`${name}.nft.json`), opts);
    tables.push(...nft.tables);
    errors.push(...nft.errors);
  }
  return { tables, errors };
}

/** Only the legacy recording of an iptables scenario. */
export function legacy(name: string): Ruleset {
  const r = iptLegacySave(name);
  return { tables: r.tables, errors: r.errors };
}

export function merge(...sets: Ruleset[]): Ruleset {
  return { tables: sets.flatMap((s) => s.tables), errors: sets.flatMap((s) => s.errors) };
}

export function table(rs: Ruleset, name: string, backend?: Table['backend']): Table {
  const t = rs.tables.find((x) => x.name === name && (backend === undefined || x.backend === backend));
  if (!t) throw new Error(`no table ${name} (${backend ?? 'any backend'})`);
  return t;
}

export function chain(t: Table, name: string): Chain {
  const c = t.chains.find((x) => x.name === name);
  if (!c) throw new Error(`no chain ${name} in ${t.name}`);
  return c;
}

export function rule(c: Chain, index: number): Rule {
  const r = c.rules[index];
  if (!r) throw new Error(`no rule ${index} in ${c.name}`);
  return r;
}

/** The tutorial's forwarded ping: namespace 192.168.0.2 behind br0, out via eth0. */
export function packet(over: Partial<Packet> = {}): Packet {
  return { saddr: '192.168.0.2', daddr: '198.51.100.1', iif: 'br0', oif: 'eth0', protocol: 'icmp', ctstate: 'new', ...over };
}
