// The live checklist: steps are judged only once their facts (and prerequisites) are in, and
// with every stage in the view is exactly the full diagnosis.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SavedSnapshot } from '../../../src/commands/check.js';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import { allRunning, judgeLive, stagesNeeded, type FactStage } from '../../../src/diagnosis/live.js';
import { STEP_IDS } from '../../../src/diagnosis/steps.js';

function load(id: string): SavedSnapshot {
  return JSON.parse(readFileSync(new URL(`../../fixtures/snapshots/${id}.json`, import.meta.url), 'utf8')) as SavedSnapshot;
}

const statuses = (steps: { id: string; status: string }[]) => Object.fromEntries(steps.map((s) => [s.id, s.status]));

describe('judgeLive', () => {
  it('starts with every step running and no report', () => {
    const live = allRunning();
    expect(live.steps.map((s) => s.id)).toEqual([...STEP_IDS]);
    expect(live.steps.every((s) => s.status === 'running')).toBe(true);
    expect(live.report).toBeNull();
    expect(judgeLive(null, null, new Set())).toEqual(live);
  });

  it('judges link-level steps first, netfilter steps once the rules are in, the ping last', () => {
    const { snapshot, ping } = load('no-masquerade');
    const links = statuses(judgeLive(snapshot, ping, new Set<FactStage>(['links'])).steps);
    expect(links['bridge.up']).toBe('pass');
    expect(links['ns.default-route']).toBe('pass');
    expect(links['host.masquerade']).toBe('running');
    expect(links['host.forward']).toBe('running');
    expect(links['egress.ping']).toBe('running');

    const rules = judgeLive(snapshot, ping, new Set<FactStage>(['links', 'rules']));
    expect(statuses(rules.steps)['host.masquerade']).toBe('fail');
    expect(statuses(rules.steps)['egress.ping']).toBe('running');
    expect(rules.report).toBeNull();
  });

  it('with every stage in, is exactly diagnose()', () => {
    for (const id of ['no-masquerade', 'bridge-down', 'healthy', 'no-netns']) {
      const { snapshot, ping, dns } = load(id);
      const live = judgeLive(snapshot, ping, new Set<FactStage>(['links', 'rules', 'ping', 'dns']), dns ?? null);
      expect(live.report).toEqual(diagnose(snapshot, ping, dns ?? null));
      expect(live.steps).toEqual(live.report!.steps);
    }
  });

  it('the DNS answer is a stage of its own: only ns.dns waits for it', () => {
    const { snapshot, ping, dns } = load('no-masquerade');
    const live = judgeLive(snapshot, ping, new Set<FactStage>(['links', 'rules', 'ping']), dns ?? null);
    expect(live.report).toBeNull();
    expect(live.steps.filter((s) => s.status === 'running').map((s) => s.id)).toEqual(['ns.dns']);
  });

  it('the verdict is final once the ping is in and only warn-only steps run: the same as the report, for every recorded snapshot', () => {
    const ids = readdirSync(new URL('../../fixtures/snapshots/', import.meta.url)).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    expect(ids.length).toBeGreaterThan(20);
    for (const id of ids) {
      const { snapshot, ping, dns } = load(id);
      const early = judgeLive(snapshot, ping, new Set<FactStage>(['links', 'rules', 'ping']), null);
      const full = diagnose(snapshot, ping, dns ?? null);
      expect(early.verdict, id).toEqual({ diagnosis: full.diagnosis, egress: full.egress, target: full.target });
    }
  });

  it('no verdict before the ping: an answered ping turns a failing step into a warning', () => {
    const { snapshot, ping } = load('no-masquerade');
    const rules = judgeLive(snapshot, ping, new Set<FactStage>(['links', 'rules']));
    expect(statuses(rules.steps)['host.masquerade']).toBe('fail');
    expect(rules.verdict).toBeNull();
    // Nor while a step that could still fail is running (the rules are not in).
    expect(judgeLive(snapshot, ping, new Set<FactStage>(['links', 'ping'])).verdict).toBeNull();
  });

  it('keeps a step running while a prerequisite is running', () => {
    const { snapshot, ping } = load('no-masquerade');
    // Before the rules, host.masquerade runs; nothing that requires it may be judged.
    const live = judgeLive(snapshot, ping, new Set<FactStage>(['links', 'ping']));
    expect(statuses(live.steps)['egress.ping']).toBe('fail');
    expect(statuses(live.steps)['host.masquerade']).toBe('running');
  });

  it('a step it does not know waits for every stage', () => {
    expect(stagesNeeded('some.future-step')).toEqual(['links', 'rules', 'ping', 'dns']);
  });
});
