// Lab worlds for real: the tutorial's commands, verbatim, through `lab exec`, reach the lab's
// internet; the real host notices nothing; `lab down` leaves nothing behind.
import { describe, expect, it } from 'vitest';
import { LESSON } from '../../src/learn/lesson.js';
import { run } from '../../src/system/run.js';
import { CLI, integrationSkipReason, runCli, uniquePrefix } from './helpers.js';
import { hostView, labExec, processesInNs, uptime, withWorld, worldDirExists, worldDown, worldMounts, worldUp } from './world-helpers.js';

const skip = integrationSkipReason();

function expectGone(prefix: string): void {
  expect(worldMounts(prefix)).toEqual([]);
  expect(worldDirExists(prefix)).toBe(false);
}

async function nsInodeInWorld(prefix: string, ns: string): Promise<number> {
  const r = await labExec(prefix, ['stat', '-L', '-c', '%i', `/run/netns/${ns}`]);
  expect(r.code).toBe(0);
  return Number(r.stdout.trim());
}

describe.skipIf(skip !== null)('lab world (real namespaces)', () => {
  it('the tutorial, verbatim through lab exec, reaches the lab internet; the host notices nothing; lab down leaves nothing', async () => {
    const prefix = uniquePrefix();
    const before = await hostView(prefix);
    const w = await worldUp(null, prefix);
    let ns0Inode = 0;
    let mntInode = 0;
    let downAt = Infinity;
    try {
      expect(w.scenario).toBeNull();
      expect(worldMounts(prefix).length).toBe(4);
      // Nothing named: the host's `ip netns list` does not even show the world.
      expect(await hostView(prefix)).toEqual(before);
      expect((await labExec(prefix, ['ip', 'netns', 'list'])).stdout).toBe('');
      const ping = LESSON.find((s) => s.id === 'ping')!.command;
      for (const step of LESSON) {
        if (step.id === 'default-route') {
          const r = await labExec(prefix, ping);
          expect(r.code).not.toBe(0);
          expect(r.stderr).toContain('Network is unreachable');
        }
        const r = await labExec(prefix, step.command);
        expect({ step: step.id, code: r.code, stderr: r.stderr }).toEqual({ step: step.id, code: 0, stderr: '' });
      }
      // Inside: the world's host forwards and masquerades; outside: nothing changed.
      expect((await labExec(prefix, ['cat', '/proc/sys/net/ipv4/ip_forward'])).stdout).toBe('1\n');
      expect((await labExec(prefix, ['iptables', '-t', 'nat', '-S', 'POSTROUTING'])).stdout).toContain('-A POSTROUTING -s 192.168.0.0/16 -j MASQUERADE');
      expect((await labExec(prefix, ['ip', 'netns', 'list'])).stdout).toMatch(/^ns0\b/);
      expect(await hostView(prefix)).toEqual(before);
      ns0Inode = await nsInodeInWorld(prefix, 'ns0');
      mntInode = Number((await labExec(prefix, ['stat', '-L', '-c', '%i', '/proc/self/ns/mnt'])).stdout.trim());
      expect(ns0Inode).toBeGreaterThan(0);
    } finally {
      downAt = uptime();
      const down = await worldDown(prefix);
      expect(down.code).toBe(0);
      expect(down.stdout).toContain(`Removed lab world "${prefix}", with 1 namespace(s) made inside it`);
    }
    expectGone(prefix);
    expect(processesInNs('net', ns0Inode, downAt)).toEqual([]);
    expect(processesInNs('mnt', mntInode, downAt)).toEqual([]);
    expect(await hostView(prefix)).toEqual(before);
  });

  it('a process still running inside the world is stopped by lab down, and its namespaces go with it', async () => {
    const prefix = uniquePrefix();
    await worldUp(null, prefix);
    let ns0 = 0;
    let downAt = Infinity;
    let sleeper: Promise<unknown> | null = null;
    try {
      expect((await labExec(prefix, ['ip', 'netns', 'add', 'ns0'])).code).toBe(0);
      ns0 = await nsInodeInWorld(prefix, 'ns0');
      sleeper = labExec(prefix, ['ip', 'netns', 'exec', 'ns0', 'sleep', '120'], { timeoutMs: 60_000 });
      const deadline = Date.now() + 10_000;
      while (processesInNs('net', ns0).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(processesInNs('net', ns0).length).toBeGreaterThan(0);
    } finally {
      downAt = uptime();
      const down = await worldDown(prefix);
      expect(down.code).toBe(0);
      expect(down.stdout).toMatch(/stopped \d+ process/);
    }
    const done = (await sleeper) as { code: number | null };
    expect(done.code).not.toBe(0);
    expect(processesInNs('net', ns0, downAt)).toEqual([]);
    expectGone(prefix);
  });

  it('a namespace named like the learner\'s on the real host is neither seen nor touched', async () => {
    const prefix = uniquePrefix();
    // A uniquely named stand-in for the user's own "ns0" (never a real ns0 on this machine).
    const real = `${prefix}-real`;
    expect((await run(['ip', 'netns', 'add', real])).exitCode).toBe(0);
    try {
      await withWorld(null, async () => {
        expect((await labExec(prefix, ['ip', 'netns', 'list'])).stdout).not.toContain(real);
        expect((await labExec(prefix, ['ip', 'netns', 'add', real])).code).toBe(0);
        expect((await labExec(prefix, ['ip', '-n', real, 'link', 'add', 'br0', 'type', 'bridge'])).code).toBe(0);
        // The host's namespace of that name is untouched: still only loopback.
        const hostSide = await run(['ip', '-n', real, '-o', 'link']);
        expect(hostSide.stdout.trim().split('\n')).toHaveLength(1);
        expect(hostSide.stdout).toContain('lo:');
      }, prefix);
      // lab down removed the world's namespace of that name, not the host's.
      expect((await run(['ip', '-n', real, '-o', 'link'])).exitCode).toBe(0);
    } finally {
      await run(['ip', 'netns', 'del', real]);
    }
    expectGone(prefix);
  });

  it('lab exec passes the exit code through; lab shell runs a shell inside with a prompt that says so', async () => {
    await withWorld(null, async (w) => {
      expect((await labExec(w.prefix, ['sh', '-c', 'exit 7'])).code).toBe(7);
      expect((await labExec(w.prefix, ['no-such-command-xyz'])).code).toBe(127);
      const shell = await run(['node', CLI, 'lab', 'shell', '--prefix', w.prefix], {
        input: 'ip netns add ns0\nip netns list\nexit 3\n',
        timeoutMs: 30_000,
        env: { SHELL: '/bin/bash' },
      });
      expect(shell.exitCode).toBe(3);
      expect(shell.stdout).toMatch(/^ns0\b/m);
      expect(shell.stderr).toContain(`(netdoctor lab ${w.prefix})`);
    });
  });

  it('a scenario built inside a world: netdoctor check from inside names its broken step', async () => {
    await withWorld('no-masquerade', async (w) => {
      expect(w.scenario).toBe('no-masquerade');
      const r = await labExec(w.prefix, ['node', CLI, 'check', '--ns', 'ns0', '--target', '198.51.100.8', '--json']);
      expect(r.code).toBe(1);
      expect((JSON.parse(r.stdout) as { diagnosis: { step: string } }).diagnosis.step).toBe('host.masquerade');
    });
  });

  it('without a world: lab exec and lab shell say how to start one (exit 2)', async () => {
    const prefix = uniquePrefix();
    const r = await runCli(['lab', 'exec', '--prefix', prefix, '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('lab up --world');
    const s = await runCli(['lab', 'shell', '--prefix', prefix]);
    expect(s.code).toBe(2);
  });
});
