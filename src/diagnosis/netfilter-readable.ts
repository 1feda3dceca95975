// Whether the firewall could be read completely. A backend that timed out or failed may hold
// the rule that decides (a drop, or the masquerade), so a verdict that depends on its absence
// is an `error`, not a guess. A backend that is not installed is only a gap when nothing else
// can show the kernel's nf_tables rules (neither nft nor iptables-nft-save).
import type { HostFacts } from '../model/snapshot.js';

export function netfilterGap(host: HostFacts): string | null {
  const failed = host.netfilterSources.filter((s) => s.status === 'error');
  if (failed.length) return failed.map((s) => `${s.source} could not be read${s.detail ? ` (${s.detail})` : ''}`).join('; ');
  const absent = (source: string) => host.netfilterSources.some((s) => s.source === source && s.status === 'absent');
  if (absent('nft') && absent('iptables-nft')) return 'neither nft nor iptables-nft-save is installed, so no nf_tables rule can be read';
  return null;
}
