// `netdoctor learn` for real: a scripted learner types the tutorial through `lab exec` while the
// built CLI watches (plain-text mode) and ticks every step, in order; the real host notices
// nothing; challenges are graded right and wrong; progress is saved, resumed and reset.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LESSON } from '../../src/learn/lesson.js';
import { nsInode, processesIn } from '../../src/system/ns-procs.js';
import { run } from '../../src/system/run.js';
import { spawnLines } from '../../src/system/run.js';
import { CLI, integrationSkipReason, uniquePrefix, type CliResult } from './helpers.js';
import { hostView, labExec, worldDirExists, worldDown, worldMounts } from './world-helpers.js';

const skip = integrationSkipReason();
const learnDir = mkdtempSync(join(tmpdir(), 'ndt-learn-'));
afterAll(() => rmSync(learnDir, { recursive: true, force: true }));

async function learn(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  const r = await run(['node', CLI, 'learn', ...args], { timeoutMs, env: { NETDOCTOR_LEARN_DIR: learnDir } });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** Collects a running `learn`'s stdout and waits for lines. */
function watchLearn(prefix: string) {
  const proc = spawnLines(['node', CLI, 'learn', '--up', '--prefix', prefix], { env: { NETDOCTOR_LEARN_DIR: learnDir } });
  const lines: string[] = [];
  const waiters: { re: RegExp; from: number; resolve: (i: number) => void }[] = [];
  proc.onLine((line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      const i = lines.findIndex((l, k) => k >= w.from && w.re.test(l));
      if (i >= 0) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(i);
      }
    }
  });
  return {
    proc,
    lines,
    /** The index of the first line at or after `from` matching `re`. */
    waitFor(re: RegExp, from = 0, timeoutMs = 20_000): Promise<number> {
      const i = lines.findIndex((l, k) => k >= from && re.test(l));
      if (i >= 0) return Promise.resolve(i);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no line matching ${re} after line ${from} in ${timeoutMs} ms; got:\n${lines.join('\n')}\nstderr: ${proc.stderr()}`)), timeoutMs);
        waiters.push({ re, from, resolve: (n) => (clearTimeout(t), resolve(n)) });
      });
    },
  };
}

describe.skipIf(skip !== null)('netdoctor learn (real lab world)', () => {
  it('a scripted learner types the tutorial verbatim; every step ticks, in order; the host notices nothing; nothing remains', async () => {
    const prefix = uniquePrefix();
    const before = await hostView(prefix);
    const l = watchLearn(prefix);
    try {
      let at = await l.waitFor(/^STEP 1\/15 netns:/, 0, 30_000);
      for (const [i, step] of LESSON.entries()) {
        const n = `${i + 1}/15`;
        if (step.id === 'default-route') {
          at = await l.waitFor(/^TRY .* -> {2}connect: Network is unreachable/, at);
          // The live capture of that ping: nothing reached the bridge.
          await l.waitFor(/^ {4}br0 \(bridge\): 0 echo requests from ns0$/, at);
        }
        if (step.id === 'ip-forward') {
          at = await l.waitFor(/^TRY .* -> {2}.*100% packet loss/, at);
          // It reaches br0; the host does not forward it, so nothing leaves eth0.
          await l.waitFor(/^ {4}br0 \(bridge\): 1 echo request from 192\.168\.0\.2$/, at);
          await l.waitFor(/^ {4}eth0 \(uplink\): 0 echo requests left$/, at);
        }
        if (step.id === 'masquerade') {
          at = await l.waitFor(/^TRY .* -> {2}.*100% packet loss/, at);
          // The private source leaves the uplink untranslated, and nothing comes back.
          await l.waitFor(/^ {4}br0 \(bridge\): 1 echo request from 192\.168\.0\.2$/, at);
          await l.waitFor(/^ {4}eth0 \(uplink\): 1 echo request leaves from 192\.168\.0\.2 \(private, untranslated\), 0 replies$/, at);
        }
        const r = await labExec(prefix, step.command);
        expect({ step: step.id, code: r.code }).toEqual({ step: step.id, code: 0 });
        at = await l.waitFor(new RegExp(`^TICK ${n} ${step.id}: `), at);
      }
      // The last ping got through: the capture shows it leaving translated, the reply back.
      await l.waitFor(/^ {4}eth0 \(uplink\): 1 echo request leaves as 203\.0\.113\.2 \(eth0's own address\), 1 reply$/, at);
      await l.waitFor(/^DONE 15\/15/, at);
      expect(await l.proc.exited).toEqual({ exitCode: 0, signal: null });
      const ticks = l.lines.filter((x) => x.startsWith('TICK '));
      expect(ticks.map((x) => x.split(' ')[2]?.replace(/:$/, ''))).toEqual(LESSON.map((s) => s.id));
      expect(ticks.join('\n')).not.toContain('out of order');
      expect(l.lines.some((x) => x.startsWith('UNDONE'))).toBe(false);
      // What changed is shown with the tick.
      expect(l.lines).toContain('  + rule iptables-nft ip nat POSTROUTING: -A POSTROUTING -s 192.168.0.0/16 -j MASQUERADE');
      expect(await hostView(prefix)).toEqual(before);
      const saved = JSON.parse(readFileSync(join(learnDir, `${prefix}.json`), 'utf8')) as { ticks: Record<string, { order: number }>; completedAt: string | null };
      expect(Object.entries(saved.ticks).sort((a, b) => a[1].order - b[1].order).map(([id]) => id)).toEqual(LESSON.map((s) => s.id));
      expect(saved.completedAt).not.toBeNull();
      const json = await learn(['--prefix', prefix, '--json']);
      expect(json.code).toBe(0);
      expect((JSON.parse(json.stdout) as { complete: boolean; done: number }).done).toBe(15);
      // Resumed on the finished world, plain mode says so and exits instead of waiting forever.
      const again = await learn(['--prefix', prefix, '--plain'], 30_000);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/^DONE 15\/15/m);
      // The watcher settles on a healthy world: a ping's own conntrack entry and rule counters are
      // not a change that calls for another ping (it used to ping, with a capture, ~5 times a second).
      const watcher = spawnLines(['node', CLI, 'lab', 'exec', '--prefix', prefix, '--', process.execPath, join(dirname(CLI), 'learn', 'worker.js')]);
      const pings: string[] = [];
      watcher.onLine((line) => {
        if (line.startsWith('{"type":"ping"')) pings.push(line);
      });
      await new Promise((r) => setTimeout(r, 4000));
      await watcher.stop();
      expect(pings.length, 'pings in 4 s on a world that does not change').toBeGreaterThanOrEqual(1);
      expect(pings.length, 'pings in 4 s on a world that does not change').toBeLessThanOrEqual(2);
    } finally {
      await l.proc.stop();
      const down = await worldDown(prefix);
      expect(down.code).toBe(0);
      // learn exited on its own: its watcher (inside the world) went with it.
      expect(down.stdout).not.toMatch(/stopped/);
    }
    expect(worldMounts(prefix)).toEqual([]);
    expect(worldDirExists(prefix)).toBe(false);
    expect(await hostView(prefix)).toEqual(before);
    // No watcher left behind.
    const ps = await run(['ps', '-eo', 'args']);
    expect(ps.stdout).not.toContain(`learn --up --prefix ${prefix}`);
  });

  it('the failure moments, captured live on br0 and eth0 (learn --json): unreachable, untranslated, translated; without pcap, counters and why; no worker left', async () => {
    const prefix = uniquePrefix();
    type Hop = { interface: string; requests: number; replies: number; sources: string[] };
    type Doc = { current: string; ping: { error: string | null; received: number; path: { source: string; bridge: Hop; uplink: Hop; verdict: string | null; captureUnavailable: { reason: string } | null } } };
    const observe = async (env: Record<string, string> = {}): Promise<Doc> => {
      const r = await run(['node', CLI, 'learn', '--prefix', prefix, '--json'], { timeoutMs: 60_000, env: { NETDOCTOR_LEARN_DIR: learnDir, ...env } });
      expect(r.exitCode, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Doc;
    };
    /** Processes left in the world (its host network or mount namespace): a capture worker would be one. */
    const leftInWorld = () => {
      const dir = `/run/netdoctor/worlds/${prefix}`;
      const mnt = nsInode(`${dir}/mnt`);
      const net = nsInode(`${dir}/host`);
      expect(mnt !== null && net !== null, 'the world is pinned').toBe(true);
      return processesIn({ mnt: [mnt!], net: [net!] }).map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        } catch {
          return String(pid);
        }
      });
    };
    try {
      expect((await learn(['--up', '--prefix', prefix, '--json'])).code).toBe(0);
      const upTo = (id: string) => LESSON.slice(0, LESSON.findIndex((s) => s.id === id));
      for (const step of upTo('default-route')) expect((await labExec(prefix, step.command)).code).toBe(0);

      // "Network is unreachable": the kernel refused to send it; nothing on br0 or eth0.
      const unreachable = await observe();
      expect(unreachable.current).toBe('default-route');
      expect(unreachable.ping.error).toBe('connect: Network is unreachable');
      expect(unreachable.ping.path).toMatchObject({ source: 'capture', verdict: 'never-reaches-bridge', bridge: { interface: 'br0', requests: 0 }, uplink: { interface: 'eth0', requests: 0 } });
      expect(leftInWorld()).toEqual([]);

      for (const step of LESSON.filter((s) => s.id === 'default-route' || s.id === 'ip-forward')) expect((await labExec(prefix, step.command)).code).toBe(0);
      // Forwarded, but untranslated: the private source on the uplink, no reply.
      const before = await observe();
      expect(before.current).toBe('masquerade');
      expect(before.ping.received).toBe(0);
      expect(before.ping.path).toMatchObject({ source: 'capture', verdict: 'leaves-untranslated', captureUnavailable: null });
      expect(before.ping.path.bridge).toMatchObject({ requests: 1, sources: ['192.168.0.2'] });
      expect(before.ping.path.uplink).toMatchObject({ interface: 'eth0', requests: 1, replies: 0, sources: ['192.168.0.2'] });
      expect(leftInWorld()).toEqual([]);

      // Without the pcap addon: counters, with the reason; still no process left.
      const counters = await observe({ NETDOCTOR_PCAP_MODULE: '/nonexistent/pcap-addon' });
      expect(counters.ping.path).toMatchObject({ source: 'counters', verdict: null, uplink: { sources: [] } });
      expect(counters.ping.path.captureUnavailable?.reason).toMatch(/pcap addon cannot be loaded/);
      expect(leftInWorld()).toEqual([]);

      // MASQUERADE: the source leaves as the uplink's own address, and the reply comes back.
      expect((await labExec(prefix, LESSON.find((s) => s.id === 'masquerade')!.command)).code).toBe(0);
      const after = await observe();
      expect(after.ping.received).toBe(1);
      expect(after.ping.path).toMatchObject({ source: 'capture', verdict: 'ok' });
      expect(after.ping.path.uplink).toMatchObject({ requests: 1, replies: 1, sources: ['203.0.113.2'] });
      expect(after.ping.path.bridge).toMatchObject({ replies: 1, sources: ['192.168.0.2'] });
      expect(leftInWorld()).toEqual([]);
    } finally {
      await worldDown(prefix);
    }
    expect(worldMounts(prefix)).toEqual([]);
  });

  it('progress is saved and resumed in a fresh world; --reset starts over', async () => {
    const prefix = uniquePrefix();
    try {
      expect((await learn(['--up', '--prefix', prefix, '--json'])).code).toBe(0);
      for (const step of LESSON.slice(0, 4)) expect((await labExec(prefix, step.command)).code).toBe(0);
      const first = JSON.parse((await learn(['--prefix', prefix, '--json'])).stdout) as { done: number; current: string };
      expect(first).toMatchObject({ done: 4, current: 'veth' });
      expect((await worldDown(prefix)).code).toBe(0);
      // A fresh world: the 4 finished steps are rebuilt, the learner goes on from step 5.
      const resumed = await learn(['--up', '--prefix', prefix, '--json']);
      expect(resumed.stderr).toContain('rebuilt your 4 finished step(s)');
      expect(JSON.parse(resumed.stdout)).toMatchObject({ done: 4, current: 'veth' });
      expect((await labExec(prefix, ['ip', '-br', 'addr', 'show', 'br0'])).stdout).toContain('192.168.0.1/16');
      const reset = await learn(['--reset', '--prefix', prefix, '--json']);
      expect(reset.code).toBe(0);
      expect(JSON.parse(reset.stdout)).toMatchObject({ done: 0, current: 'netns' });
      expect((await labExec(prefix, ['ip', 'link', 'show', 'br0'])).code).not.toBe(0);
    } finally {
      await worldDown(prefix);
    }
    expect(worldMounts(prefix)).toEqual([]);
  });

  it('a challenge: built without saying what is broken, graded wrong and right, then fixed', async () => {
    const prefix = uniquePrefix();
    try {
      const up = await learn(['--challenge', 'no-masquerade', '--prefix', prefix]);
      expect(up.code).toBe(0);
      expect(up.stdout).toContain('Challenge ready');
      // Nothing says which: not the scenario, not its title or story.
      expect(up.stdout).not.toContain('no-masquerade');
      expect(up.stdout).not.toContain('No MASQUERADE rule');
      expect(up.stdout).not.toContain('skipped');
      expect(readFileSync(`/run/netdoctor/worlds/${prefix}/world.json`, 'utf8')).toContain('"scenario": null');
      // The learner investigates inside: the world really is broken.
      expect((await labExec(prefix, ['ip', 'netns', 'exec', 'ns0', 'ping', '-c', '1', '-W', '1', '198.51.100.8'])).code).not.toBe(0);

      const wrong = await learn(['--answer', 'ns.default-route', '--prefix', prefix]);
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toContain('Not quite: you named ns.default-route; the broken step is host.masquerade.');
      expect(wrong.stdout).toContain("netdoctor's own diagnosis");
      expect(wrong.stdout).toMatch(/Diagnosis host\.masquerade/);

      const right = await learn(['--answer', 'host.masquerade', '--prefix', prefix, '--json']);
      expect(right.code).toBe(0);
      const doc = JSON.parse(right.stdout) as { right: boolean; truth: string; diagnosis: { diagnosis: { step: string } } };
      expect(doc).toMatchObject({ right: true, truth: 'host.masquerade' });
      expect(doc.diagnosis.diagnosis.step).toBe('host.masquerade');

      expect((await learn(['--check', '--prefix', prefix])).code).toBe(1);
      expect((await labExec(prefix, ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '192.168.0.0/16', '-j', 'MASQUERADE'])).code).toBe(0);
      const fixed = await learn(['--check', '--prefix', prefix]);
      expect(fixed.code).toBe(0);
      expect(fixed.stdout).toContain('Fixed: ns0 reaches 198.51.100.8. The broken step was host.masquerade');
    } finally {
      await worldDown(prefix);
    }
    expect(worldMounts(prefix)).toEqual([]);
  });

  it('without a world: learn says how to start one (exit 2); bad flags exit 2', async () => {
    const prefix = uniquePrefix();
    const r = await learn(['--prefix', prefix]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`netdoctor learn --up --prefix ${prefix}`);
    expect((await learn(['--answer', 'host.masquerade', '--prefix', prefix])).code).toBe(2);
    expect((await learn(['--challenge', 'healthy', '--prefix', prefix])).code).toBe(2);
    expect((await learn(['--bogus'])).code).toBe(2);
    expect(worldDirExists(prefix)).toBe(false);
  });
});
