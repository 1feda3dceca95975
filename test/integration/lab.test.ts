// `netdoctor lab` for real: builds labs in namespaces, pings across them, takes them down, and
// proves the root namespace was never touched.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/system/run.js';
import {
  LAB_STATE_DIR,
  TARGET,
  integrationSkipReason,
  labDown,
  labUp,
  labUpArgs,
  namespacesOf,
  pingFromNs,
  randomLabOptions,
  runCli,
  stateFileExists,
  uniquePrefix,
  withLab,
} from './helpers.js';

const skip = integrationSkipReason();

function expectGone(prefix: string): void {
  expect(namespacesOf(prefix)).toEqual([]);
  expect(stateFileExists(prefix)).toBe(false);
}

/** Everything about the root namespace a lab could conceivably change, minus what changes by itself. */
async function rootSnapshot(): Promise<Record<string, string>> {
  const out = async (argv: string[]) => {
    const r = await run(argv, { timeoutMs: 10_000 });
    return `${r.exitCode}\n${r.stdout}`;
  };
  const [link, addr, route, nft, iptables] = await Promise.all([
    out(['ip', '-j', 'link']),
    out(['ip', '-j', 'addr']),
    out(['ip', '-j', 'route']),
    out(['nft', 'list', 'ruleset']),
    out(['iptables-save']),
  ]);
  return {
    link,
    // Address lifetimes count down on their own.
    addr: addr.replace(/"(valid|preferred)_life_time":\d+/g, ''),
    route,
    nft: nft.replace(/counter packets \d+ bytes \d+/g, 'counter'),
    iptables: iptables
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/g, '[]'))
      .join('\n'),
    ipForward: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'),
  };
}

describe.skipIf(skip !== null)('netdoctor lab (real namespaces)', () => {
  it('healthy lab: the container reaches the lab internet; lab down leaves nothing', async () => {
    const opts = randomLabOptions();
    const lab = await labUp('healthy', opts);
    try {
      expect(lab.names.containerNs).toBe(`${opts.prefix}-${opts.ns}`);
      expect(lab.names.bridge).toBe(opts.bridge);
      expect(lab.addresses.target).toBe(TARGET);
      expect(namespacesOf(opts.prefix).sort()).toEqual([lab.names.containerNs, lab.names.hostNs, lab.names.inetNs].sort());
      expect(stateFileExists(opts.prefix)).toBe(true);
      expect(await pingFromNs(lab.names.containerNs)).toBe(true);
    } finally {
      const down = await labDown(opts.prefix);
      expect(down.code).toBe(0);
    }
    expectGone(opts.prefix);
  });

  it('no-masquerade lab: replies die in the lab internet, so ping fails', async () => {
    await withLab('no-masquerade', randomLabOptions(), async (lab) => {
      expect(lab.skipped.map((s) => s.id)).toEqual(['host.masquerade']);
      expect(await pingFromNs(lab.names.containerNs)).toBe(false);
    });
  });

  it('the root namespace is untouched, even with the tutorial names (eth0, br0, 192.168.0.0/16)', async () => {
    const before = await rootSnapshot();
    const prefix = uniquePrefix();
    // Default names on purpose: the lab's eth0 lives in its own namespace.
    await withLab('healthy', { prefix }, async (lab) => {
      expect(lab.names.uplink).toBe('eth0');
      expect(await pingFromNs(lab.names.containerNs)).toBe(true);
      expect(await rootSnapshot()).toEqual(before);
    });
    await withLab('docker-forward-drop', { prefix }, async () => {
      expect(await rootSnapshot()).toEqual(before);
    });
    expect(await rootSnapshot()).toEqual(before);
    expectGone(prefix);
  });

  it('lab up refuses a prefix that is already up, and leaves that lab alone', async () => {
    const opts = randomLabOptions();
    await withLab('healthy', opts, async (lab) => {
      const again = await runCli(labUpArgs('no-masquerade', { ...randomLabOptions(), prefix: opts.prefix }));
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`netdoctor lab down --prefix ${opts.prefix}`);
      expect(again.stdout).toBe('');
      expect(await pingFromNs(lab.names.containerNs)).toBe(true);
    });
    expectGone(opts.prefix);
  });

  it('an interrupted lab (state says building, a namespace missing) still comes down', async () => {
    const opts = randomLabOptions();
    await labUp('healthy', opts);
    const stateFile = join(LAB_STATE_DIR, `${opts.prefix}.json`);
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { status: string };
    writeFileSync(stateFile, JSON.stringify({ ...state, status: 'building' }));
    await run(['ip', 'netns', 'del', `${opts.prefix}-inet`]);
    const listed = JSON.parse((await runCli(['lab', 'list', '--json'])).stdout) as { labs: { prefix: string; missing: string[] }[] };
    expect(listed.labs.find((l) => l.prefix === opts.prefix)?.missing).toEqual([`${opts.prefix}-inet`]);
    const down = await labDown(opts.prefix);
    expect(down.code).toBe(0);
    expectGone(opts.prefix);
  });

  it('without its state file, lab down removes exactly the lab namespaces', async () => {
    const opts = randomLabOptions();
    await labUp('healthy', opts);
    rmSync(join(LAB_STATE_DIR, `${opts.prefix}.json`));
    const down = await labDown(opts.prefix, ['--ns', opts.ns]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`${opts.prefix}-host`);
    expectGone(opts.prefix);
  });

  it('lab down --prefix P alone removes every P-* namespace of the lab (no record, a custom --ns, more containers, a stray), never a nested lab\'s', { timeout: 120_000 }, async () => {
    const opts = randomLabOptions();
    // A nested lab: its prefix starts with P-, so its namespaces are P-n-host, P-n-inet, P-n-...
    const nested = { ...randomLabOptions(), prefix: `${opts.prefix}-n` };
    // A prefix that never was a lab: a namespace of someone else's that merely starts with it.
    const notLab = uniquePrefix();
    try {
      const up = await runCli([...labUpArgs('healthy', opts), '--containers', '2']);
      expect(up.code, up.stderr).toBe(0);
      await labUp('healthy', nested);
      expect((await run(['ip', 'netns', 'add', `${opts.prefix}-stray`])).exitCode).toBe(0);
      expect((await run(['ip', 'netns', 'add', `${notLab}-user`])).exitCode).toBe(0);
      // The record lost (killed before it was written, or kept in another state directory).
      rmSync(join(LAB_STATE_DIR, `${opts.prefix}.json`));
      const down = await labDown(opts.prefix);
      expect(down.code, down.stderr).toBe(0);
      for (const n of [`${opts.prefix}-host`, `${opts.prefix}-inet`, `${opts.prefix}-${opts.ns}`, `${opts.prefix}-${opts.ns}-2`, `${opts.prefix}-stray`]) expect(down.stdout).toContain(n);
      expect(namespacesOf(opts.prefix).sort(), 'only the nested lab is left').toEqual(namespacesOf(nested.prefix).sort());
      expect(namespacesOf(nested.prefix)).toHaveLength(3);
      expect(await pingFromNs(`${nested.prefix}-${nested.ns}`), 'the nested lab still works').toBe(true);
      const none = await labDown(notLab);
      expect(none.code).toBe(0);
      expect(none.stdout).toContain('Nothing to remove');
      expect(namespacesOf(notLab), 'not a lab: its namespace is not touched').toEqual([`${notLab}-user`]);
    } finally {
      await labDown(nested.prefix, ['--ns', nested.ns]);
      await labDown(opts.prefix, ['--ns', opts.ns]);
      await run(['ip', 'netns', 'del', `${notLab}-user`]);
    }
    expectGone(opts.prefix);
  });

  it('a command failing midway: exit 3, the failing command and its error, nothing left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ndt-scenario-'));
    const file = join(dir, 'broken-extra.json');
    writeFileSync(
      file,
      JSON.stringify({
        id: 'broken-extra',
        title: 'An extra command that fails',
        story: 'For the test suite only.',
        expect: { diagnosis: null, warn: [], egress: 'ok' },
        extra: [{ in: 'host', argv: ['ip', 'link', 'set', 'nosuchdev0', 'up'] }],
      }),
    );
    const opts = randomLabOptions();
    try {
      const r = await runCli(labUpArgs(file, opts));
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`ip -n ${opts.prefix}-host link set nosuchdev0 up`);
      expect(r.stderr).toMatch(/Cannot find device|does not exist/);
      expectGone(opts.prefix);
    } finally {
      await labDown(opts.prefix, ['--ns', opts.ns]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['lab', 'up', 'no-such-scenario'], /unknown scenario/],
    [['lab', 'up', '--bridge', 'a b'], /--bridge "a b"/],
    [['lab', 'up', '--subnet', '203.0.113.0/24'], /overlaps/],
    [['lab', 'up', '--prefix', 'x', '--bogus'], /lab up: Unknown option '--bogus'/],
    [['lab', 'down', '--all', '--prefix', 'x'], /--all/],
    [['lab', 'sideways'], /unknown subcommand/],
  ])('bad input %j: one line, exit 2, nothing built', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('lab list shows the scenarios with their expectations', async () => {
    const r = await runCli(['lab', 'list', '--json']);
    expect(r.code).toBe(0);
    const { scenarios } = JSON.parse(r.stdout) as { scenarios: { id: string; expect: { diagnosis: string | null } }[] };
    expect(scenarios.find((s) => s.id === 'no-masquerade')?.expect.diagnosis).toBe('host.masquerade');
  });
});
