// Which firewall front-ends are installed: a fix for ufw or firewalld rules is written as their
// own command, and the report says when that command is not available on this machine.
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';

export const FIREWALL_TOOLS = ['ufw', 'firewall-cmd', 'docker'] as const;

const DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

async function installed(name: string): Promise<boolean> {
  const dirs = [...new Set([...(process.env.PATH ?? '').split(':').filter((d) => d.startsWith('/')), ...DIRS])];
  for (const d of dirs) {
    try {
      await access(join(d, name), constants.X_OK);
      return true;
    } catch {
      /* not here */
    }
  }
  return false;
}

export async function firewallTools(): Promise<Record<string, boolean>> {
  const found = await Promise.all(FIREWALL_TOOLS.map(installed));
  return Object.fromEntries(FIREWALL_TOOLS.map((t, i) => [t, found[i] ?? false]));
}
