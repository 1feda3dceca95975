// The lab "world", as pure data: where its namespaces are pinned and the argv that enters it.
//
// A world is a lab in which the tutorial's commands work verbatim and touch nothing real:
//   - its own host network namespace (plays the learner's root namespace: bridge, veth, NAT,
//     sysctls all live there), with an uplink `eth0` toward
//   - its own internet network namespace (198.51.100.8 stands in for 8.8.8.8), and
//   - a private mount namespace in which /run/netns is an empty tmpfs, so `ip netns add ns0`
//     creates ns0 only inside the world: a real `ns0` on the host neither clashes nor is seen.
// None of the three is named in the host's /run/netns: they are pinned by bind mounts under
// /run/netdoctor/worlds/<prefix>/, so the host's `ip netns list` never shows a world.
import { join, resolve } from 'node:path';
import { buildPlan, commandArgv, labConfig, type LabCommand, type LabConfig, type PlanInput } from './topology.js';

export const DEFAULT_WORLD_DIR = '/run/netdoctor/worlds';
// NETDOCTOR_WORLD_DIR: another directory of worlds; `lab down --all` removes only the worlds in
// its own directory (like NETDOCTOR_LAB_DIR for labs).
export const WORLD_DIR = resolve(process.env.NETDOCTOR_WORLD_DIR || DEFAULT_WORLD_DIR);
export const DEFAULT_WORLD_PREFIX = 'ndlearn';
/** The learner's namespace, as the tutorial names it. It exists only inside the world. */
export const WORLD_CONTAINER_NS = 'ns0';

export interface WorldPaths {
  dir: string;
  /** nsfs bind mounts that pin the world's namespaces. */
  hostNet: string;
  inetNet: string;
  mnt: string;
  state: string;
  bashrc: string;
}

export function worldPaths(prefix: string): WorldPaths {
  const dir = join(WORLD_DIR, prefix);
  return {
    dir,
    hostNet: join(dir, 'host'),
    inetNet: join(dir, 'inet'),
    mnt: join(dir, 'mnt'),
    state: join(dir, 'world.json'),
    bashrc: join(dir, 'shell.bashrc'),
  };
}

/** The tutorial's names and addresses (ns0, br0, veth0, ceth0, eth0, 192.168.0.0/16). */
export function worldConfig(prefix: string): LabConfig {
  const config = labConfig({ prefix });
  // The container is the learner's `ns0` inside the world, not a `<prefix>-ns0` on the host.
  return { ...config, names: { ...config.names, containerNs: WORLD_CONTAINER_NS } };
}

/** argv that runs `argv` inside the world (its mount namespace and its host network namespace). */
export function worldArgv(paths: WorldPaths, argv: readonly string[], opts: { wd?: string } = {}): string[] {
  return ['nsenter', `--mount=${paths.mnt}`, `--net=${paths.hostNet}`, ...(opts.wd ? [`--wd=${opts.wd}`] : []), '--', ...argv];
}

/** argv that runs `argv` in the world's host network namespace, in the real mount namespace. */
export function hostNetArgv(paths: WorldPaths, argv: readonly string[]): string[] {
  return ['nsenter', `--net=${paths.hostNet}`, '--', ...argv];
}

/** argv that runs `argv` in the world's internet namespace (no mount namespace needed there). */
export function inetArgv(paths: WorldPaths, argv: readonly string[]): string[] {
  return ['nsenter', `--net=${paths.inetNet}`, '--', ...argv];
}

/** Where the world's pieces are set up after the namespaces exist; run in this order. */
export function worldSetupArgv(paths: WorldPaths, opts: { etcNetnsExists: boolean }): string[][] {
  const inWorld = (...argv: string[]) => worldArgv(paths, argv);
  const out = [
    // The learner's namespace names live here only.
    inWorld('mount', '-t', 'tmpfs', '-o', 'mode=0755,size=1m', 'netdoctor-world', '/run/netns'),
    // /sys shows the world's own interfaces (as `ip netns exec` does for a namespace).
    inWorld('mount', '-t', 'sysfs', 'netdoctor-world', '/sys'),
  ];
  // Per-namespace resolv.conf files of the real host's namespaces must not leak into the world.
  if (opts.etcNetnsExists) out.push(inWorld('mount', '-t', 'tmpfs', '-o', 'mode=0755,size=1m', 'netdoctor-world', '/etc/netns'));
  return out;
}

/** One command of a world's build, already as the argv that runs it. */
export interface WorldCommand {
  step: LabCommand['step'];
  argv: string[];
}

/**
 * The scenario's build as argv for a world: the host side runs inside the world, the learner's
 * namespace is `ns0` inside the world, the internet side runs in the world's internet namespace.
 * The lab's `base` step is replaced: the world's namespaces are created by unshare, and the
 * uplink's peer is moved by path.
 */
export function worldBuild(prefix: string, scenario: PlanInput): WorldCommand[] {
  const config = worldConfig(prefix);
  const paths = worldPaths(prefix);
  const n = config.names;
  const plan = buildPlan(config, scenario);
  const out: WorldCommand[] = [];
  for (const c of plan) {
    if (c.ns === null) {
      // `ip netns add X`: only the learner's namespace is made this way (inside the world).
      if (c.argv.at(-1) === n.hostNs || c.argv.at(-1) === n.inetNs) continue;
      out.push({ step: c.step, argv: worldArgv(paths, c.argv) });
    } else if (c.ns === n.hostNs) {
      // `ip link add ... netns <inet>`: iproute2 takes a path where it takes a name. That pin is
      // not visible inside the world's mount namespace, so this one runs in the host netns only.
      const toInet = c.argv.some((a, i) => a === n.inetNs && c.argv[i - 1] === 'netns');
      const argv = c.argv.map((a, i) => (a === n.inetNs && c.argv[i - 1] === 'netns' ? paths.inetNet : a));
      out.push({ step: c.step, argv: toInet ? hostNetArgv(paths, argv) : worldArgv(paths, argv) });
    } else if (c.ns === n.inetNs) {
      out.push({ step: c.step, argv: inetArgv(paths, c.argv) });
    } else {
      // The learner's namespace: `ip -n ns0 ...` / `ip netns exec ns0 ...`, inside the world.
      out.push({ step: c.step, argv: worldArgv(paths, commandArgv(c)) });
    }
  }
  return out;
}

/** What the lab shell's bash reads first: the user's usual rc files, then a prompt that says where it is. */
export function shellRc(prefix: string): string {
  return [
    '# written by netdoctor lab shell',
    '[ -f /etc/bash.bashrc ] && . /etc/bash.bashrc',
    '[ -f ~/.bashrc ] && . ~/.bashrc',
    `PS1='(netdoctor lab ${prefix}) \\u@\\h:\\w\\$ '`,
    '',
  ].join('\n');
}
