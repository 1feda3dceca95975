// Helpers for the fix tests: the built CLI with a private state directory, and a comparable
// picture of everything a fix may change inside a lab namespace.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/system/run.js';
import { CLI, type CliResult } from './helpers.js';

export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'ndt-fixstate-'));
}

/**
 * A scenario file with two faults in dependency order (ip_forward off, no MASQUERADE), so a fix
 * run has a second change to make after the first. Returns its path inside `dir`.
 */
export function writeTwoFaultsScenario(dir: string): string {
  const file = join(dir, 'two-faults.json');
  writeFileSync(
    file,
    JSON.stringify({
      id: 'two-faults',
      title: 'No forwarding and no masquerade',
      story: 'Two steps skipped.',
      expect: { diagnosis: 'host.ip-forward', warn: [], egress: 'broken' },
      omit: ['host.ip-forward', 'host.masquerade'],
      extra: [{ in: 'host', argv: ['sysctl', '-w', 'net.ipv4.ip_forward=0'] }],
    }),
  );
  return file;
}

export async function cli(args: string[], env: Record<string, string>, timeoutMs = 90_000): Promise<CliResult> {
  const r = await run(['node', CLI, ...args], { timeoutMs, env });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

interface IpLink {
  ifname: string;
  flags: string[];
  master?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/**
 * Everything `--fix` may change in one namespace, in comparable form: the nft ruleset (no
 * counters), iptables-nft and iptables-legacy rules, the IPv4 sysctls (ip_forward and every
 * net.ipv4.conf.* value: forwarding, rp_filter ...; net.bridge.* when loaded), links (kind, master,
 * up), IPv4 addresses and routes. What the kernel changes by itself (carrier, IPv6 link-local,
 * counters, save timestamps) is left out. An absent namespace is 'absent'.
 */
export async function nsState(ns: string): Promise<string> {
  const exists = await run(['ip', 'netns', 'exec', ns, 'true']);
  if (exists.failed) return 'absent';
  const [nft, iptNft, legacyNames, sysctl, bridgeSysctl, links, routes] = await Promise.all([
    run(['nft', 'list', 'ruleset'], { ns }),
    run(['iptables-nft-save'], { ns }),
    run(['cat', '/proc/net/ip_tables_names'], { ns }),
    // Every IPv4 interface setting (forwarding, rp_filter ...), and br_netfilter's where loaded.
    run(['sysctl', 'net.ipv4.ip_forward', 'net.ipv4.conf'], { ns }),
    run(['sysctl', 'net.bridge'], { ns }), // absent (and failing) unless br_netfilter is loaded
    run(['ip', '-n', ns, '-j', '-d', 'addr', 'show']),
    run(['ip', '-n', ns, '-j', '-4', 'route', 'show', 'table', 'all']),
  ]);
  const legacy = await Promise.all(
    legacyNames.stdout.split('\n').filter(Boolean).sort().map((t) => run(['iptables-legacy-save', '-t', t], { ns })),
  );
  const clean = (s: string) =>
    s
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/g, '[]').replace(/counter packets \d+ bytes \d+/g, 'counter'))
      .join('\n');
  const linkView = (JSON.parse(links.stdout || '[]') as IpLink[])
    .map((l) => ({
      name: l.ifname,
      kind: l.linkinfo?.info_kind ?? null,
      master: l.master ?? null,
      up: l.flags.includes('UP'),
      v4: (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`).sort(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const routeView = (JSON.parse(routes.stdout || '[]') as Record<string, unknown>[])
    .map((r) => JSON.stringify({ ...r, flags: undefined }))
    .filter((r) => !r.includes('"linkdown"'))
    .sort();
  return [
    `nft:\n${clean(nft.stdout)}`,
    `iptables-nft:\n${clean(iptNft.stdout)}`,
    `iptables-legacy:\n${legacy.map((l) => clean(l.stdout)).join('\n')}`,
    `sysctl:\n${sysctl.stdout}${bridgeSysctl.stdout}`,
    `links:\n${JSON.stringify(linkView, null, 1)}`,
    `routes:\n${routeView.join('\n')}`,
  ].join('\n====\n');
}

export async function labState(namespaces: string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(namespaces.map(async (n) => [n, await nsState(n)] as const));
  return Object.fromEntries(entries);
}
