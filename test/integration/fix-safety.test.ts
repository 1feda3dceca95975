// The safety nets of `check --fix`, for real: --trial reverts unless confirmed (even when
// netdoctor is killed, before or after the run is over), SIGHUP midway rolls back, --persist writes and undoes its sysctl.d drop-in, the identity guards
// refuse a namespace that is not the one diagnosed, a declined fix changes nothing, and bad
// combinations of flags are refused before anything runs.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, vi } from 'vitest';
import { runDiagnosis } from '../../src/diagnosis/run-diagnosis.js';
import { applyFixes } from '../../src/fixes/apply.js';
import { listRuns } from '../../src/fixes/journal.js';
import { run } from '../../src/system/run.js';
import { CLI, TARGET, integrationSkipReason, labDown, labUp, pingFromNs, randomLabOptions, type TestLabOptions } from './helpers.js';
import { cli, labState, tempStateDir } from './fix-helpers.js';
import type { LabInfo } from '../../src/lab/lab.js';

vi.setConfig({ maxConcurrency: 16 });

const skip = integrationSkipReason();

async function withFixLab(scenario: string, fn: (lab: LabInfo, ctx: { env: Record<string, string>; stateDir: string; target: string[]; spaces: string[]; opts: TestLabOptions }) => Promise<void>): Promise<void> {
  const opts = randomLabOptions();
  const stateDir = tempStateDir();
  try {
    const lab = await labUp(scenario, opts);
    const target = ['--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--bridge', opts.bridge, '--target', TARGET];
    await fn(lab, { env: { NETDOCTOR_STATE_DIR: stateDir }, stateDir, target, spaces: [lab.names.hostNs, lab.names.containerNs], opts });
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
    await labDown(opts.prefix, ['--ns', opts.ns]);
  }
}

async function waitForFile(path: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  return existsSync(path);
}

/** Poll until the newest run reaches `status` (the watchdog works in the background). */
async function waitForRunStatus(stateDir: string, status: string, timeoutMs: number): Promise<string | undefined> {
  const until = Date.now() + timeoutMs;
  let last: string | undefined;
  while (Date.now() < until) {
    last = listRuns(stateDir).at(-1)?.status;
    if (last === status) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

describe.skipIf(skip !== null).concurrent('check --fix safety nets, for real', () => {
  it.concurrent('--trial: applied, then reverted by the watchdog at the deadline; the lab is broken again, exactly', async ({ expect }) => {
    await withFixLab('no-masquerade', async (lab, { env, stateDir, target, spaces }) => {
      const broken = await labState(spaces);
      const r = await cli(['check', ...target, '--fix', '--yes', '--trial', '2', '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { outcome: string; trial: { deadline: string; confirmed: boolean } };
      expect(doc.outcome).toBe('healthy');
      expect(doc.trial.confirmed).toBe(false);
      expect(await pingFromNs(lab.names.containerNs)).toBe(true);
      expect(await waitForRunStatus(stateDir, 'undone', 30_000)).toBe('undone');
      expect(await labState(spaces)).toEqual(broken);
      expect(await pingFromNs(lab.names.containerNs)).toBe(false);
    });
  }, 120_000);

  it.concurrent('--trial then `netdoctor confirm`: the changes stay after the deadline; undo still works', async ({ expect }) => {
    await withFixLab('ip-forward-off', async (lab, { env, stateDir, target, spaces }) => {
      const broken = await labState(spaces);
      const r = await cli(['check', ...target, '--fix', '--yes', '--trial', '3', '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      const c = await cli(['confirm'], env);
      expect(c.code, c.stderr).toBe(0);
      expect(c.stdout).toMatch(/kept the changes/);
      await new Promise((res) => setTimeout(res, 5000));
      expect(listRuns(stateDir).at(-1)?.status).toBe('applied');
      expect(await pingFromNs(lab.names.containerNs)).toBe(true);
      expect((await cli(['confirm'], env)).code).toBe(1); // nothing waiting any more
      expect((await cli(['undo', '--yes'], env)).code).toBe(0);
      expect(await labState(spaces)).toEqual(broken);
    });
  }, 120_000);

  it.concurrent('--trial survives kill -9 of netdoctor once its clock runs: the detached watchdog still reverts at the deadline', async ({ expect }) => {
    await withFixLab('no-default-route', async (lab, { env, stateDir, target, spaces }) => {
      const broken = await labState(spaces);
      const child = run(['node', CLI, 'check', ...target, '--fix', '--yes', '--trial', '3', '--json'], { env, timeoutMs: 60_000 });
      // As soon as the trial's deadline is recorded, kill -9 netdoctor (whatever it is doing then).
      const until = Date.now() + 40_000;
      while (!listRuns(stateDir).at(-1)?.trial?.deadline && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const watchdog = listRuns(stateDir).at(-1)?.trial?.watchdogPid;
      expect(watchdog).toBeGreaterThan(0);
      const pids = await run(['pgrep', '-f', `${CLI} check --ns ${lab.names.containerNs} `]);
      for (const pid of pids.stdout.split('\n').filter(Boolean)) await run(['kill', '-9', pid]);
      await child;
      expect(await waitForRunStatus(stateDir, 'undone', 30_000)).toBe('undone');
      expect(await labState(spaces)).toEqual(broken);
    });
  }, 120_000);

  it.concurrent('--trial survives kill -9 midway through the run, before its clock started: the watchdog reverts at once, even a rule whose handle was not journaled', async ({ expect }) => {
    await withFixLab('nft-forward-drop-rule', async (lab, { env, stateDir, target, spaces, opts }) => {
      const broken = await labState(spaces);
      const pause = join(stateDir, 'pause');
      const child = run(['node', CLI, 'check', ...target, '--fix', '--yes', '--trial', '600', '--json'], { env: { ...env, NETDOCTOR_TEST_PAUSE_AFTER_COMMAND: pause }, timeoutMs: 60_000 });
      expect(await waitForFile(`${pause}.paused`, 40_000), 'the run reached its first command').toBe(true);
      // The accept is in; the journal has no handle for it yet; the trial has no deadline yet.
      expect((await run(['nft', 'list', 'ruleset'], { ns: lab.names.hostNs })).stdout).toContain(`iifname "${opts.bridge}"`);
      const pending = listRuns(stateDir).at(-1)!;
      expect(pending.trial?.deadline).toBeNull();
      expect(pending.trial?.watchdogPid).toBeGreaterThan(0);
      process.kill(Number(readFileSync(`${pause}.paused`, 'utf8')), 'SIGKILL');
      await child;
      // Not 600 s later: nobody is left to confirm the run.
      expect(await waitForRunStatus(stateDir, 'undone', 20_000)).toBe('undone');
      expect(await labState(spaces)).toEqual(broken);
      expect(await pingFromNs(lab.names.containerNs)).toBe(false);
    });
  }, 120_000);

  it.concurrent('the terminal closing (SIGHUP) midway through a fix: it says so and rolls back what the run applied', async ({ expect }) => {
    await withFixLab('no-bridge', async (_lab, { env, stateDir, target, spaces }) => {
      const broken = await labState(spaces);
      const pause = join(stateDir, 'pause');
      const child = run(['node', CLI, 'check', ...target, '--fix', '--yes', '--no-probe'], { env: { ...env, NETDOCTOR_TEST_PAUSE_AFTER_COMMAND: pause }, timeoutMs: 60_000 });
      expect(await waitForFile(`${pause}.paused`, 40_000), 'the run reached its first command').toBe(true);
      process.kill(Number(readFileSync(`${pause}.paused`, 'utf8')), 'SIGHUP');
      await new Promise((r) => setTimeout(r, 300));
      writeFileSync(`${pause}.go`, '');
      const r = await child;
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/interrupted: rolling back what this run applied/);
      expect(r.stdout).toMatch(/^interrupted; everything this run applied was rolled back/m);
      expect(listRuns(stateDir).at(-1)?.status).toBe('rolled-back');
      expect(await labState(spaces)).toEqual(broken);
    });
  }, 120_000);

  it.concurrent('--persist: a drop-in in the sysctl.d directory, a warning for a later file that turns forwarding off, undo removes it', async ({ expect }) => {
    await withFixLab('ip-forward-off', async (lab, { env, spaces }) => {
      const sysctlDir = mkdtempSync(join(tmpdir(), 'ndt-sysctl-'));
      try {
        writeFileSync(join(sysctlDir, '99-zzzz-hardening.conf'), 'net.ipv4.ip_forward = 0\n');
        const broken = await labState(spaces);
        const e = { ...env, NETDOCTOR_SYSCTL_DIR: sysctlDir };
        // --persist is for the namespace netdoctor runs in: enter the lab's host side.
        const r = await run(['ip', 'netns', 'exec', lab.names.hostNs, 'node', CLI, 'check', '--ns', lab.names.containerNs, '--target', TARGET, '--fix', '--yes', '--persist', '--json'], { env: e, timeoutMs: 60_000 });
        expect(r.exitCode, r.stderr).toBe(0);
        const doc = JSON.parse(r.stdout) as { outcome: string; warnings: string[] };
        expect(doc.outcome).toBe('healthy');
        const dropIn = join(sysctlDir, '99-zz-netdoctor-ip-forward.conf');
        expect(readFileSync(dropIn, 'utf8')).toMatch(/^net\.ipv4\.ip_forward = 1$/m);
        // Only the drop-in: no other file, no temporary file left behind.
        expect(readdirSync(sysctlDir).sort()).toEqual(['99-zz-netdoctor-ip-forward.conf', '99-zzzz-hardening.conf']);
        expect(doc.warnings.join('\n')).toContain('99-zzzz-hardening.conf sets net.ipv4.ip_forward = 0');
        expect(existsSync('/etc/sysctl.d/99-zz-netdoctor-ip-forward.conf'), 'the real /etc/sysctl.d is never written by a test').toBe(false);
        const undo = await run(['ip', 'netns', 'exec', lab.names.hostNs, 'node', CLI, 'undo', '--yes'], { env: e, timeoutMs: 60_000 });
        expect(undo.exitCode, undo.stdout + undo.stderr).toBe(0);
        expect(existsSync(dropIn)).toBe(false);
        expect(readdirSync(sysctlDir), 'undo removes the drop-in and nothing else').toEqual(['99-zzzz-hardening.conf']);
        expect(readFileSync(join(sysctlDir, '99-zzzz-hardening.conf'), 'utf8')).toBe('net.ipv4.ip_forward = 0\n');
        expect(await labState(spaces)).toEqual(broken);
      } finally {
        rmSync(sysctlDir, { recursive: true, force: true });
      }
    });
  }, 120_000);

  it.concurrent('guard: a namespace that is not the one diagnosed is refused, and nothing changes', async ({ expect }) => {
    await withFixLab('ns-link-down', async (lab, { stateDir, spaces, opts }) => {
      const broken = await labState(spaces);
      const diagnosed = await runDiagnosis({ ns: lab.names.containerNs, hostNs: lab.names.hostNs, bridge: opts.bridge, target: TARGET }, { probe: false });
      // The same name, another namespace: what a delete-and-recreate between diagnosis and fix looks like.
      const impostor = { ...diagnosed, snapshot: { ...diagnosed.snapshot, nsIdentity: { dev: diagnosed.snapshot.nsIdentity!.dev, ino: diagnosed.snapshot.nsIdentity!.ino + 1 } } };
      const result = await applyFixes(impostor, { confirm: async () => true, probe: false, stateDir });
      expect(result.outcome).toBe('refused');
      expect(result.message).toMatch(/not the one diagnosed/);
      expect(result.runId).toBeNull();
      expect(await labState(spaces)).toEqual(broken);
    });
  }, 120_000);

  it.concurrent('undo refuses when the namespace it changed was deleted and made again under the same name', async ({ expect }) => {
    await withFixLab('ns-link-down', async (lab, { env, target, stateDir }) => {
      const r = await cli(['check', ...target, '--fix', '--yes', '--no-probe'], env);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      await run(['ip', 'netns', 'del', lab.names.containerNs]);
      await run(['ip', 'netns', 'add', lab.names.containerNs]);
      const undo = await cli(['undo', '--yes'], env);
      expect(undo.code).toBe(2);
      expect(undo.stderr).toMatch(/refusing to undo .*deleted and made again/);
      expect(undo.stderr).toContain(`its record is ${stateDir}/runs/`);
    });
  }, 120_000);

  it.concurrent('interrupted midway (the abort signal Ctrl-C and SIGTERM raise): stops and rolls back everything this run applied', async ({ expect }) => {
    await withFixLab('no-bridge', async (lab, { stateDir, spaces, opts }) => {
      const broken = await labState(spaces);
      const diagnosed = await runDiagnosis({ ns: lab.names.containerNs, hostNs: lab.names.hostNs, bridge: opts.bridge, target: TARGET }, { probe: false });
      const abort = new AbortController();
      let done = 0;
      const result = await applyFixes(diagnosed, {
        confirm: async () => true,
        probe: false,
        stateDir,
        signal: abort.signal,
        // Interrupt once two fixes (bridge created, bridge up) are in place.
        onEvent: (e) => {
          if (e.type === 'command-done' && ++done === 2) abort.abort();
        },
      });
      expect(result.outcome).toBe('rolled-back');
      expect(result.message).toMatch(/^interrupted; everything this run applied was rolled back/);
      expect(result.applied.map((a) => a.step)).toEqual(['bridge.exists', 'bridge.up']);
      expect(listRuns(stateDir).at(-1)?.status).toBe('rolled-back');
      expect(await labState(spaces)).toEqual(broken);
    });
  }, 120_000);

  it.concurrent('a declined fix changes nothing and records nothing', async ({ expect }) => {
    await withFixLab('no-masquerade', async (lab, { stateDir, spaces, opts }) => {
      const broken = await labState(spaces);
      const diagnosed = await runDiagnosis({ ns: lab.names.containerNs, hostNs: lab.names.hostNs, bridge: opts.bridge, target: TARGET }, { probe: false });
      const asked: string[] = [];
      const result = await applyFixes(diagnosed, { confirm: async (step) => (asked.push(step.id), false), probe: false, stateDir });
      expect(asked).toEqual(['host.masquerade']);
      expect(result.outcome).toBe('broken');
      expect(result.declined).toEqual(['host.masquerade']);
      expect(result.runId).toBeNull();
      expect(listRuns(stateDir)).toEqual([]);
      expect(await labState(spaces)).toEqual(broken);
    });
  }, 120_000);

  it.concurrent('text output: each fix with its commands, before and after, and how to undo', async ({ expect }) => {
    await withFixLab('bridge-down', async (_lab, { env, target, opts }) => {
      const r = await cli(['check', ...target, '--fix', '--yes'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Fix bridge\\.up: Bring ${opts.bridge} up$`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^ {2}done ip -n \\S+ link set (dev )?${opts.bridge} up$`, 'm'));
      expect(r.stdout).toMatch(/^Before: bridge\.up fails \(egress broken\)$/m);
      expect(r.stdout).toMatch(/^After: {2}healthy \(egress ok\)$/m);
      expect(r.stdout).toMatch(/`netdoctor undo` reverts it/);
    });
  }, 120_000);
});

describe.skipIf(skip !== null)('check --fix: bad combinations are refused (exit 2) before anything runs', () => {
  const cases: [string, string[], RegExp][] = [
    ['--yes without --fix', ['check', '--ns', 'x', '--yes'], /--yes only makes sense with --fix/],
    ['--fix off a terminal without --yes', ['check', '--ns', 'x', '--fix'], /--fix needs a terminal .* --yes/],
    ['--fix --json without --yes', ['check', '--ns', 'x', '--fix', '--json'], /needs --yes/],
    ['--persist with --host-ns', ['check', '--ns', 'x', '--host-ns', 'y', '--fix', '--yes', '--persist'], /--persist .* not --host-ns/],
    ['--trial 0', ['check', '--ns', 'x', '--fix', '--yes', '--trial', '0'], /--trial "0": a number of seconds/],
    ['--trial with --dry-run', ['check', '--ns', 'x', '--fix', '--dry-run', '--trial', '5'], /--dry-run changes nothing/],
    ['--fix with --from-snapshot', ['check', '--fix', '--yes', '--from-snapshot', '/tmp/x.json'], /not with --from-snapshot/],
    ['undo off a terminal without --yes', ['undo'], /pass --yes/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async ({ expect }) => {
      const r = await cli(args, { NETDOCTOR_STATE_DIR: '/nonexistent-ndt-state' });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
    });
  }
});
