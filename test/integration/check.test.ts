// `netdoctor check` as a script sees it: exit codes, one JSON document, bad input refused
// before anything runs, reading changes nothing, and the host side can be entered either way.
import { readFileSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/system/run.js';
import { CLI, TARGET, integrationSkipReason, labDown, labUp, randomLabOptions, runCli } from './helpers.js';

const skip = integrationSkipReason();

/** Everything reading could conceivably change in a namespace, in comparable form. */
async function stateOf(ns: string): Promise<string> {
  const parts = await Promise.all([
    run(['nft', 'list', 'ruleset'], { ns }),
    run(['iptables-nft-save'], { ns }),
    run(['cat', '/proc/net/ip_tables_names'], { ns }),
    run(['sysctl', 'net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter'], { ns }),
    run(['ip', '-n', ns, '-j', 'addr', 'show']),
    run(['ip', '-n', ns, '-j', 'route', 'show', 'table', 'all']),
  ]);
  // Drop what the kernel changes on its own while a fresh lab settles (save timestamps, packet
  // counters, carrier state, IPv6 duplicate-address detection): those are not configuration.
  return parts
    .map((p) =>
      p.stdout
        .replace(/^#.*$/gm, '')
        .replace(/\[\d+:\d+\]/g, '')
        .replace(/"(operstate|tentative)":("[A-Z]+"|true),?/g, '')
        .replace(/,?"(LOWER_UP|NO-CARRIER|linkdown)"/g, '')
        // The local route of an IPv6 link-local address appears when its duplicate-address
        // detection ends, on the kernel's own schedule (the check with its capture may outlast it).
        .replace(/,?\{"type":"local","dst":"fe80::[0-9a-f:]+","dev":"[^"]+","table":"local","protocol":"kernel","metric":0,"flags":\[\],"pref":"medium"\}/g, ''),
    )
    .join('\n----\n');
}

describe.skipIf(skip !== null)('check: bad input is refused with one line and exit 2, before anything runs', () => {
  const cases: [string, string[], RegExp][] = [
    ['missing --ns', ['check'], /--ns NAME is required/],
    ['unknown flag', ['check', '--ns', 'x', '--frobnicate'], /Unknown option '--frobnicate'/],
    ['flag without its value', ['check', '--ns'], /argument missing/],
    ['stray argument', ['check', '--ns', 'x', 'extra'], /unexpected argument "extra"/],
    ['--ns with a leading dash', ['check', '--ns=-rf'], /--ns "-rf": namespace name cannot start with "-"/],
    ['--ns with a command substitution', ['check', '--ns', '$(reboot)'], /--ns "\$\(reboot\)": namespace name/],
    ['--ns with a slash', ['check', '--ns', '../etc'], /--ns "\.\.\/etc": namespace name contains whitespace, "\/" or ":"/],
    ['--ns with a newline', ['check', '--ns', 'a\nb'], /--ns "a\\nb": namespace name contains a control character/],
    ['--host-ns with a space', ['check', '--ns', 'x', '--host-ns', 'a b'], /--host-ns "a b": namespace name contains whitespace/],
    ['--bridge of 16 bytes', ['check', '--ns', 'x', '--bridge', 'abcdefghijklmnop'], /--bridge "abcdefghijklmnop": interface name is longer than 15 bytes/],
    ['--bridge with a semicolon and space', ['check', '--ns', 'x', '--bridge', 'br0; rm'], /interface name contains whitespace/],
    ['--bridge "."', ['check', '--ns', 'x', '--bridge', '..'], /interface name cannot be "\." or "\.\."/],
    ['--bridge non-ASCII', ['check', '--ns', 'x', '--bridge', 'brü'], /non-ASCII/],
    ['--target not an IP', ['check', '--ns', 'x', '--target', 'example.com'], /--target "example\.com": not an IPv4 address/],
    ['--target out of range', ['check', '--ns', 'x', '--target', '300.1.1.1'], /not an IPv4 address/],
    ['--target multicast', ['check', '--ns', 'x', '--target', '224.0.0.1'], /multicast address cannot be a probe target/],
    ['--from-snapshot missing file', ['check', '--from-snapshot', '/nonexistent/x.json'], /--from-snapshot "\/nonexistent\/x\.json": ENOENT/],
    ['--host-ns that does not exist', ['check', '--ns', 'x', '--host-ns', 'ndt-no-such-ns'], /--host-ns "ndt-no-such-ns": no such namespace/],
    ['unknown command', ['chek'], /unknown command "chek"/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^netdoctor: /);
      expect(lines[0]).toMatch(message);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    });
  }
});

describe.skipIf(skip !== null)('check against real labs', () => {
  it('a namespace that does not exist is a diagnosis: netns.exists, exit 1, one JSON document', async () => {
    const r = await runCli(['check', '--ns', 'ndt-surely-absent', '--json', '--target', TARGET]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.schemaVersion).toBe(1);
    expect(report.diagnosis.step).toBe('netns.exists');
    expect(report.steps.find((s: { id: string }) => s.id === 'veth.exists').status).toBe('skip');
  });

  it('reading changes nothing: the host side and the container are byte-for-byte the same after check', async () => {
    const opts = randomLabOptions();
    const lab = await labUp('legacy-masquerade', opts);
    try {
      const before = await Promise.all([stateOf(lab.names.hostNs), stateOf(lab.names.containerNs)]);
      const r = await runCli(['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--json']);
      expect(r.code).toBe(0);
      const after = await Promise.all([stateOf(lab.names.hostNs), stateOf(lab.names.containerNs)]);
      expect(after).toEqual(before);
      // The container namespace never had a legacy table; reading must not have created one.
      expect(after[1]).not.toMatch(/^filter$|^nat$/m);
    } finally {
      await labDown(opts.prefix, ['--ns', opts.ns]);
    }
  });

  it('`ip netns exec HOST netdoctor check --ns C` judges the same as --host-ns HOST; --no-probe skips the ping', async () => {
    const opts = randomLabOptions();
    const lab = await labUp('ip-forward-off', opts);
    try {
      const inside = await run(['ip', 'netns', 'exec', lab.names.hostNs, 'node', CLI, 'check', '--ns', lab.names.containerNs, '--target', TARGET, '--json', '--no-probe']);
      expect(inside.exitCode, inside.stderr).toBe(1);
      const report = JSON.parse(inside.stdout);
      expect(report.diagnosis.step).toBe('host.ip-forward');
      expect(report.target).toMatchObject({ hostNs: null, bridge: opts.bridge, uplink: opts.uplink });
      expect(report.egress).toBe('unknown');
      expect(report.probes.ping).toBeNull();
      // The fix is addressed to the side netdoctor runs in: no namespace prefix.
      const fix = report.steps.find((s: { id: string }) => s.id === 'host.ip-forward').fix;
      expect(fix.commands).toEqual([['sysctl', '-w', 'net.ipv4.ip_forward=1']]);
    } finally {
      await labDown(opts.prefix, ['--ns', opts.ns]);
    }
  });

  it('--save-snapshot then --from-snapshot gives the same report, without root', async () => {
    const opts = randomLabOptions();
    const lab = await labUp('masquerade-other-subnet', opts);
    const dir = mkdtempSync(join(tmpdir(), 'ndt-snap-'));
    try {
      const file = join(dir, 'snap.json');
      const live = await runCli(['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--json', '--save-snapshot', file]);
      expect(live.code).toBe(1);
      chmodSync(dir, 0o755);
      chmodSync(file, 0o644);
      // Judging saved facts touches no kernel, so it works as an unprivileged user too.
      const replay = await run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'node', CLI, 'check', '--from-snapshot', file, '--json']);
      expect(replay.exitCode, replay.stderr).toBe(1);
      expect(JSON.parse(replay.stdout)).toEqual(JSON.parse(live.stdout));
      expect(JSON.parse(readFileSync(file, 'utf8')).snapshot.schemaVersion).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await labDown(opts.prefix, ['--ns', opts.ns]);
    }
  });

  it('not root: exit 3 with what to do', async () => {
    const r = await run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'node', CLI, 'check', '--ns', 'ns0']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/needs root/);
    expect(r.stderr).toMatch(/sudo netdoctor check/);
  });

  it('text output: one line per step, the diagnosis, its evidence, why, and the fix', async () => {
    const opts = randomLabOptions();
    const lab = await labUp('no-masquerade', opts);
    try {
      const r = await runCli(['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^ {2}FAIL host\.masquerade +nothing masquerades/m);
      expect(r.stdout).toMatch(/^ {2}ok {3}host\.ip-forward/m);
      expect(r.stdout).toMatch(/^Diagnosis host\.masquerade:/m);
      expect(r.stdout).toMatch(/Evidence:\n {4}no MASQUERADE or SNAT rule/);
      expect(r.stdout).toMatch(/Why it matters:/);
      expect(r.stdout).toContain(`ip netns exec ${lab.names.hostNs} iptables-nft -t nat -I POSTROUTING -s ${lab.addresses.subnet} -o ${opts.uplink} -m comment --comment netdoctor -j MASQUERADE`);
      expect(r.stdout).not.toMatch(/\x1b\[/); // not a terminal: no colour
    } finally {
      await labDown(opts.prefix, ['--ns', opts.ns]);
    }
  });

  it('NETDOCTOR_TIMING=1: the active check\'s stages on stderr, in order (the ping only once the facts are in and the capture is ready)', async () => {
    const opts = randomLabOptions();
    const lab = await labUp('no-masquerade', opts);
    try {
      const argv = ['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--json'];
      const r = await run(argv, { timeoutMs: 60_000, env: { NETDOCTOR_TIMING: '1' } });
      expect(r.exitCode, r.stderr).toBe(1);
      expect((JSON.parse(r.stdout) as { diagnosis: { step: string } }).diagnosis.step).toBe('host.masquerade');
      const stages = [...r.stderr.matchAll(/^netdoctor timing: +(\d+) ms {2}(.+)$/gm)].map((m) => ({ ms: Number(m[1]), label: m[2]! }));
      const labels = stages.map((s) => s.label).filter((l) => !l.startsWith('snapshot: links'));
      expect(labels).toEqual([
        'capture worker starting',
        'DNS worker starting',
        'snapshot: topology known',
        'snapshot complete',
        'capture ready; ping starting',
        'ping done',
        'capture worker: stopping',
        'capture worker: end',
        'capture stopped',
        'DNS and MTU probes done',
      ]);
      const times = stages.map((s) => s.ms);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      // Off by default.
      const quiet = await run(argv, { timeoutMs: 60_000 });
      expect(quiet.stderr).not.toMatch(/netdoctor timing/);
    } finally {
      await labDown(opts.prefix, ['--ns', opts.ns]);
    }
  });
});
