// Who put a chain or table there: named in evidence so people know whose rules they are
// looking at, and where a fix belongs (Docker expects changes in DOCKER-USER).
export type Owner = 'docker' | 'ufw' | 'firewalld' | 'libvirt' | 'kubernetes' | 'netdoctor' | null;

export function ownerOf(table: string, chain: string): Owner {
  if (table === 'netdoctor' || chain.startsWith('netdoctor')) return 'netdoctor';
  if (/^DOCKER(-|$)/.test(chain)) return 'docker';
  if (chain.startsWith('ufw-') || chain.startsWith('ufw6-')) return 'ufw';
  if (table === 'firewalld' || /^(FWD_|FWDI_|FWDO_|IN_|OUT_)/.test(chain)) return 'firewalld';
  if (/^LIBVIRT_/.test(chain)) return 'libvirt';
  if (/^(KUBE-|CILIUM_|cali-)/.test(chain)) return 'kubernetes';
  return null;
}

export function ownerNote(owner: Owner): string {
  switch (owner) {
    case 'docker':
      return ' (Docker\'s)';
    case 'ufw':
      return ' (ufw\'s)';
    case 'firewalld':
      return ' (firewalld\'s)';
    case 'libvirt':
      return ' (libvirt\'s)';
    case 'kubernetes':
      return ' (Kubernetes\')';
    case 'netdoctor':
      return ' (netdoctor\'s own)';
    default:
      return '';
  }
}
