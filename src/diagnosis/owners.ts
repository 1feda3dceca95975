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

/**
 * The owner of a chain, or of the chains it jumps to: a FORWARD chain has no owner by name, but
 * one whose rules jump into ufw-before-forward or DOCKER-USER was set up by ufw or Docker (and
 * its DROP policy with it).
 */
export function chainOwner(table: { name: string; chains: { name: string; rules: { verdict: { kind: string; target?: string } }[] }[] }, chain: string): Owner {
  const own = ownerOf(table.name, chain);
  if (own) return own;
  const c = table.chains.find((x) => x.name === chain);
  for (const r of c?.rules ?? []) {
    const v = r.verdict;
    if ((v.kind === 'jump' || v.kind === 'goto') && v.target) {
      const o = ownerOf(table.name, v.target);
      if (o && o !== 'netdoctor') return o;
    }
  }
  return null;
}

/** Chain names that show whose rules these are, for evidence: "ufw-before-forward, ufw-user-forward". */
export function ownedChainNames(table: { name: string; chains: { name: string }[] }, owner: Owner, max = 4): string[] {
  return table.chains.filter((c) => ownerOf(table.name, c.name) === owner).slice(0, max).map((c) => c.name);
}

/** Owners by name, for sentences ("set by Docker"). */
export const OWNER_NAMES: Record<NonNullable<Owner>, string> = {
  docker: 'Docker',
  ufw: 'ufw',
  firewalld: 'firewalld',
  libvirt: 'libvirt',
  kubernetes: 'Kubernetes',
  netdoctor: 'netdoctor',
};
