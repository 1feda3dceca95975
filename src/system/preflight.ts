// Can netdoctor look at the system at all? Not root, or no `ip`: exit 3 with what to do.
import { CannotInspectError } from '../exit-codes.js';
import { namespaceIdentity } from './snapshot.js';
import { UsageError } from '../validate.js';

export function requireRoot(what: string): void {
  if (typeof process.geteuid === 'function' && process.geteuid() !== 0) {
    throw new CannotInspectError(
      `${what} needs root: entering namespaces and reading netfilter rules need CAP_SYS_ADMIN and CAP_NET_ADMIN`,
      'run it with sudo, e.g. `sudo netdoctor check --ns ns0`',
    );
  }
}

export async function requireHostNs(hostNs: string | null): Promise<void> {
  if (hostNs && !namespaceIdentity(hostNs)) {
    throw new UsageError(`--host-ns ${JSON.stringify(hostNs)}: no such namespace (see \`ip netns list\`)`);
  }
}
