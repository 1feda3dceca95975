import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIAGNOSIS_STEP_IDS, findScenario, listScenarios, parseScenario, ScenarioError } from '../../../src/lab/scenario.js';
import { BUILD_STEP_IDS, buildPlan, labConfig, selectSteps } from '../../../src/lab/topology.js';
import { UsageError } from '../../../src/validate.js';

const REQUIRED: Record<string, { diagnosis: string | null; omits?: string }> = {
  healthy: { diagnosis: null },
  'no-netns': { diagnosis: 'netns.exists', omits: 'netns.exists' },
  'no-bridge': { diagnosis: 'bridge.exists', omits: 'bridge.exists' },
  'bridge-down': { diagnosis: 'bridge.up', omits: 'bridge.up' },
  'bridge-no-address': { diagnosis: 'bridge.address', omits: 'bridge.address' },
  'no-veth': { diagnosis: 'veth.exists', omits: 'veth.exists' },
  'veth-not-moved': { diagnosis: 'veth.exists', omits: 'veth.move' },
  'veth-not-attached': { diagnosis: 'veth.attached', omits: 'veth.attached' },
  'veth-host-down': { diagnosis: 'veth.up', omits: 'veth.up' },
  'ns-link-down': { diagnosis: 'ns.link-up', omits: 'ns.link-up' },
  'ns-loopback-down': { diagnosis: null, omits: 'ns.loopback-up' },
  'ns-no-address': { diagnosis: 'ns.address', omits: 'ns.address' },
  'ns-address-outside-subnet': { diagnosis: 'ns.address', omits: 'ns.address' },
  'no-default-route': { diagnosis: 'ns.default-route', omits: 'ns.default-route' },
  'wrong-gateway': { diagnosis: 'ns.default-route', omits: 'ns.default-route' },
  'host-no-route': { diagnosis: 'host.uplink', omits: 'host.uplink' },
  'ip-forward-off': { diagnosis: 'host.ip-forward', omits: 'host.ip-forward' },
  'no-masquerade': { diagnosis: 'host.masquerade', omits: 'host.masquerade' },
  'masquerade-other-subnet': { diagnosis: 'host.masquerade', omits: 'host.masquerade' },
  'masquerade-wrong-interface': { diagnosis: 'host.masquerade', omits: 'host.masquerade' },
  'forward-policy-drop': { diagnosis: 'host.forward' },
  'forward-reject-rule': { diagnosis: 'host.forward' },
  'nft-forward-policy-drop': { diagnosis: 'host.forward' },
  'nft-accept-does-not-override-drop': { diagnosis: 'host.forward' },
  'docker-forward-drop': { diagnosis: 'host.forward' },
  'forward-drop-with-accepts': { diagnosis: null },
  'nft-masquerade': { diagnosis: null, omits: 'host.masquerade' },
  'legacy-masquerade': { diagnosis: null, omits: 'host.masquerade' },
  'snat-instead-of-masquerade': { diagnosis: null, omits: 'host.masquerade' },
};

describe('scenario files', () => {
  const scenarios = listScenarios();

  it('include every required scenario with its expected diagnosis', () => {
    const byId = new Map(scenarios.map((s) => [s.id, s]));
    for (const [id, want] of Object.entries(REQUIRED)) {
      const s = byId.get(id);
      expect(s, id).toBeDefined();
      expect(s?.expect.diagnosis, id).toBe(want.diagnosis);
      expect(s?.expect.egress, id).toBe(want.diagnosis === null ? 'ok' : 'broken');
      if (want.omits) expect(s?.omit, id).toContain(want.omits);
    }
    expect(byId.get('ns-loopback-down')?.expect.warn).toEqual(['ns.loopback-up']);
  });

  it.each(listScenarios().map((s) => [s.id, s] as const))('%s names valid steps and plans cleanly', (_id, s) => {
    if (s.expect.diagnosis) expect(DIAGNOSIS_STEP_IDS).toContain(s.expect.diagnosis);
    for (const o of s.omit) expect(BUILD_STEP_IDS).toContain(o);
    // The plan builds for the default names and for unusual ones.
    for (const opts of [{}, { prefix: 'ndtq', ns: 'c9', bridge: 'brz', vethHost: 'vh', vethNs: 'vc', uplink: 'up9', subnet: '10.5.7.0/24' }]) {
      const plan = buildPlan(labConfig(opts), s);
      for (const c of plan) for (const a of c.argv) expect(a, `${s.id}: ${c.argv.join(' ')}`).not.toMatch(/\{[A-Za-z]+\}/);
    }
    // A broken scenario really breaks something: it leaves a step out or adds commands.
    if (s.expect.diagnosis !== null) expect(s.omit.length + s.extra.length).toBeGreaterThan(0);
    // A diagnosed build step is left out (or replaced by a wrong extra), never built as usual.
    const { built } = selectSteps(s.omit);
    if (s.expect.diagnosis !== null && s.omit.length > 0) expect(built).not.toContain(s.omit[0]);
    expect(s.title).not.toMatch(/\n/);
  });

  it('findScenario finds by id and refuses unknown ones', () => {
    expect(findScenario('no-masquerade').expect.diagnosis).toBe('host.masquerade');
    expect(() => findScenario('no-such-scenario')).toThrow(UsageError);
    expect(() => findScenario('../etc/passwd')).toThrow(ScenarioError);
    expect(() => findScenario('Bad Id')).toThrow(/not a scenario id/);
  });
});

describe('parseScenario', () => {
  const good = {
    id: 'x',
    title: 'A title',
    story: 'A story',
    expect: { diagnosis: 'host.masquerade', warn: [], egress: 'broken' },
    omit: ['host.masquerade'],
    extra: [{ in: 'host', argv: ['iptables-nft', '-P', 'FORWARD', 'DROP'] }],
  };
  const bad = (patch: Record<string, unknown>) => ({ ...good, ...patch });

  it('accepts a well-formed scenario', () => {
    const s = parseScenario(good, 'x.json');
    expect(s.extra).toEqual(good.extra);
    expect(s.fixable).toBeUndefined();
    expect(s.needs).toEqual([]);
  });

  it('records what the extra commands need; a command in the container needs its namespace', () => {
    const s = parseScenario({ ...good, needs: ['ns.address'], extra: [{ in: 'ns', argv: ['ip', 'route'] }] }, 'x.json');
    expect(s.needs).toEqual(['ns.address', 'netns.exists']);
  });

  it.each([
    [bad({ colour: 'red' }), 'x.json: colour: unknown field'],
    [bad({ title: '' }), 'x.json: title: must be a non-empty string'],
    [bad({ title: 'two\nlines' }), 'x.json: title: must be one line'],
    [bad({ id: 'y' }), 'x.json: id: "y" must match the file name'],
    [bad({ expect: { diagnosis: 'host.masq', warn: [], egress: 'broken' } }), 'x.json: expect.diagnosis: "host.masq" is not a step id'],
    [bad({ expect: { diagnosis: null, warn: [], egress: 'broken' } }), 'x.json: expect.egress: "broken" contradicts'],
    [bad({ expect: { diagnosis: null, warn: ['nope'], egress: 'ok' } }), 'x.json: expect.warn[0]'],
    [bad({ expect: { diagnosis: null, egress: 'ok', extra: 1 } }), 'x.json: expect.extra: unknown field'],
    [bad({ omit: ['base'] }), 'x.json: omit[0]'],
    [bad({ omit: ['host.forward'] }), 'x.json: omit[0]: "host.forward" is not an omittable build step'],
    [bad({ extra: [{ in: 'root', argv: ['x'] }] }), 'x.json: extra[0].in'],
    [bad({ extra: [{ in: 'host', argv: [] }] }), 'x.json: extra[0].argv: must be a non-empty array'],
    [bad({ extra: [{ in: 'host', argv: 'iptables -P FORWARD DROP' }] }), 'x.json: extra[0].argv'],
    [bad({ extra: [{ in: 'host', argv: ['ip', '{bridgeName}'] }] }), 'x.json: extra[0].argv: unknown placeholder {bridgeName}'],
    [bad({ omit: ['netns.exists'], extra: [{ in: 'ns', argv: ['ip', 'link'] }] }), 'x.json: extra[0].in: "ns" but'],
    [bad({ fixable: 'yes' }), 'x.json: fixable'],
    [bad({ needs: 'veth.move' }), 'x.json: needs: must be an array'],
    [bad({ needs: ['ns.dns'] }), 'x.json: needs[0]: "ns.dns" is not a build step'],
    [bad({ omit: ['veth.exists'], needs: ['veth.move'] }), 'x.json: needs[0]: "veth.move" is not built by this scenario'],
    [[], 'x.json: (top level): must be a JSON object'],
  ])('refuses %j', (data, message) => {
    expect(() => parseScenario(data, 'x.json')).toThrow(ScenarioError);
    expect(() => parseScenario(data, 'x.json')).toThrow(message);
  });

  it('names the file when JSON is broken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nd-scen-'));
    writeFileSync(join(dir, 'broken.json'), '{ "id": ');
    expect(() => listScenarios(dir)).toThrow(/broken\.json: not valid JSON/);
  });
});
