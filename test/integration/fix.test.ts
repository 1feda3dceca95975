// `check --fix` for real: every fixable scenario is repaired by `--fix --yes` and proven by a
// real ping across the lab; a second --fix adds nothing; `undo` restores the broken state
// exactly; a command made to fail midway leaves the lab as it was; --dry-run changes nothing.
import { rmSync } from 'node:fs';
import { describe, it, vi } from 'vitest';
import { listScenarios } from '../../src/lab/scenario.js';
import { TARGET, integrationSkipReason, labDown, labUp, pingFromNs, randomLabOptions } from './helpers.js';
import { cli, labState, tempStateDir } from './fix-helpers.js';

vi.setConfig({ maxConcurrency: 64 });

const skip = integrationSkipReason();

interface FixJson {
  outcome: string;
  runId: string | null;
  applied: { step: string; commands: string[][]; existing: string[][] }[];
  after: { diagnosis: { step: string } | null; egress: string };
}

describe.skipIf(skip !== null).concurrent('check --fix on every fixable scenario, for real', () => {
  for (const scenario of listScenarios().filter((s) => s.fixable)) {
    it.concurrent(`${scenario.id}: fix, prove, fix again (nothing), undo (exact), fail midway (rolled back), dry run (nothing)`, async ({ expect }) => {
      const opts = randomLabOptions();
      const stateDir = tempStateDir();
      const env = { NETDOCTOR_STATE_DIR: stateDir };
      try {
        const lab = await labUp(scenario.id, opts);
        const spaces = [lab.names.hostNs, lab.names.containerNs];
        const target = ['--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--bridge', opts.bridge, '--target', TARGET];
        const broken = await labState(spaces);
        // A fault only the probe proves (rp_filter drops counted) is a mere warning without it.
        const noProbe = scenario.diagnosedByProbe ? [] : ['--no-probe'];

        // --dry-run: a script, and nothing changes.
        const dry = await cli(['check', ...target, '--fix', '--dry-run', ...noProbe], env);
        expect(dry.code, dry.stderr).toBe(1);
        expect(dry.stdout).toMatch(/^#!\/bin\/bash\n/);
        expect(await labState(spaces), 'state after --dry-run').toEqual(broken);

        // --fix --yes: healthy, and a real ping across the lab proves it.
        const fix = await cli(['check', ...target, '--fix', '--yes', '--json'], env);
        const result = JSON.parse(fix.stdout) as FixJson;
        expect(fix.code, `${fix.stderr}\n${JSON.stringify(result.after?.diagnosis)}`).toBe(0);
        expect(result.outcome).toBe('healthy');
        expect(result.after.egress).toBe('ok');
        expect(await pingFromNs(lab.names.containerNs), 'real ping after --fix').toBe(true);
        const fixed = await labState(spaces);

        // A second --fix adds nothing: its diagnosis (what `check` says) is healthy, exit 0.
        const again = await cli(['check', ...target, '--fix', '--yes', '--json'], env);
        expect(again.code, again.stderr).toBe(0);
        const second = JSON.parse(again.stdout) as FixJson & { before: FixJson['after'] };
        expect(second.outcome).toBe('nothing-to-do');
        expect(second.before.diagnosis).toBeNull();
        expect(second.runId).toBeNull();
        expect(await labState(spaces), 'state after a second --fix').toEqual(fixed);

        // undo: the broken state, exactly.
        const undo = await cli(['undo', '--yes'], env);
        expect(undo.code, undo.stdout + undo.stderr).toBe(0);
        expect(await labState(spaces), 'state after undo').toEqual(broken);
        expect(await pingFromNs(lab.names.containerNs)).toBe(false);

        // The last command of the run fails: everything before it is rolled back.
        const commands = result.applied.reduce((n, a) => n + a.commands.length, 0);
        const failing = await cli(['check', ...target, '--fix', '--yes', '--json', ...noProbe], { ...env, NETDOCTOR_TEST_FAIL_AFTER: String(commands) });
        expect(failing.code, failing.stderr).toBe(1);
        expect((JSON.parse(failing.stdout) as FixJson).outcome).toBe('rolled-back');
        expect(await labState(spaces), 'state after a failed, rolled-back run').toEqual(broken);
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
        await labDown(opts.prefix, ['--ns', opts.ns]);
      }
    }, 240_000);
  }
});
