// The session off a terminal (a pipe, cron, CI): the same report as `check`, same exit code,
// no waiting for keys.
import { describe, expect, it } from 'vitest';
import { TARGET, integrationSkipReason, runCli, withLab, randomLabOptions } from './helpers.js';

const skip = integrationSkipReason();

describe.skipIf(skip !== null)('netdoctor without a terminal', () => {
  it('prints the same report as check and exits with its code', async () => {
    const opts = randomLabOptions();
    await withLab('no-masquerade', opts, async (lab) => {
      const args = ['--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET];
      const [session, check] = await Promise.all([runCli(args, 30_000), runCli(['check', ...args], 30_000)]);
      expect(session.code).toBe(1);
      expect(check.code).toBe(1);
      // Timings (rtt) may differ between two runs; nothing else may.
      const norm = (s: string) => s.replace(/rtt [\d.]+ ms/g, 'rtt N ms');
      expect(norm(session.stdout)).toBe(norm(check.stdout));
      expect(session.stdout).toContain('Diagnosis host.masquerade');
      expect(session.stdout).not.toContain('\x1b[');
    });
  });
});
