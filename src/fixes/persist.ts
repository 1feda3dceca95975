// `--persist`: keep IPv4 forwarding on across reboots with a drop-in under /etc/sysctl.d
// (never /etc/sysctl.conf, which belongs to the administrator). The directory can be moved
// with NETDOCTOR_SYSCTL_DIR (tests). Boot applies sysctl files in file-name order and
// /etc/sysctl.conf last, so a later file that sets ip_forward = 0 switches it off again:
// netdoctor warns about every such file.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const DROP_IN_NAME = '99-zz-netdoctor-ip-forward.conf';
export const DROP_IN_CONTENT = '# Written by netdoctor --persist: keep IPv4 forwarding on (netdoctor undo removes it).\nnet.ipv4.ip_forward = 1\n';

const SYSTEM_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'];

export function sysctlDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NETDOCTOR_SYSCTL_DIR || '/etc/sysctl.d';
}

export interface SysctlFile {
  path: string;
  content: string;
}

/** The value a sysctl file gives net.ipv4.ip_forward (last assignment wins), or null. */
export function ipForwardSetting(content: string): string | null {
  let value: string | null = null;
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^-?\s*(net[./]ipv4[./]ip_forward)\s*=\s*(\S+)/.exec(line);
    if (m) value = m[2]!;
  }
  return value;
}

/**
 * Files that would switch forwarding off again after our drop-in: later in name order (the
 * boot order of sysctl.d), or /etc/sysctl.conf (read last).
 */
export function forwardingOverrides(files: SysctlFile[], ours = DROP_IN_NAME): string[] {
  return files
    .filter((f) => {
      const v = ipForwardSetting(f.content);
      if (v === null || v === '1') return false;
      return f.path === '/etc/sysctl.conf' || basename(f.path) > ours;
    })
    .map((f) => `${f.path} sets net.ipv4.ip_forward = ${ipForwardSetting(f.content)} and is applied after ${ours}: forwarding will be off again after a reboot`);
}

/** The sysctl files that take part at boot (only the override directory under NETDOCTOR_SYSCTL_DIR). */
export function readSysctlFiles(env: NodeJS.ProcessEnv = process.env): SysctlFile[] {
  const dirs = env.NETDOCTOR_SYSCTL_DIR ? [env.NETDOCTOR_SYSCTL_DIR] : SYSTEM_DIRS;
  const out: SysctlFile[] = [];
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.conf'));
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        out.push({ path: join(dir, n), content: readFileSync(join(dir, n), 'utf8') });
      } catch {
        /* unreadable: nothing to warn about */
      }
    }
  }
  if (!env.NETDOCTOR_SYSCTL_DIR) {
    try {
      out.push({ path: '/etc/sysctl.conf', content: readFileSync('/etc/sysctl.conf', 'utf8') });
    } catch {
      /* absent */
    }
  }
  return out;
}
