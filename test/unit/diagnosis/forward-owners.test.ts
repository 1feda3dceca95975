// host.forward on hosts whose firewall belongs to Docker, ufw or firewalld (recorded labs shaped
// like each tool's chains): the owner is named, ICMP-only holes are noticed, and the fix is the
// owner's own command, never a policy change.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import type { SavedSnapshot } from '../../../src/commands/check.js';
import type { Report, StepResult } from '../../../src/model/result.js';

function load(id: string): SavedSnapshot {
  return JSON.parse(readFileSync(new URL(`../../fixtures/snapshots/${id}.json`, import.meta.url), 'utf8')) as SavedSnapshot;
}
const forward = (r: Report): StepResult => r.steps.find((s) => s.id === 'host.forward')!;
const lines = (cmds: string[][] | undefined) => (cmds ?? []).map((c) => c.join(' '));

describe('ufw-forward-drop', () => {
  const saved = load('ufw-forward-drop');
  const report = diagnose(saved.snapshot, saved.ping);
  const s = forward(report);

  it('ping works, yet TCP 443 and UDP 53 are named as dropped by ufw\'s policy, and stay the diagnosis', () => {
    expect(report.egress).toBe('ok');
    expect(s.status).toBe('fail');
    expect(report.diagnosis?.step).toBe('host.forward');
    expect(s.summary).toMatch(/^the ping gets through, but tcp port 443 and udp port 53 from 10\.77\.0\.2 do not: the iptables-nft filter FORWARD chain \(ufw's\) drops it by policy$/);
    const ev = s.evidence.join('\n');
    expect(ev).toMatch(/out .*: accept by rule "-A ufw-before-forward -p icmp -m icmp --icmp-type 8 -j ACCEPT"/);
    expect(ev).toMatch(/^tcp 443 out: iptables-nft ip filter FORWARD: policy drop$/m);
    expect(ev).toMatch(/^owner: ufw \(its chains here: .*ufw-before-forward/m);
  });

  it('fixes with `ufw route allow`, marked as not installed here, never touching iptables directly', () => {
    expect(lines(s.fix?.commands)).toEqual(['ip netns exec ndrec-host ufw route allow in on brlab out on up0 from 10.77.0.0/16']);
    expect(lines(s.fix?.undo)).toEqual(['ip netns exec ndrec-host ufw route delete allow in on brlab out on up0 from 10.77.0.0/16']);
    expect(s.fix?.notes?.[0]).toMatch(/^ufw is not installed here/);
  });

  it('with ufw installed, no such note', () => {
    const snap = structuredClone(saved.snapshot);
    snap.host.tools = { ufw: true, 'firewall-cmd': false, docker: false };
    const f = forward(diagnose(snap, saved.ping)).fix!;
    expect(f.notes?.some((n) => /not installed/.test(n))).toBe(false);
  });
});

describe('firewalld-forward-reject', () => {
  const saved = load('firewalld-forward-reject');
  const report = diagnose(saved.snapshot, saved.ping);
  const s = forward(report);

  it('names firewalld\'s final reject for TCP and UDP, while ICMP is accepted into the zone', () => {
    expect(report.diagnosis?.step).toBe('host.forward');
    expect(s.summary).toMatch(/a rule in nft firewalld filter_FORWARD \(firewalld's\) rejects it/);
    const ev = s.evidence.join('\n');
    expect(ev).toMatch(/accept by rule "meta l4proto \{ icmp, ipv6-icmp \} accept" \(via filter_FORWARD -> filter_FORWARD_IN_ZONES -> filter_FWDI_public\)/);
    expect(ev).toMatch(/^tcp 443 out: nft inet firewalld filter_FORWARD: reject by rule "reject with icmpx admin-prohibited"/m);
  });

  it('fixes by zone with firewall-cmd', () => {
    expect(lines(s.fix?.commands)).toEqual(['ip netns exec ndrec-host firewall-cmd --zone=trusted --add-interface=brlab']);
    expect(lines(s.fix?.undo)).toEqual(['ip netns exec ndrec-host firewall-cmd --zone=trusted --remove-interface=brlab']);
  });
});

describe('docker-legacy-forward-drop', () => {
  const saved = load('docker-legacy-forward-drop');
  const s = forward(diagnose(saved.snapshot, saved.ping));

  it('names Docker\'s legacy policy and fixes in the legacy DOCKER-USER', () => {
    expect(s.summary).toBe('forwarded traffic from 10.77.0.2 is dropped: the iptables-legacy filter FORWARD chain (Docker\'s) drops it by policy');
    expect(lines(s.fix?.commands).every((l) => l.startsWith('ip netns exec ndrec-host iptables-legacy -I DOCKER-USER '))).toBe(true);
    expect(lines(s.fix?.commands).some((l) => / -P /.test(l))).toBe(false);
  });
});

describe('no fix ever changes a policy', () => {
  for (const id of ['ufw-forward-drop', 'firewalld-forward-reject', 'docker-legacy-forward-drop', 'docker-forward-drop', 'forward-policy-drop', 'nft-forward-policy-drop']) {
    it(id, () => {
      const saved = load(id);
      const all = diagnose(saved.snapshot, saved.ping).steps.flatMap((st) => lines(st.fix?.commands));
      expect(all.some((l) => / -P | policy /.test(l))).toBe(false);
    });
  }
});
