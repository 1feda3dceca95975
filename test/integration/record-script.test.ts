// test/fixtures/snapshots/record.sh builds its labs under a unique prefix: two runs at once do
// not take each other's lab down, and both save the stable "ndrec" names the unit tests know.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { SavedSnapshot } from '../../src/commands/check.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { findScenario } from '../../src/lab/scenario.js';
import { run } from '../../src/system/run.js';
import { integrationSkipReason } from './helpers.js';

const skip = integrationSkipReason();
const SCRIPT = fileURLToPath(new URL('../fixtures/snapshots/record.sh', import.meta.url));

describe.skipIf(skip !== null)('snapshot record.sh', () => {
  it('two runs at once do not collide, and both record the stable names', { timeout: 180_000 }, async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'ndt-rec-a-')), mkdtempSync(join(tmpdir(), 'ndt-rec-b-'))];
    try {
      const runs = await Promise.all(dirs.map((d) => run(['bash', SCRIPT, 'no-masquerade', 'healthy'], { env: { RECORD_OUT: d }, timeoutMs: 170_000 })));
      for (const r of runs) expect(r.exitCode, r.stderr).toBe(0);
      for (const id of ['no-masquerade', 'healthy']) {
        const expected = findScenario(id).expect;
        for (const d of dirs) {
          const text = readFileSync(join(d, `${id}.json`), 'utf8');
          expect(text).not.toMatch(/ndrec[0-9a-f]{8}/);
          const saved = JSON.parse(text) as SavedSnapshot;
          expect(saved.snapshot.input.ns).toBe('ndrec-ct');
          expect(saved.snapshot.namespaces).toEqual(['ndrec-ct', 'ndrec-host', 'ndrec-inet']);
          // Each run diagnosed its own, complete lab (a collision would have removed it midway).
          const report = diagnose(saved.snapshot, saved.ping, saved.dns ?? null, saved.mtu ?? null);
          expect(report.diagnosis?.step ?? null, `${d}/${id}`).toBe(expected.diagnosis);
          expect(report.egress).toBe(expected.egress);
        }
      }
      // Nothing left behind.
      const left = (await run(['ip', 'netns', 'list'])).stdout.split('\n').filter((l) => /^ndrec[0-9a-f]{8}-/.test(l));
      expect(left).toEqual([]);
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});
