// The heart of the suite: every scenario in scenarios/ is built for real (all at once, each
// with a unique prefix and random names and subnet), diagnosed by the built CLI, and its
// egress proven by a real ping from the container namespace.
import { describe, it, vi } from 'vitest';
import { listScenarios } from '../../src/lab/scenario.js';
import { TARGET, integrationSkipReason, labDown, labUp, pingFromNs, randomLabOptions, runCli } from './helpers.js';

// Every lab at once: each waits mostly on the kernel and on ping timeouts, not on the CPU.
vi.setConfig({ maxConcurrency: 64 });

interface CheckStep {
  id: string;
  status: string;
  summary: string;
}
interface CheckReport {
  schemaVersion: number;
  steps: CheckStep[];
  diagnosis: { step: string; summary: string } | null;
  egress: string;
}

function parseReport(stdout: string): CheckReport | null {
  try {
    return JSON.parse(stdout) as CheckReport;
  } catch {
    return null;
  }
}

const skip = integrationSkipReason();

describe.skipIf(skip !== null).concurrent('every scenario, built and diagnosed for real', () => {
  for (const scenario of listScenarios()) {
    const want = scenario.expect;
    it.concurrent(`${scenario.id} → ${want.diagnosis ?? 'healthy'}`, async ({ expect }) => {
      const opts = randomLabOptions();
      try {
        const lab = await labUp(scenario.id, opts);
        const check = await runCli([
          'check',
          '--ns',
          lab.names.containerNs,
          '--host-ns',
          lab.names.hostNs,
          '--target',
          TARGET,
          '--json',
        ]);
        // The lab itself first: a real ping tells whether the scenario breaks egress as promised.
        const egress = (await pingFromNs(lab.names.containerNs)) ? 'ok' : 'broken';
        expect(egress, 'real ping from the container').toBe(want.egress);

        const report = parseReport(check.stdout);
        expect(report, `check --json printed no JSON (exit ${check.code}): ${check.stderr.trim().slice(0, 400)}`).not.toBeNull();
        expect(check.code, 'check exit code').toBe(want.diagnosis === null ? 0 : 1);
        expect(report?.diagnosis?.step ?? null, `diagnosis: ${report?.diagnosis?.summary ?? 'none'}`).toBe(want.diagnosis);
        expect(report?.egress, 'egress as check saw it').toBe(want.egress);
        for (const step of want.warn) {
          expect(report?.steps.find((s) => s.id === step)?.status, `${step} should warn`).toBe('warn');
        }
        // No false alarms: a warning the scenario does not announce fails the test.
        const unexpected = (report?.steps ?? []).filter((s) => s.status === 'warn' && !want.warn.includes(s.id as never));
        expect(unexpected.map((s) => `${s.id}: ${s.summary}`), 'unexpected warnings').toEqual([]);
      } finally {
        await labDown(opts.prefix, ['--ns', opts.ns]);
      }
    });
  }
});
