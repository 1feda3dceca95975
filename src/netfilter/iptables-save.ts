// iptables-save / iptables-nft-save / iptables-legacy-save text -> the netfilter model.
import type { Backend, Chain, Hook, Ruleset, Table } from './model.js';
import { parseRuleLine } from './iptables-rule.js';
import type { NftJsonOptions } from './nft-json.js';

export interface IptablesSaveResult extends Ruleset {
  /** Tables iptables-nft-save refused to print ("is incompatible, use 'nft' tool"). */
  incompatible: string[];
  /**
   * Tables it printed only in part ("contains incompatible base-chains"): native nft base chains
   * in them are missing from `tables` and must be read from `nft -j`.
   */
  partial: string[];
}

type BuiltinChain = Required<Pick<Chain, 'hook' | 'type' | 'priority'>>;

/**
 * The hooks and priorities iptables registers its builtin chains with. Values were checked
 * against `nft -j list ruleset` of iptables-nft tables (see test/fixtures/netfilter); the
 * security table is the one difference between backends: iptables-nft 1.8.9 registers it at
 * 150, the legacy kernel table at NF_IP_PRI_SECURITY (50).
 */
function builtinChain(backend: Backend, table: string, chain: string): BuiltinChain | undefined {
  const hook = chain.toLowerCase() as Hook;
  const simple = (hooks: string[], type: BuiltinChain['type'], priority: number) =>
    hooks.includes(chain) ? { hook, type, priority } : undefined;
  switch (table) {
    case 'filter':
      return simple(['INPUT', 'FORWARD', 'OUTPUT'], 'filter', 0);
    case 'nat': {
      const prio: Record<string, number> = { PREROUTING: -100, INPUT: 100, OUTPUT: -100, POSTROUTING: 100 };
      const p = prio[chain];
      return p === undefined ? undefined : { hook, type: 'nat', priority: p };
    }
    case 'mangle':
      return simple(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'], chain === 'OUTPUT' ? 'route' : 'filter', -150);
    case 'raw':
      return simple(['PREROUTING', 'OUTPUT'], 'filter', -300);
    case 'security':
      return simple(['INPUT', 'FORWARD', 'OUTPUT'], 'filter', backend === 'iptables-nft' ? 150 : 50);
  }
  return undefined;
}

const INCOMPATIBLE = /^# Table `(.+)' is incompatible, use 'nft' tool\.?$/;
const PARTIAL = /^# Table `(.+)' contains incompatible base-chains/;

export function parseIptablesSave(text: string, backend: 'iptables-nft' | 'iptables-legacy'): IptablesSaveResult {
  const result: IptablesSaveResult = { tables: [], errors: [], incompatible: [], partial: [] };
  let table: Table | undefined;
  let chains = new Map<string, Chain>();
  const lines = text.split('\n');

  const finish = () => {
    if (table) result.tables.push(table);
    table = undefined;
    chains = new Map();
  };

  lines.forEach((rawLine, index) => {
    const line = rawLine.trim();
    const where = `line ${index + 1}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const inc = INCOMPATIBLE.exec(line);
      if (inc?.[1]) result.incompatible.push(inc[1]);
      const part = PARTIAL.exec(line);
      if (part?.[1]) result.partial.push(part[1]);
      return;
    }
    if (line.startsWith('*')) {
      if (table) {
        result.errors.push(`${where}: table ${table.name} has no COMMIT before *${line.slice(1)}`);
        finish();
      }
      table = { backend, family: 'ip', name: line.slice(1), chains: [] };
      return;
    }
    if (!table) {
      result.errors.push(`${where}: outside any *table: ${line}`);
      return;
    }
    if (line === 'COMMIT') {
      finish();
      return;
    }
    if (line.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)/.exec(line);
      if (!m?.[1] || !m[2]) {
        result.errors.push(`${where}: bad chain line: ${line}`);
        return;
      }
      const chain: Chain = { name: m[1], rules: [] };
      const builtin = builtinChain(backend, table.name, m[1]);
      if (builtin) Object.assign(chain, builtin);
      if (m[2] === 'ACCEPT') chain.policy = 'accept';
      else if (m[2] === 'DROP') chain.policy = 'drop';
      else if (m[2] !== '-') result.errors.push(`${where}: unknown policy ${m[2]} for ${m[1]}`);
      if (builtin && chain.policy === undefined) chain.policy = 'accept';
      table.chains.push(chain);
      chains.set(chain.name, chain);
      return;
    }
    if (/^(\[\d+:\d+\]\s+)?-A\s/.test(line)) {
      const parsed = parseRuleLine(line, new Set(chains.keys()));
      if ('error' in parsed) {
        result.errors.push(`${where}: ${parsed.error}`);
        return;
      }
      let chain = chains.get(parsed.chain);
      if (!chain) {
        // iptables-restore would refuse this; keep the rule so nothing silently disappears.
        result.errors.push(`${where}: rule for undeclared chain ${parsed.chain}`);
        chain = { name: parsed.chain, rules: [] };
        table.chains.push(chain);
        chains.set(chain.name, chain);
      }
      chain.rules.push(parsed.rule);
      return;
    }
    result.errors.push(`${where}: not understood: ${line}`);
  });
  if (table) {
    result.errors.push(`table ${table.name} has no COMMIT (truncated output?)`);
    finish();
  }
  return result;
}

/**
 * Which parts of `nft -j list ruleset` to skip because iptables-nft-save already showed them
 * (with readable matches instead of opaque `xt` expressions). Incompatible tables are not
 * skipped; in partial tables only the chains iptables-nft-save printed are.
 */
export function skipIptablesNftShown(saved: IptablesSaveResult): Required<NftJsonOptions> {
  const shown = new Map<string, Set<string>>();
  for (const t of saved.tables) {
    if (t.backend === 'iptables-nft') shown.set(t.name, new Set(t.chains.map((c) => c.name)));
  }
  const incompatible = new Set(saved.incompatible);
  const partial = new Set(saved.partial);
  return {
    skipTable: (family, name) => family === 'ip' && shown.has(name) && !incompatible.has(name) && !partial.has(name),
    skipChain: (family, table, chain) =>
      family === 'ip' && partial.has(table) && (shown.get(table)?.has(chain) ?? false),
  };
}
