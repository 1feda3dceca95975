// `undo` of a run that was killed between journaling a change and running it: that change was
// never applied, and undo says so and skips it (no misleading "undo failed"); the changes that
// were applied are undone; the exit code is 0 because everything in place was reverted. An nft
// rule whose handle never reached the journal (kill -9 right after nft added it, or nft printed
// none) is found by its exact text and deleted, or reported as already gone.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandEntry, RunRecord } from '../../src/fixes/journal.js';
import { run } from '../../src/system/run.js';
import { shellQuote } from '../../src/report/escape.js';
import { CLI, TARGET, integrationSkipReason, labDown, labUp, randomLabOptions } from './helpers.js';
import { cli, labState, tempStateDir, writeTwoFaultsScenario } from './fix-helpers.js';

const skip = integrationSkipReason();

describe.skipIf(skip !== null)('undo of a change journaled but never run', () => {
  it('says the change was never applied, skips it, undoes the rest, exit 0', { timeout: 180_000 }, async () => {
    const opts = randomLabOptions();
    const stateDir = tempStateDir();
    const env = { NETDOCTOR_STATE_DIR: stateDir };
    const dir = mkdtempSync(join(tmpdir(), 'ndt-scen-'));
    const file = writeTwoFaultsScenario(dir);
    try {
      const lab = await labUp(file, opts);
      const spaces = [lab.names.hostNs, lab.names.containerNs];
      const broken = await labState(spaces);
      const target = ['--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--no-probe'];
      const fix = await cli(['check', ...target, '--fix', '--yes'], env);
      expect(fix.code, fix.stdout + fix.stderr).toBe(0);

      // Make the journal say what a netdoctor killed just before its last command leaves: that
      // command `pending`, the run `applying`, and the change not there (taken back by hand).
      const runs = join(stateDir, 'runs');
      const name = readdirSync(runs).find((f) => f.endsWith('.json'))!;
      const record = JSON.parse(readFileSync(join(runs, name), 'utf8')) as RunRecord;
      const commands = record.entries.filter((e): e is CommandEntry => e.kind === 'command' && e.status === 'done');
      expect(commands.length, JSON.stringify(record.entries)).toBeGreaterThanOrEqual(2);
      const last = commands.at(-1)!;
      for (const argv of [...last.undo, ...(last.cleanup ? [last.cleanup.remove] : [])]) {
        const r = await run(argv, { timeoutMs: 30_000 });
        expect(r.exitCode, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
      }
      last.status = 'pending';
      record.status = 'applying';
      writeFileSync(join(runs, name), JSON.stringify(record, null, 2));

      const undo = await cli(['undo', '--yes'], env);
      expect(undo.code, undo.stdout + undo.stderr).toBe(0);
      expect(undo.stdout).not.toMatch(/undo failed/);
      expect(undo.stdout).toContain(`never applied, skipped: ${last.argv.join(' ')}`);
      expect(undo.stdout).toMatch(/1 change\(s\) journaled but never applied, skipped/);
      expect(await labState(spaces), 'the lab after undo').toEqual(broken);
      const after = JSON.parse(readFileSync(join(runs, name), 'utf8')) as RunRecord;
      expect(after.status).toBe('undone');
      expect(after.entries.find((e) => e.kind === 'command' && e.status === 'not-applied')).toBeDefined();

      // Nothing is left to undo.
      const again = await cli(['undo', '--yes'], env);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/nothing to undo/);
    } finally {
      await labDown(opts.prefix, ['--ns', opts.ns]);
      rmSync(stateDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The newest run record in a state directory, and where it lives. */
function newestRun(stateDir: string): { path: string; record: RunRecord } {
  const runs = join(stateDir, 'runs');
  const name = readdirSync(runs).filter((f) => f.endsWith('.json')).sort().at(-1)!;
  const path = join(runs, name);
  return { path, record: JSON.parse(readFileSync(path, 'utf8')) as RunRecord };
}

async function hostRuleset(hostNs: string): Promise<string> {
  return (await run(['nft', '-a', 'list', 'ruleset'], { ns: hostNs })).stdout;
}

describe.skipIf(skip !== null).concurrent('undo of an nft rule whose handle was never journaled', () => {
  it.concurrent('kill -9 after the rule went in, before its handle was journaled: undo finds it by its text and deletes it', { timeout: 180_000 }, async ({ expect }) => {
    const opts = randomLabOptions();
    const stateDir = tempStateDir();
    const pause = join(stateDir, 'pause');
    try {
      const lab = await labUp('nft-forward-drop-rule', opts);
      const spaces = [lab.names.hostNs, lab.names.containerNs];
      const broken = await labState(spaces);
      const args = ['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--bridge', opts.bridge, '--target', TARGET, '--fix', '--yes', '--no-probe'];
      const child = spawn('node', [CLI, ...args], { env: { ...process.env, NETDOCTOR_STATE_DIR: stateDir, NETDOCTOR_TEST_PAUSE_AFTER_COMMAND: pause }, stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, s) => res(s)));
      const until = Date.now() + 60_000;
      while (!existsSync(`${pause}.paused`) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
      expect(existsSync(`${pause}.paused`), 'the run reached its first command').toBe(true);
      // The rule is in the kernel; the journal does not know its handle yet. Now kill -9.
      const pid = Number(readFileSync(`${pause}.paused`, 'utf8'));
      process.kill(pid, 'SIGKILL');
      if (pid === child.pid) expect(await exited).toBe('SIGKILL');
      else child.kill('SIGKILL');
      expect(await hostRuleset(lab.names.hostNs)).toContain(`iifname "${opts.bridge}"`);
      const { record } = newestRun(stateDir);
      expect(record.status).toBe('applying');
      const entry = record.entries.at(-1) as CommandEntry;
      expect(entry.status).toBe('pending');
      expect(entry.undo).toEqual([]);

      const undo = await cli(['undo', '--yes'], { NETDOCTOR_STATE_DIR: stateDir });
      expect(undo.code, undo.stdout + undo.stderr).toBe(0);
      expect(undo.stdout).toMatch(/undone ip netns exec \S+ nft delete rule inet filter forward handle \d+/);
      expect(undo.stdout).toMatch(/\(1 change\(s\)\)/);
      expect(await hostRuleset(lab.names.hostNs)).not.toContain('netdoctor');
      expect(await labState(spaces), 'the lab after undo').toEqual(broken);
      expect(newestRun(stateDir).record.status).toBe('undone');
      expect((await cli(['undo', '--yes'], { NETDOCTOR_STATE_DIR: stateDir })).stdout).toMatch(/nothing to undo/);
    } finally {
      await labDown(opts.prefix, ['--ns', opts.ns]);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it.concurrent('rules recorded without a handle (nft printed none): undo deletes the one still there and says the other is already gone', { timeout: 180_000 }, async ({ expect }) => {
    const opts = randomLabOptions();
    const stateDir = tempStateDir();
    const env = { NETDOCTOR_STATE_DIR: stateDir };
    try {
      // Two nft rules (out, and the replies back) in the base chain that drops.
      const lab = await labUp('nft-accept-does-not-override-drop', opts);
      const spaces = [lab.names.hostNs, lab.names.containerNs];
      const broken = await labState(spaces);
      const fix = await cli(['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--bridge', opts.bridge, '--target', TARGET, '--fix', '--yes', '--no-probe'], env);
      expect(fix.code, fix.stdout + fix.stderr).toBe(0);
      const { path, record } = newestRun(stateDir);
      const rules = record.entries.filter((e): e is CommandEntry => e.kind === 'command' && e.status === 'done' && !!e.nftRule);
      expect(rules.length, JSON.stringify(record.entries)).toBe(2);
      // Forget both handles; delete the first rule by hand, as an administrator might.
      const [first, second] = rules as [CommandEntry, CommandEntry];
      const r = await run(first.undo[0]!, { timeoutMs: 30_000 });
      expect(r.exitCode, r.stderr).toBe(0);
      first.undo = [];
      second.undo = [];
      writeFileSync(path, JSON.stringify(record, null, 2));

      const undo = await cli(['undo', '--yes'], env);
      expect(undo.code, undo.stdout + undo.stderr).toBe(0);
      expect(undo.stdout).toContain(`already gone, nothing to remove: ${shellQuote(first.argv)}`);
      expect(undo.stdout).toMatch(/undone ip netns exec \S+ nft delete rule inet blockfw forward handle \d+/);
      expect(await labState(spaces), 'the lab after undo').toEqual(broken);
    } finally {
      await labDown(opts.prefix, ['--ns', opts.ns]);
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
