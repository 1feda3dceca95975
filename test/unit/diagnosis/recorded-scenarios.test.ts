// Every scenario's recorded snapshot (test/fixtures/snapshots, from record.sh) judged by the
// pure checks: no kernel, no root, milliseconds. The same expectations as the real-lab suite.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import { listScenarios } from '../../../src/lab/scenario.js';
import type { SavedSnapshot } from '../../../src/commands/check.js';
import type { Report, StepResult } from '../../../src/model/result.js';

function load(id: string): SavedSnapshot {
  return JSON.parse(readFileSync(new URL(`../../fixtures/snapshots/${id}.json`, import.meta.url), 'utf8')) as SavedSnapshot;
}

function judge(id: string, opts: { probe?: boolean } = {}): Report {
  const saved = load(id);
  return opts.probe === false ? diagnose(saved.snapshot, null) : diagnose(saved.snapshot, saved.ping, saved.dns ?? null, saved.mtu ?? null);
}

const step = (r: Report, id: string): StepResult => r.steps.find((s) => s.id === id)!;
const argvLines = (s: StepResult) => (s.fix?.commands ?? []).map((c) => c.join(' '));

describe('recorded scenarios', () => {
  for (const scenario of listScenarios()) {
    it(`${scenario.id} -> ${scenario.expect.diagnosis ?? 'healthy'}`, () => {
      const report = judge(scenario.id);
      expect(report.diagnosis?.step ?? null).toBe(scenario.expect.diagnosis);
      expect(report.egress).toBe(scenario.expect.egress);
      for (const w of scenario.expect.warn) expect(step(report, w).status).toBe('warn');
      // No false alarms: every warning is one the scenario announces.
      expect(report.steps.filter((s) => s.status === 'warn' && !scenario.expect.warn.includes(s.id)).map((s) => `${s.id}: ${s.summary}`)).toEqual([]);
      // Without the probe, the passive steps alone still name the same fault (one only the
      // probe proves is a warning then).
      const passive = judge(scenario.id, { probe: false });
      expect(passive.egress).toBe('unknown');
      expect(step(passive, 'egress.ping').status).toBe('skip');
      if (scenario.diagnosedByProbe) {
        expect(passive.diagnosis).toBeNull();
        expect(step(passive, scenario.expect.diagnosis!).status).toBe('warn');
      } else expect(passive.diagnosis?.step ?? null).toBe(scenario.expect.diagnosis);
      // Every failing step that has a fix carries an undo, or says how to undo it.
      for (const s of passive.steps.filter((x) => x.fix)) {
        expect(s.fix!.commands.length).toBeGreaterThan(0);
        expect(s.fix!.undo.length + (s.fix!.notes?.length ?? 0)).toBeGreaterThan(0);
      }
    });
  }
});

describe('evidence and fixes name the real cause (lab names: brlab, vh0/vc0, up0, 10.77.0.0/16)', () => {
  it('no-masquerade: says no rule exists anywhere, fixes it scoped to the subnet and the uplink', () => {
    const s = step(judge('no-masquerade'), 'host.masquerade');
    expect(s.status).toBe('fail');
    expect(s.evidence.join('\n')).toMatch(/no MASQUERADE or SNAT rule in iptables-nft, iptables-legacy or nftables/);
    expect(argvLines(s)).toEqual([
      'ip netns exec ndrec-host iptables-nft -t nat -I POSTROUTING -s 10.77.0.0/16 -o up0 -m comment --comment netdoctor -j MASQUERADE',
    ]);
    expect(s.fix!.undo.map((c) => c.join(' '))).toEqual([
      'ip netns exec ndrec-host iptables-nft -t nat -D POSTROUTING -s 10.77.0.0/16 -o up0 -m comment --comment netdoctor -j MASQUERADE',
    ]);
  });

  it('masquerade-other-subnet: the rule exists but the evidence says its source does not match', () => {
    const s = step(judge('masquerade-other-subnet'), 'host.masquerade');
    expect(s.status).toBe('fail');
    expect(s.evidence.join('\n')).toMatch(/does not apply: .*MASQUERADE.*source 10\.77\.0\.2 is not in/);
  });

  it('masquerade-wrong-interface: the evidence says which interface the rule wants', () => {
    const s = step(judge('masquerade-wrong-interface'), 'host.masquerade');
    expect(s.evidence.join('\n')).toMatch(/leaves via up0, rule wants -o \S+/);
  });

  it('nft-masquerade and legacy-masquerade: found in the backend that holds them', () => {
    expect(step(judge('nft-masquerade'), 'host.masquerade').evidence[0]).toMatch(/^applies: nft (ip|inet) \S+ postrouting/);
    expect(step(judge('legacy-masquerade'), 'host.masquerade').evidence[0]).toMatch(/^applies: iptables-legacy ip nat POSTROUTING/);
  });

  it('docker-forward-drop: names Docker\'s policy and fixes in DOCKER-USER, never the policy', () => {
    const s = step(judge('docker-forward-drop'), 'host.forward');
    expect(s.summary).toMatch(/FORWARD chain \(Docker's\) drops it by policy/);
    expect(argvLines(s).every((l) => l.includes(' -I DOCKER-USER '))).toBe(true);
    expect(argvLines(s).some((l) => / -P /.test(l))).toBe(false);
    expect(argvLines(s).join('\n')).toMatch(/--ctstate RELATED,ESTABLISHED/);
  });

  it('nft-accept-does-not-override-drop: shows the accept in one table and the drop in the other', () => {
    const s = step(judge('nft-accept-does-not-override-drop'), 'host.forward');
    const ev = s.evidence.join('\n');
    expect(ev).toMatch(/out .*: nft inet \S+ forward: accept by rule/);
    expect(ev).toMatch(/out .*: nft inet \S+ forward: policy drop/);
    expect(argvLines(s)[0]).toMatch(/^ip netns exec ndrec-host nft insert rule inet \S+ forward iifname "brlab" oifname "up0" ip saddr 10\.77\.0\.0\/16 accept comment "netdoctor"$/);
  });

  it('forward-reject-rule: names the REJECT rule', () => {
    const s = step(judge('forward-reject-rule'), 'host.forward');
    expect(s.summary).toMatch(/a rule in iptables-nft filter FORWARD rejects it/);
    expect(s.evidence.join('\n')).toMatch(/reject by rule "-A FORWARD -s 10\.77\.0\.0\/16 -j REJECT/);
  });

  it('forward-drop-with-accepts: the explicit accepts are honoured both ways', () => {
    const s = step(judge('forward-drop-with-accepts'), 'host.forward');
    expect(s.status).toBe('pass');
    expect(s.evidence.join('\n')).toMatch(/reply .*accept by rule .*RELATED,ESTABLISHED/);
  });

  it('veth-not-moved: says the namespace end was left on the host and moves it', () => {
    const s = step(judge('veth-not-moved'), 'veth.exists');
    expect(s.summary).toMatch(/both ends are on the host: vc0 was never moved into ndrec-ct/);
    expect(argvLines(s)).toEqual(['ip -n ndrec-host link set dev vc0 netns ndrec-ct']);
  });

  it('no-veth: creates a pair with free names and moves one end', () => {
    const s = step(judge('no-veth'), 'veth.exists');
    expect(argvLines(s)).toEqual(['ip -n ndrec-host link add name veth0 type veth peer name ceth0', 'ip -n ndrec-host link set dev ceth0 netns ndrec-ct']);
  });

  it('veth-not-attached: the bridge is found through the subnet, and the fix attaches to it', () => {
    const r = judge('veth-not-attached');
    expect(r.target.bridge).toBe('brlab');
    expect(step(r, 'bridge.exists').evidence.join('\n')).toMatch(/its subnet holds the namespace's address/);
    expect(argvLines(step(r, 'veth.attached'))).toEqual(['ip -n ndrec-host link set dev vh0 master brlab']);
  });

  it('wrong-gateway: names the wrong gateway and the bridge address, and replaces the route', () => {
    const s = step(judge('wrong-gateway'), 'ns.default-route');
    expect(s.summary).toMatch(/default route goes via 10\.77\.\d+\.\d+, but the gateway is the bridge, 10\.77\.0\.1/);
    expect(argvLines(s)).toEqual(['ip -n ndrec-ct route replace default via 10.77.0.1 dev vc0']);
  });

  it('no-default-route: the namespace side says "Network is unreachable"', () => {
    const s = step(judge('no-default-route'), 'ns.default-route');
    expect(s.evidence.join('\n')).toMatch(/Network is unreachable/);
  });

  it('ns-address-outside-subnet: says so and offers a free address in the bridge subnet', () => {
    const s = step(judge('ns-address-outside-subnet'), 'ns.address');
    expect(s.summary).toMatch(/outside brlab's subnet 10\.77\.0\.0\/16/);
    expect(argvLines(s)).toEqual(['ip -n ndrec-ct addr add 10.77.0.2/16 dev vc0']);
  });

  it('bridge-no-address: gives the bridge the first free address of the namespace subnet', () => {
    expect(argvLines(step(judge('bridge-no-address'), 'bridge.address'))).toEqual(['ip -n ndrec-host addr add 10.77.0.1/16 dev brlab']);
  });

  it('ip-forward-off: reads the sysctl and the kernel\'s own forwarding decision', () => {
    const s = step(judge('ip-forward-off'), 'host.ip-forward');
    expect(s.evidence).toContain('net.ipv4.ip_forward = 0');
    expect(s.evidence.join('\n')).toMatch(/ip route get 198\.51\.100\.8 from 10\.77\.0\.2 iif brlab: No route to host/);
    expect(argvLines(s)).toEqual(['ip netns exec ndrec-host sysctl -w net.ipv4.ip_forward=1']);
  });

  it('host-no-route: no uplink, and the NAT and FORWARD steps that need it are skipped, not failed', () => {
    const r = judge('host-no-route');
    expect(step(r, 'host.uplink').status).toBe('fail');
    expect(step(r, 'host.forward').status).toBe('skip');
    expect(step(r, 'host.masquerade').status).toBe('skip');
  });

  it('no-netns: every namespace-side step is skipped, host-side steps are still judged', () => {
    const r = judge('no-netns');
    expect(step(r, 'netns.exists').status).toBe('fail');
    for (const id of ['veth.exists', 'veth.attached', 'ns.address', 'ns.default-route', 'ns.dns']) expect(step(r, id).status).toBe('skip');
    expect(step(r, 'bridge.exists').status).toBe('pass');
    expect(step(r, 'host.ip-forward').status).toBe('pass');
    expect(argvLines(step(r, 'netns.exists'))).toEqual(['ip netns add ndrec-ct']);
  });
});

describe('the probe is ground truth', () => {
  it('a failing step is downgraded to warn when the ping got through anyway', () => {
    const saved = load('no-masquerade');
    const report = diagnose(saved.snapshot, { ...saved.ping!, received: 2 });
    expect(report.egress).toBe('ok');
    expect(report.diagnosis).toBeNull();
    expect(step(report, 'host.masquerade').status).toBe('warn');
  });

  it('every step passing but no reply: the diagnosis is egress.ping, pointing beyond the host', () => {
    const saved = load('healthy');
    const report = diagnose(saved.snapshot, { ...saved.ping!, received: 0 });
    expect(report.diagnosis?.step).toBe('egress.ping');
    expect(report.diagnosis?.summary).toMatch(/every step netdoctor checks passes/);
  });
});

describe('a check that throws becomes an error result, not a crashed run', () => {
  it('garbled netfilter facts: host.forward and host.masquerade are errors, the rest still judged', () => {
    const saved = load('healthy');
    const broken = structuredClone(saved.snapshot);
    (broken.host as unknown as { netfilter: unknown }).netfilter = null;
    const report = diagnose(broken, saved.ping);
    expect(step(report, 'host.forward').status).toBe('error');
    expect(step(report, 'host.masquerade').status).toBe('error');
    expect(step(report, 'host.ip-forward').status).toBe('pass');
    expect(report.diagnosis).toBeNull();
  });
});

describe('later steps are still judged when the namespace has no usable address (found by the fault hunt)', () => {
  it('ns-address-outside-subnet: masquerade and forward are judged for the address the fix gives, so they pass', () => {
    const r = judge('ns-address-outside-subnet', { probe: false });
    for (const id of ['host.masquerade', 'host.forward']) {
      const s = step(r, id);
      expect(s.status, `${id}: ${s.summary}`).toBe('pass');
      expect(s.evidence.join('\n')).toMatch(/judged for 10\.77\.\d+\.\d+: .* has no address in brlab's subnet yet/);
    }
  });

  it('no-veth: masquerade is still judged (an address in the bridge subnet), not skipped', () => {
    expect(step(judge('no-veth', { probe: false }), 'host.masquerade').status).toBe('pass');
  });

  it('bridge-no-address: the default route cannot be judged without the gateway address, so it is skipped by prerequisite', () => {
    const s = step(judge('bridge-no-address', { probe: false }), 'ns.default-route');
    expect(s.status).toBe('skip');
    expect(s.summary).toMatch(/needs bridge.address/);
  });

  it('no-netns: the ping step is skipped (no namespace to ping from) and egress is broken', () => {
    const r = judge('no-netns');
    expect(step(r, 'egress.ping').status).toBe('skip');
    expect(r.egress).toBe('broken');
  });
});

describe('unreadable is not absent (found by the load test)', () => {
  it('a namespace that exists but could not be read is an error, never "there is no namespace"', () => {
    const saved = load('healthy');
    const snap = { ...saved.snapshot, container: null, nsIdentity: null, containerError: 'ip -n x -j -d addr show: timed out' };
    const r = diagnose(snap, null);
    expect(step(r, 'netns.exists').status).toBe('error');
    expect(step(r, 'netns.exists').summary).toMatch(/exists but could not be read: .*timed out/);
    expect(r.diagnosis).toBeNull();
  });

  it('a firewall backend that timed out turns a pass that depends on it into an error, but a drop it did see stays a fail', () => {
    const timedOut = (id: string) => {
      const saved = load(id);
      const host = { ...saved.snapshot.host, netfilterSources: saved.snapshot.host.netfilterSources.map((s) => (s.source === 'nft' ? { ...s, status: 'error' as const, detail: 'nft: timed out' } : s)) };
      return diagnose({ ...saved.snapshot, host }, null);
    };
    expect(step(timedOut('healthy'), 'host.forward').status).toBe('error');
    expect(step(timedOut('healthy'), 'host.masquerade').status).toBe('pass');
    expect(step(timedOut('no-masquerade'), 'host.masquerade').status).toBe('error');
    expect(step(timedOut('forward-policy-drop'), 'host.forward').status).toBe('fail');
  });
});

describe('explanations name the namespace as it is', () => {
  it('host.masquerade explains with the namespace\'s real source address and subnet, not the tutorial\'s', () => {
    const report = judge('no-masquerade');
    const s = step(report, 'host.masquerade');
    expect(s.explanation).toContain('source 10.77.0.2,');
    expect(s.explanation).toMatch(/-s 10\.77\.0\.0\/\d+ -j MASQUERADE/);
    expect(s.explanation).not.toContain('192.168.0.');
  });
});
