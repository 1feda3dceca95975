// The hunt's generator and grader are pure: same seed, same lab; the grader catches wrong reports.
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import { combineFaults, expectedDiagnoses, expectedDiagnosis, expectedStatuses, faultCatalogue, generateCase, gradeReport, incompatibility, type HuntCase } from '../../../src/lab/hunt.js';
import { listScenarios } from '../../../src/lab/scenario.js';
import { buildPlan, labConfig } from '../../../src/lab/topology.js';
import type { Report } from '../../../src/model/result.js';

const catalogue = faultCatalogue(listScenarios());
const byId = (id: string) => catalogue.find((f) => f.id === id)!;

function caseOf(ids: string[], probe = false): HuntCase {
  const faults = ids.map(byId);
  return { seed: 0, faults: ids, options: {}, scenario: combineFaults(faults, 'x'), probe };
}

describe('hunt generator', () => {
  it('takes every broken scenario as a fault and no healthy variant', () => {
    const ids = catalogue.map((f) => f.id);
    expect(ids).toContain('no-masquerade');
    expect(ids).toContain('ns-loopback-down');
    expect(ids).not.toContain('healthy');
    expect(ids).not.toContain('nft-masquerade');
  });

  it('is deterministic per seed and varies across seeds', () => {
    expect(generateCase(42, catalogue)).toEqual(generateCase(42, catalogue));
    const many = Array.from({ length: 50 }, (_, i) => generateCase(i, catalogue));
    expect(new Set(many.map((c) => c.options.subnet)).size).toBeGreaterThan(40);
    expect(new Set(many.map((c) => c.faults.join('+'))).size).toBeGreaterThan(40);
  });

  it('only builds labs the lab builder accepts: valid names and subnets, compatible faults', () => {
    for (let seed = 0; seed < 500; seed++) {
      const c = generateCase(seed, catalogue);
      expect(c.faults.length).toBeGreaterThanOrEqual(1);
      expect(c.faults.length).toBeLessThanOrEqual(3);
      expect(incompatibility(c.faults.map(byId))).toBeNull();
      const config = labConfig({ ...c.options, prefix: 'ndtx' });
      expect(() => buildPlan(config, c.scenario)).not.toThrow();
    }
  });

  it('refuses combinations where one fault removes what another needs', () => {
    expect(incompatibility([byId('no-veth'), byId('ns-address-outside-subnet')])).toMatch(/needs veth.move/);
    expect(incompatibility([byId('ns-link-down'), byId('wrong-gateway')])).toMatch(/needs ns.link-up/);
    expect(incompatibility([byId('no-masquerade'), byId('ip-forward-off')])).toBeNull();
  });

  it('refuses faults that would hide another, or create the same link or chain', () => {
    // br-netfilter-bridged-drop's own FORWARD accepts would let forward-reject-rule's traffic through.
    expect(incompatibility([byId('br-netfilter-bridged-drop'), byId('forward-reject-rule')])).toMatch(/would hide forward-reject-rule/);
    expect(incompatibility([byId('subnet-overlap-vpn'), byId('subnet-overlap-elsewhere')])).toMatch(/both create host link vpn0/);
    expect(incompatibility([byId('br-netfilter-bridged-drop'), byId('docker-forward-drop')])).toMatch(/both create host iptables-nft filter chain DOCKER-USER|would hide/);
    expect(incompatibility([byId('subnet-overlap-vpn'), byId('rp-filter-second-uplink')])).toBeNull();
  });

  it('leaves out faults that need a background program, and keeps a fault\'s containers', () => {
    expect(catalogue.map((f) => f.id)).not.toContain('stale-conntrack-udp');
    expect(caseOf(['br-netfilter-bridged-drop']).scenario.containers).toBe(2);
    expect(caseOf(['no-masquerade']).scenario.containers).toBeUndefined();
  });
});

describe('hunt ground truth', () => {
  it('names the first injected fault in step order', () => {
    expect(expectedDiagnosis(caseOf(['no-masquerade', 'bridge-down']), catalogue)).toBe('bridge.up');
    expect(expectedDiagnosis(caseOf(['ns-loopback-down']), catalogue)).toBeNull();
  });

  it('expects a masked fault to be skipped, and the others to fail', () => {
    const exp = expectedStatuses(caseOf(['no-bridge', 'veth-not-attached', 'ip-forward-off']), catalogue);
    expect(exp.get('bridge.exists')).toEqual(['fail']);
    expect(exp.get('veth.attached')).toEqual(['skip']);
    expect(exp.get('host.ip-forward')).toEqual(['fail']);
    expect(exp.get('veth.up')).toEqual(['pass']);
  });

  it('expects the kernel-refused step after a left-out one to fail too', () => {
    // ns-link-down: the default route cannot be added on a down link.
    expect(expectedStatuses(caseOf(['ns-link-down']), catalogue).get('ns.default-route')).toEqual(['fail']);
  });

  it('rp_filter behind an asymmetric upstream: a warning unprobed, a failure once the probe counts drops', () => {
    expect(byId('rp-filter-second-uplink').diagnosedByProbe).toBe(true);
    expect(expectedStatuses(caseOf(['rp-filter-second-uplink']), catalogue).get('host.rp-filter')).toEqual(['warn']);
    expect(expectedDiagnoses(caseOf(['rp-filter-second-uplink']), catalogue)).toEqual([null]);
    expect(expectedStatuses(caseOf(['rp-filter-second-uplink'], true), catalogue).get('host.rp-filter')).toEqual(['fail']);
    expect(expectedDiagnoses(caseOf(['rp-filter-second-uplink'], true), catalogue)).toEqual(['host.rp-filter']);
    // Another fault stopping the requests may leave no reply to drop: either, and either diagnosis.
    const both = caseOf(['rp-filter-second-uplink', 'no-masquerade'], true);
    expect(expectedStatuses(both, catalogue).get('host.rp-filter')).toEqual(['fail', 'warn']);
    expect(expectedDiagnoses(both, catalogue)).toEqual(['host.rp-filter', 'host.masquerade']);
    // Unprobed, the other fault is the diagnosis and rp_filter must not fail (a false alarm).
    const unprobed = caseOf(['rp-filter-second-uplink', 'no-masquerade']);
    expect(expectedDiagnoses(unprobed, catalogue)).toEqual(['host.masquerade']);
    const steps = [...expectedStatuses(unprobed, catalogue)].map(([id, allowed]) => ({ id, status: allowed[0]!, title: '', summary: '', evidence: [], explanation: '', fix: null }));
    const good = { schemaVersion: 1, target: {}, steps, diagnosis: { step: 'host.masquerade', summary: '' }, egress: 'unknown', probes: { ping: null } } as unknown as Report;
    expect(gradeReport(unprobed, catalogue, good, 1)).toEqual([]);
    const alarm = { ...good, steps: steps.map((s) => (s.id === 'host.rp-filter' ? { ...s, status: 'fail' } : s)), diagnosis: { step: 'host.rp-filter', summary: '' } } as Report;
    expect(gradeReport(unprobed, catalogue, alarm, 1)).toEqual([
      expect.stringMatching(/^diagnosis host.rp-filter, expected host.masquerade/),
      expect.stringMatching(/^host.rp-filter: fail, expected warn/),
    ]);
  });

  it('grades: a wrong diagnosis, a missed fault or a wrong exit code is a miss', () => {
    const c = caseOf(['no-masquerade', 'ip-forward-off']);
    const steps = [...expectedStatuses(c, catalogue)].map(([id, allowed]) => ({ id, status: allowed[0]!, title: '', summary: '', evidence: [], explanation: '', fix: null }));
    const good = { schemaVersion: 1, target: {}, steps, diagnosis: { step: 'host.ip-forward', summary: '' }, egress: 'unknown', probes: { ping: null } } as unknown as Report;
    expect(gradeReport(c, catalogue, good, 1)).toEqual([]);
    expect(gradeReport(c, catalogue, good, 0)).toEqual(['exit 0, expected 1']);
    const wrongDiagnosis = { ...good, diagnosis: { step: 'host.masquerade', summary: '' } } as Report;
    expect(gradeReport(c, catalogue, wrongDiagnosis, 1)[0]).toMatch(/diagnosis host.masquerade, expected host.ip-forward/);
    const missed = { ...good, steps: steps.map((s) => (s.id === 'host.masquerade' ? { ...s, status: 'pass' } : s)) } as Report;
    expect(gradeReport(c, catalogue, missed, 1)).toEqual([expect.stringMatching(/^host.masquerade: pass, expected fail/)]);
    expect(gradeReport(c, catalogue, null, 3)).toEqual(['no JSON report (exit 3)']);
  });

  it('agrees with diagnose() on a recorded snapshot of the no-masquerade lab', async () => {
    // The pure diagnosis of a saved snapshot, graded: ties the grader to the real report shape.
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('../../fixtures/snapshots/', import.meta.url);
    const file = readdirSync(dir).find((f) => f.includes('no-masquerade'));
    if (!file) return;
    const saved = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
    const report = diagnose(saved.snapshot ?? saved, saved.ping ?? null);
    const c = caseOf(['no-masquerade'], report.probes.ping !== null);
    expect(gradeReport(c, catalogue, report, report.diagnosis ? 1 : 0).filter((p) => !p.startsWith('egress') && !p.startsWith('egress.ping'))).toEqual([]);
  });
});
