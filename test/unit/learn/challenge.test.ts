// Challenges: which scenarios qualify, and grading against the scenario's own expectation.
import { describe, expect, it } from 'vitest';
import { challengeScenarios, grade, normalizeAnswer, pickChallenge } from '../../../src/learn/challenge.js';
import { findScenario, listScenarios } from '../../../src/lab/scenario.js';

describe('challenges', () => {
  it('only broken scenarios qualify; random picks one of them', () => {
    const pool = challengeScenarios(listScenarios());
    expect(pool.length).toBeGreaterThan(10);
    expect(pool.every((s) => s.expect.diagnosis !== null)).toBe(true);
    expect(pool.map((s) => s.id)).not.toContain('healthy');
    expect(pickChallenge(listScenarios(), 'random', () => 0).id).toBe(pool[0]!.id);
    expect(pickChallenge(listScenarios(), undefined, () => 0.999).id).toBe(pool.at(-1)!.id);
  });

  it('refuses a healthy or unknown scenario', () => {
    expect(() => pickChallenge(listScenarios(), 'healthy')).toThrow(/healthy, nothing to find/);
    expect(() => pickChallenge(listScenarios(), 'nope')).toThrow(/no such scenario/);
  });

  it('grades right and wrong against expect.diagnosis; lesson step names are accepted', () => {
    const s = findScenario('no-masquerade');
    expect(grade('host.masquerade', s)).toEqual({ answer: 'host.masquerade', truth: 'host.masquerade', right: true });
    expect(grade('masquerade', s).right).toBe(true);
    expect(grade('ns.default-route', s)).toEqual({ answer: 'ns.default-route', truth: 'host.masquerade', right: false });
    expect(normalizeAnswer('veth-move')).toBe('veth.exists');
    expect(() => normalizeAnswer('the bridge')).toThrow(/name a step/);
  });
});
