// /proc/net/netstat and /proc/net/snmp: pairs of lines, "Prefix: names..." then
// "Prefix: values...". Pure.
export function parseNetstat(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  const lines = text.split('\n').filter((l) => l.includes(':'));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [prefix, names = ''] = lines[i]!.split(/:\s*/, 2) as [string, string?];
    const [prefix2, values = ''] = lines[i + 1]!.split(/:\s*/, 2) as [string, string?];
    if (prefix !== prefix2) continue;
    const n = names.trim().split(/\s+/);
    const v = values.trim().split(/\s+/);
    n.forEach((name, j) => {
      const value = Number(v[j]);
      if (name && Number.isFinite(value)) out[`${prefix}.${name}`] = value;
    });
  }
  return out;
}

/** Packets the kernel dropped because reverse-path filtering (rp_filter) rejected their source. */
export const RP_FILTER_COUNTER = 'TcpExt.IPReversePathFilter';
