// `undo` of a run that was killed between journaling a change and running it: that change was
// never applied, and undo says so and skips it (no misleading "undo failed"); the changes that
// were applied are undone; the exit code is 0 because everything in place was reverted.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandEntry, RunRecord } from '../../src/fixes/journal.js';
import { run } from '../../src/system/run.js';
import { TARGET, integrationSkipReason, labDown, labUp, randomLabOptions } from './helpers.js';
import { cli, labState, tempStateDir } from './fix-helpers.js';

const skip = integrationSkipReason();

describe.skipIf(skip !== null)('undo of a change journaled but never run', () => {
  it('says the change was never applied, skips it, undoes the rest, exit 0', { timeout: 180_000 }, async () => {
    const opts = randomLabOptions();
    const stateDir = tempStateDir();
    const env = { NETDOCTOR_STATE_DIR: stateDir };
    const dir = mkdtempSync(join(tmpdir(), 'ndt-scen-'));
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
