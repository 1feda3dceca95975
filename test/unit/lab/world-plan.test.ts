// The world's build plan: the tutorial's names inside, nothing addressed to the real host.
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../../src/lab/scenario.js';
import { EMPTY_WORLD } from '../../../src/lab/world.js';
import { worldArgv, worldBuild, worldPaths, worldSetupArgv } from '../../../src/lab/world-plan.js';
import { parseExecArgs } from '../../../src/commands/lab.js';

const P = 'ndtunit1';
const paths = worldPaths(P);

/** The command after nsenter's own options. */
const inner = (argv: string[]) => argv.slice(argv.indexOf('--') + 1);

describe('worldBuild', () => {
  it('an empty world: only the host and its uplink to the lab internet, nothing of the tutorial', () => {
    const cmds = worldBuild(P, EMPTY_WORLD);
    expect(cmds.every((c) => c.argv[0] === 'nsenter')).toBe(true);
    expect(new Set(cmds.map((c) => c.step))).toEqual(new Set(['base', 'uplink.link', 'host.uplink']));
    // No namespace is created by name: the world's own are made by unshare and pinned by path.
    expect(cmds.some((c) => inner(c.argv).join(' ').startsWith('ip netns add'))).toBe(false);
    const uplink = cmds.find((c) => inner(c.argv).includes('peer'))!;
    expect(uplink.argv).toEqual(['nsenter', `--net=${paths.hostNet}`, '--', 'ip', 'link', 'add', 'name', 'eth0', 'type', 'veth', 'peer', 'name', 'wan0', 'netns', paths.inetNet]);
    const inet = cmds.filter((c) => c.argv[1] === `--net=${paths.inetNet}`);
    expect(inet.map((c) => inner(c.argv).join(' '))).toContain('ip addr add 198.51.100.8/32 dev lo');
  });

  it('a scenario: the learner\'s ns0 inside the world, the tutorial\'s names, no <prefix>-ns0', () => {
    const cmds = worldBuild(P, findScenario('no-masquerade'));
    const all = cmds.map((c) => c.argv.join(' '));
    expect(all.some((a) => a.includes(`${P}-ns0`) || a.includes(`${P}-host`) || a.includes(`${P}-inet`))).toBe(false);
    const add = cmds.find((c) => c.step === 'netns.exists')!;
    expect(add.argv).toEqual(worldArgv(paths, ['ip', 'netns', 'add', 'ns0']));
    expect(cmds.find((c) => c.step === 'veth.move')!.argv).toEqual(worldArgv(paths, ['ip', 'link', 'set', 'dev', 'ceth0', 'netns', 'ns0']));
    expect(cmds.find((c) => c.step === 'ns.address')!.argv).toEqual(worldArgv(paths, ['ip', '-n', 'ns0', 'addr', 'add', '192.168.0.2/16', 'dev', 'ceth0']));
    expect(cmds.find((c) => c.step === 'host.ip-forward')!.argv).toEqual(worldArgv(paths, ['sysctl', '-w', 'net.ipv4.ip_forward=1']));
    expect(cmds.some((c) => c.step === 'host.masquerade')).toBe(false);
  });

  it('scenario extras run where they say: host inside the world, ns in ns0', () => {
    const cmds = worldBuild(P, findScenario('wrong-gateway'));
    const extra = cmds.filter((c) => c.step === 'extra');
    expect(extra.length).toBeGreaterThan(0);
    for (const c of extra) expect(c.argv.slice(0, 3)).toEqual(['nsenter', `--mount=${paths.mnt}`, `--net=${paths.hostNet}`]);
  });

  it('setup: a private /run/netns and the world\'s own /sys, inside the world only', () => {
    const setup = worldSetupArgv(paths, { etcNetnsExists: false });
    expect(setup.map(inner)).toEqual([
      ['mount', '-t', 'tmpfs', '-o', 'mode=0755,size=1m', 'netdoctor-world', '/run/netns'],
      ['mount', '-t', 'sysfs', 'netdoctor-world', '/sys'],
    ]);
    for (const s of setup) expect(s[1]).toBe(`--mount=${paths.mnt}`);
    expect(worldSetupArgv(paths, { etcNetnsExists: true }).map(inner).at(-1)?.at(-1)).toBe('/etc/netns');
  });
});

describe('lab exec arguments', () => {
  it.each([
    [['--', 'ip', '-n', 'ns0', 'link'], 'ndlearn', ['ip', '-n', 'ns0', 'link']],
    [['ip', 'netns', 'add', 'ns0'], 'ndlearn', ['ip', 'netns', 'add', 'ns0']],
    [['--prefix', 'w1', '--', 'sysctl', '-w', 'x=1'], 'w1', ['sysctl', '-w', 'x=1']],
    [['--prefix=w2', 'ping', '-c', '1', '198.51.100.8'], 'w2', ['ping', '-c', '1', '198.51.100.8']],
    [['--prefix', 'w3', 'ip', '--', 'x'], 'w3', ['ip', '--', 'x']],
  ])('%j', (argv, prefix, command) => {
    expect(parseExecArgs(argv)).toEqual({ prefix, help: false, command });
  });

  it('refuses an unknown option before the command', () => {
    expect(() => parseExecArgs(['-n', 'ns0'])).toThrow(/put the command after --/);
  });
});
