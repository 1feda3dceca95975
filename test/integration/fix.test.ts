// `check --fix` for real, on labs whose names, subnet and uplink are not the tutorial's: every
// scenario marked fixable in scenarios/ is repaired by `--fix --yes` and proven by a real ping
// across the lab, `check` then exits 0; a second --fix adds nothing; `undo` restores the broken
// state exactly (nft ruleset, iptables-nft and -legacy rules, every IPv4 sysctl, links,
// addresses, routes: fix-helpers.ts nsState); a command made to fail midway leaves the lab as
// it was and says so; --dry-run changes nothing and prints a bash script that runs. Every
// scenario with a fault that is NOT marked fixable is shown to be really beyond `--fix` (so the
// flag cannot hide a scenario from this proof), and left as it was.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { listScenarios } from '../../src/lab/scenario.js';
import { DEFAULTS } from '../../src/lab/topology.js';
import { shellLine } from '../../src/fixes/script.js';
import { run } from '../../src/system/run.js';
import { TARGET, integrationSkipReason, labDown, labUp, pingFromNs, randomLabOptions, type TestLabOptions } from './helpers.js';
import { cli, labState, tempStateDir } from './fix-helpers.js';

vi.setConfig({ maxConcurrency: 64 });

const skip = integrationSkipReason();

interface FixJson {
  outcome: string;
  runId: string | null;
  message: string;
  applied: { step: string; commands: string[][]; existing: string[][] }[];
  after: { diagnosis: { step: string } | null; egress: string };
}

interface CheckJson {
  diagnosis: { step: string } | null;
  steps: { id: string; status: string }[];
}

// Computed from the scenario files, not a hand list.
const scenarios = listScenarios();
const fixable = scenarios.filter((s) => s.fixable);
const faultyButNotFixable = scenarios.filter((s) => !s.fixable && s.expect.diagnosis !== null);

/** Random names and subnet, none of them the tutorial's (ns0, br0, veth0, ceth0, eth0, 192.168.0.0/16). */
function customLab(): TestLabOptions {
  const opts = randomLabOptions();
  for (const key of ['ns', 'bridge', 'vethHost', 'vethNs', 'uplink', 'subnet'] as const) expect(opts[key]).not.toBe(DEFAULTS[key]);
  return opts;
}

/**
 * A FORWARD accept goes where it counts: into DOCKER-USER on a Docker host (never Docker's own
 * chains), else at the top of FORWARD for iptables; for nft into the native base chain on the
 * forward hook that drops (not a table iptables-nft manages).
 */
async function expectForwardPlacement(result: FixJson, hostNs: string, brokenHost: string): Promise<void> {
  // brokenHost: nsState of the host side before the fix (its iptables-save sections name the chains).
  const forward = result.applied.find((a) => a.step === 'host.forward');
  if (!forward) return;
  const docker = /^:DOCKER-USER /m.test(brokenHost);
  for (const argv of [...forward.commands, ...forward.existing]) {
    const line = argv.join(' ');
    if (/\biptables(-nft|-legacy)?\b/.test(line)) {
      expect(line, 'an iptables accept').toMatch(docker ? / -I DOCKER-USER / : / -I FORWARD /);
      continue;
    }
    const i = argv.indexOf('rule');
    expect(argv[i - 1], line).toBe('insert');
    const [family, table, chain] = argv.slice(i + 1, i + 4) as [string, string, string];
    const listed = await run(['nft', 'list', 'chain', family, table, chain], { ns: hostNs });
    expect(listed.stdout, `${family} ${table} ${chain}`).toMatch(/type filter hook forward /);
    expect(listed.stdout, `${family} ${table} ${chain} drops`).toMatch(/policy drop|\bdrop\b|\breject\b/);
    const owner = await run(['nft', 'list', 'table', family, table], { ns: hostNs });
    expect(owner.stderr, `${family} ${table} is not iptables-nft's`).not.toMatch(/managed by iptables-nft/);
  }
}

describe('the fixable scenarios', () => {
  it('are many, and each one names the step its fix starts from', () => {
    expect(fixable.length).toBeGreaterThanOrEqual(20);
    for (const s of fixable) expect(s.expect.diagnosis, s.id).not.toBeNull();
  });
});

describe.skipIf(skip !== null).concurrent('check --fix on every fixable scenario, for real', () => {
  for (const scenario of fixable) {
    it.concurrent(`${scenario.id}: fix, prove, fix again (nothing), undo (exact), fail midway (rolled back), dry run (nothing; the script runs)`, async ({ expect }) => {
      const opts = customLab();
      const stateDir = tempStateDir();
      const scriptDir = mkdtempSync(join(tmpdir(), 'ndt-dry-'));
      const env = { NETDOCTOR_STATE_DIR: stateDir };
      try {
        const lab = await labUp(scenario.id, opts);
        const spaces = [lab.names.hostNs, lab.names.containerNs];
        const target = ['--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--bridge', opts.bridge, '--target', TARGET];
        const broken = await labState(spaces);
        // A fault only the probe proves (rp_filter drops counted) is a mere warning without it.
        const noProbe = scenario.diagnosedByProbe ? [] : ['--no-probe'];

        // --dry-run: a script, and nothing changes.
        // With the probe, as a person runs it (the ping, the capture, the temporary trace table).
        const dry = await cli(['check', ...target, '--fix', '--dry-run'], env);
        expect(dry.code, dry.stderr).toBe(1);
        expect(dry.stdout).toMatch(/^#!\/bin\/bash\n/);
        expect(await labState(spaces), 'state after --dry-run').toEqual(broken);
        const script = join(scriptDir, 'fix.sh');
        writeFileSync(script, dry.stdout);
        const syntax = await run(['bash', '-n', script]);
        expect(syntax.exitCode, `bash -n: ${syntax.stderr}`).toBe(0);

        // --fix --yes: healthy, and a real ping across the lab proves it.
        const fix = await cli(['check', ...target, '--fix', '--yes', '--json'], env);
        const result = JSON.parse(fix.stdout) as FixJson;
        expect(fix.code, `${fix.stderr}\n${JSON.stringify(result.after?.diagnosis)}`).toBe(0);
        expect(result.outcome).toBe('healthy');
        expect(result.after.egress).toBe('ok');
        expect(result.applied[0]?.step, 'the first fix is for the scenario\'s fault').toBe(scenario.expect.diagnosis);
        expect(await pingFromNs(lab.names.containerNs), 'real ping after --fix').toBe(true);
        const fixed = await labState(spaces);
        await expectForwardPlacement(result, lab.names.hostNs, broken[lab.names.hostNs]!);

        // The dry run showed exactly the commands of the first fix that --fix then ran.
        const first = result.applied[0]!;
        const block = dry.stdout.split('\n\n').find((b) => b.startsWith(`# ${first.step}: `)) ?? '';
        const shown = block.split('\n').filter((l) => !l.startsWith('#'));
        expect(shown.sort(), `the dry run's block for ${first.step}`).toEqual([...first.commands, ...first.existing].map(shellLine).sort());

        // `check` now exits 0.
        const check = await cli(['check', ...target, '--json'], env);
        expect(check.code, check.stdout.slice(0, 2000)).toBe(0);
        expect((JSON.parse(check.stdout) as CheckJson).diagnosis).toBeNull();

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

        // The last command of the run fails: everything before it is rolled back, and it says so.
        const commands = result.applied.reduce((n, a) => n + a.commands.length, 0);
        const failing = await cli(['check', ...target, '--fix', '--yes', ...noProbe], { ...env, NETDOCTOR_TEST_FAIL_AFTER: String(commands) });
        expect(failing.code, failing.stdout + failing.stderr).toBe(1);
        expect(failing.stdout).toMatch(/injected failure/);
        expect(failing.stdout).toMatch(/a command failed \(.*\); everything this run applied was rolled back/);
        expect(await labState(spaces), 'state after a failed, rolled-back run').toEqual(broken);

        // The dry run's script, run by hand as its header says, fixes the first failing step
        // (a worked-around overlap stays a warning).
        const ran = await run(['bash', script], { timeoutMs: 60_000 });
        expect(ran.exitCode, `the dry run's script: ${ran.stderr}`).toBe(0);
        const afterScript = JSON.parse((await cli(['check', ...target, '--json', '--no-probe'], env)).stdout) as CheckJson;
        expect(afterScript.steps.find((s) => s.id === scenario.expect.diagnosis)?.status, 'the scenario\'s step after the script').toMatch(/^(pass|warn)$/);
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
        rmSync(scriptDir, { recursive: true, force: true });
        await labDown(opts.prefix, ['--ns', opts.ns]);
      }
    }, 240_000);
  }
});

describe.skipIf(skip !== null).concurrent('a fault not marked fixable is really beyond --fix', () => {
  for (const scenario of faultyButNotFixable) {
    it.concurrent(`${scenario.id}: --fix --yes does not make it healthy, and leaves the lab as it was`, async ({ expect }) => {
      const opts = customLab();
      const stateDir = tempStateDir();
      try {
        const lab = await labUp(scenario.id, opts);
        const spaces = [lab.names.hostNs, lab.names.containerNs];
        const broken = await labState(spaces);
        const target = ['--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--bridge', opts.bridge, '--target', TARGET];
        const fix = await cli(['check', ...target, '--fix', '--yes', '--json'], { NETDOCTOR_STATE_DIR: stateDir });
        expect(fix.code, fix.stderr).toBe(1);
        const result = JSON.parse(fix.stdout) as FixJson;
        // If this ever reads 'healthy', mark the scenario fixable: the test above then proves it.
        expect(['broken', 'rolled-back']).toContain(result.outcome);
        expect(result.after.diagnosis?.step).toBe(scenario.expect.diagnosis);
        expect(await labState(spaces), 'the lab after a --fix that could not fix it').toEqual(broken);
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
        await labDown(opts.prefix, ['--ns', opts.ns]);
      }
    }, 120_000);
  }
});
