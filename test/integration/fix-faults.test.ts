// Faults around a fix: the namespace replaced between diagnosis and fix (the guard refuses),
// and netdoctor killed (SIGTERM, SIGINT, SIGKILL) midway through a fix (the journal stays
// readable and `undo` restores the lab exactly; no command keeps running behind its back).
// Slow tools come from NETDOCTOR_PATH: a directory of symlinks where one tool first sleeps.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { run } from '../../src/system/run.js';
import { CLI, TARGET, integrationSkipReason, labDown, labUp, randomLabOptions } from './helpers.js';
import { cli, labState, tempStateDir, writeTwoFaultsScenario } from './fix-helpers.js';

const TOOLS = ['ip', 'nft', 'iptables-nft', 'iptables-nft-save', 'iptables-legacy', 'iptables-legacy-save', 'ping', 'sysctl', 'cat'];
const skip = integrationSkipReason();

async function whereIs(tool: string): Promise<string> {
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if ((await run(['test', '-x', join(dir, tool)])).exitCode === 0) return join(dir, tool);
  }
  throw new Error(`${tool} is not installed`);
}

/** Every tool but `without`, with `slow` first sleeping `seconds` (a unique marker, to find it with pgrep). */
async function slowTools(slow: string, seconds: string, without: string[] = []): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'nd-slow-'));
  for (const t of TOOLS.filter((x) => !without.includes(x))) {
    if (t === slow) {
      // The sleep dies with the script, as one slow program would (not a grandchild left behind).
      writeFileSync(join(dir, t), `#!/bin/sh\n/usr/bin/setpriv --pdeathsig KILL -- /bin/sleep ${seconds}\nexec ${await whereIs(t)} "$@"\n`);
      chmodSync(join(dir, t), 0o755);
    } else symlinkSync(await whereIs(t), join(dir, t));
  }
  return dir;
}

const marker = () => `${Math.floor(1 + Math.random() * 8)}.${Math.floor(100000 + Math.random() * 800000)}`;

async function waitFor(what: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await what()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const running = async (m: string) => (await run(['pgrep', '-f', `sleep ${m}`])).stdout.trim() !== '';

function startCli(args: string[], env: Record<string, string>) {
  const child = spawn('node', [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => (stderr += b));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

describe.skipIf(skip !== null).concurrent('faults around a fix', () => {
  for (const recreated of [true, false]) {
    const what = recreated ? 'deleted and recreated' : 'deleted';
    it(`the namespace is ${what} between diagnosis and fix: refused (exit 2), nothing applied`, { timeout: 120_000 }, async ({ expect }) => {
      const opts = randomLabOptions();
      const stateDir = tempStateDir();
      // The run holds after its diagnosis, just before the identity guard, until the test says go.
      const pause = join(stateDir, 'pause');
      try {
        const lab = await labUp('ns-link-down', opts);
        const ns = lab.names.containerNs;
        const { done } = startCli(['check', '--ns', ns, '--host-ns', lab.names.hostNs, '--target', TARGET, '--fix', '--yes'], {
          NETDOCTOR_STATE_DIR: stateDir,
          NETDOCTOR_TEST_PAUSE_BEFORE_GUARD: pause,
        });
        expect(await waitFor(async () => existsSync(`${pause}.paused`), 60_000), 'the run reached its first fix').toBe(true);
        expect((await run(['ip', 'netns', 'del', ns])).exitCode).toBe(0);
        if (recreated) expect((await run(['ip', 'netns', 'add', ns])).exitCode).toBe(0);
        writeFileSync(`${pause}.go`, '');
        const r = await done;
        expect(r.code, `exit ${r.code} (${r.signal}): ${(r.stdout + r.stderr).trim()}`).toBe(2);
        expect(r.stdout + r.stderr).toMatch(recreated ? /not the one diagnosed/ : /not the one diagnosed \(gone/);
        if (recreated) {
          // The new namespace is untouched: loopback only, still down.
          const links = JSON.parse((await run(['ip', '-n', ns, '-j', 'link', 'show'])).stdout) as { ifname: string; flags: string[] }[];
          expect(links.map((l) => l.ifname)).toEqual(['lo']);
          expect(links[0]!.flags).not.toContain('UP');
        } else expect(existsSync(`/run/netns/${ns}`), 'nothing recreated it').toBe(false);
        // Nothing was applied, so there is nothing to undo.
        const undo = await cli(['undo', '--yes'], { NETDOCTOR_STATE_DIR: stateDir });
        expect(undo.code, undo.stdout + undo.stderr).toBe(0);
        expect(undo.stdout + undo.stderr).toMatch(/nothing to undo/i);
      } finally {
        await labDown(opts.prefix, ['--ns', opts.ns]);
        rmSync(stateDir, { recursive: true, force: true });
      }
    });
  }

  it('a tool the fix needs is not installed (iptables-nft): says so, nothing stays applied, exit 1; undo has nothing left', { timeout: 120_000 }, async ({ expect }) => {
    const opts = randomLabOptions();
    const stateDir = tempStateDir();
    const tools = await slowTools('none', '0', ['iptables-nft', 'iptables-legacy']);
    try {
      const lab = await labUp('no-masquerade', opts);
      const spaces = [lab.names.hostNs, lab.names.containerNs];
      const before = await labState(spaces);
      const target = ['--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET];
      const r = await cli(['check', ...target, '--fix', '--yes', '--no-probe'], { NETDOCTOR_STATE_DIR: stateDir, NETDOCTOR_PATH: tools });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/iptables-nft: not installed/);
      expect(r.stdout + r.stderr).toMatch(/rolled back/);
      expect(await labState(spaces)).toEqual(before);
      const undo = await cli(['undo', '--yes'], { NETDOCTOR_STATE_DIR: stateDir });
      expect(undo.code, undo.stdout + undo.stderr).toBe(0);
      expect(await labState(spaces)).toEqual(before);
    } finally {
      await labDown(opts.prefix, ['--ns', opts.ns]);
      for (const d of [stateDir, tools]) rmSync(d, { recursive: true, force: true });
    }
  });

  // Both the lookup (iptables -C) and the add hang: each is killed at its 20 s.
  it('a fix command that hangs: killed at its timeout (20 s), rolled back, exit 1, nothing left running', { timeout: 120_000 }, async ({ expect }) => {
    const opts = randomLabOptions();
    const stateDir = tempStateDir();
    const m = `${Math.floor(100 + Math.random() * 800)}.${Math.floor(100000 + Math.random() * 800000)}`;
    // iptables-nft hangs: the masquerade rule never comes (forwarding, the first fix, does).
    const tools = await slowTools('iptables-nft', m);
    try {
      const lab = await labUp('ns-link-down', opts);
      const spaces = [lab.names.hostNs, lab.names.containerNs];
      await run(['ip', 'netns', 'exec', lab.names.hostNs, 'iptables-nft', '-t', 'nat', '-F', 'POSTROUTING']);
      const before = await labState(spaces);
      const target = ['--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET];
      const t0 = performance.now();
      const r = await cli(['check', ...target, '--fix', '--yes', '--no-probe'], { NETDOCTOR_STATE_DIR: stateDir, NETDOCTOR_PATH: tools });
      const seconds = (performance.now() - t0) / 1000;
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/iptables-nft .*timed out/);
      expect(r.stdout + r.stderr).toMatch(/rolled back/);
      expect(seconds, 'the hung commands were killed at their timeouts').toBeLessThan(80);
      expect(await running(m), 'the hung command is gone').toBe(false);
      // Everything the run applied before the hang (the container's link) was rolled back.
      expect(await labState(spaces)).toEqual(before);
    } finally {
      await run(['pkill', '-KILL', '-f', `sleep ${m}`]);
      await labDown(opts.prefix, ['--ns', opts.ns]);
      for (const d of [stateDir, tools]) rmSync(d, { recursive: true, force: true });
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
    it(`${signal} midway through a fix: the journal is readable, undo restores the lab exactly, nothing keeps running`, { timeout: 120_000 }, async ({ expect }) => {
      const opts = randomLabOptions();
      const stateDir = tempStateDir();
      const m = marker();
      // Two fixes: forwarding (sysctl) first, then the masquerade rule through a slow iptables-nft.
      const tools = await slowTools('iptables-nft', m);
      const dir = mkdtempSync(join(tmpdir(), 'nd-scen-'));
      const file = writeTwoFaultsScenario(dir);
      try {
        const lab = await labUp(file, opts);
        const spaces = [lab.names.hostNs, lab.names.containerNs];
        const before = await labState(spaces);
        const target = ['--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET];
        const { child, done } = startCli(['check', ...target, '--fix', '--yes', '--no-probe'], { NETDOCTOR_STATE_DIR: stateDir, NETDOCTOR_PATH: tools });
        expect(await waitFor(() => running(m), 30_000), 'the iptables-nft step started').toBe(true);
        child.kill(signal);
        const r = await done;
        expect(r.code === 0, `netdoctor finished instead of being interrupted: ${r.stdout}`).toBe(false);
        // Whatever was running dies with netdoctor: nothing changes the lab behind undo's back.
        await new Promise((res) => setTimeout(res, 300));
        expect(await running(m), 'the slow iptables-nft still running').toBe(false);

        // The journal: every run file is complete JSON.
        const runsDir = join(stateDir, 'runs');
        const files = readdirSync(runsDir);
        expect(files.length).toBeGreaterThan(0);
        for (const f of files.filter((x) => x.endsWith('.json'))) expect(() => JSON.parse(readFileSync(join(runsDir, f), 'utf8'))).not.toThrow();

        const undo = await cli(['undo', '--yes'], { NETDOCTOR_STATE_DIR: stateDir });
        expect(undo.code, undo.stdout + undo.stderr).toBe(0);
        expect(await labState(spaces), 'the lab after undo').toEqual(before);
        // And the fix can be run again from there, to the end.
        const again = await cli(['check', ...target, '--fix', '--yes', '--no-probe'], { NETDOCTOR_STATE_DIR: stateDir });
        expect(again.code, again.stdout + again.stderr).toBe(0);
      } finally {
        await run(['pkill', '-KILL', '-f', `sleep ${m}`]);
        await labDown(opts.prefix, ['--ns', opts.ns]);
        for (const d of [stateDir, tools, dir]) rmSync(d, { recursive: true, force: true });
      }
    });
  }

  it('kill -9 at any point of a fix, then undo: the lab is exactly as before, every time', { timeout: 300_000 }, async ({ expect }) => {
    const opts = randomLabOptions();
    const stateDir = tempStateDir();
    const rounds = Number(process.env.NETDOCTOR_CRASH_ROUNDS ?? 8);
    try {
      // Three fixes in a row: the container's link, forwarding, the masquerade rule.
      const lab = await labUp('ns-link-down', opts);
      const spaces = [lab.names.hostNs, lab.names.containerNs];
      await run(['ip', 'netns', 'exec', lab.names.hostNs, 'sysctl', '-w', 'net.ipv4.ip_forward=0']);
      await run(['ip', 'netns', 'exec', lab.names.hostNs, 'iptables-nft', '-t', 'nat', '-F', 'POSTROUTING']);
      const before = await labState(spaces);
      const args = ['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--fix', '--yes', '--no-probe'];
      const env = { NETDOCTOR_STATE_DIR: stateDir };
      const t0 = performance.now();
      const whole = await cli(args, env);
      const full = performance.now() - t0;
      expect(whole.code, whole.stdout + whole.stderr).toBe(0);
      expect((await cli(['undo', '--yes'], env)).code).toBe(0);
      expect(await labState(spaces)).toEqual(before);
      for (let i = 0; i < rounds; i++) {
        const delay = Math.round((full * (i + Math.random())) / rounds);
        const { child, done } = startCli(args, env);
        setTimeout(() => child.kill('SIGKILL'), delay);
        const r = await done;
        const where = `round ${i}: killed after ${delay} of ${Math.round(full)} ms (${r.signal ?? `exit ${r.code}`})`;
        const undo = await cli(['undo', '--yes'], env);
        // "Nothing to undo" (killed before the first change) is exit 0 too. The undo of a change
        // that was recorded but killed before it ran may fail harmlessly; the lab decides.
        expect(undo.code, `${where}: ${undo.stdout}${undo.stderr}`).toBe(0);
        expect(await labState(spaces), where).toEqual(before);
      }
    } finally {
      await labDown(opts.prefix, ['--ns', opts.ns]);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
