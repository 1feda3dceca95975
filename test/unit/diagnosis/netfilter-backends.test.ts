// host.netfilter-backends from recorded lab snapshots (record.sh): names which backend holds what.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import type { SavedSnapshot } from '../../../src/commands/check.js';
import type { StepResult } from '../../../src/model/result.js';

function stepOf(id: string, stepId: string): StepResult {
  const saved = JSON.parse(readFileSync(new URL(`../../fixtures/snapshots/${id}.json`, import.meta.url), 'utf8')) as SavedSnapshot;
  return diagnose(saved.snapshot, saved.ping).steps.find((s) => s.id === stepId)!;
}

describe('host.netfilter-backends', () => {
  it('iptables-legacy-and-nft: warns and shows the legacy FORWARD rules and the nft-side MASQUERADE', () => {
    const s = stepOf('iptables-legacy-and-nft', 'host.netfilter-backends');
    expect(s.status).toBe('warn');
    expect(s.summary).toMatch(/both iptables-legacy and iptables-nft/);
    const ev = s.evidence.join('\n');
    expect(ev).toMatch(/^iptables-legacy: 2 rules in 1 chain$/m);
    expect(ev).toMatch(/^iptables-legacy ip filter FORWARD: 2 rules: "-A FORWARD -s 10\.77\.0\.0\/16 -i brlab -o up0 -j ACCEPT"/m);
    expect(ev).toMatch(/^iptables-nft ip nat POSTROUTING: 1 rule: "-A POSTROUTING -s 10\.77\.0\.0\/16 -j MASQUERADE"$/m);
    expect(s.fix).toBeNull();
  });

  it('a MASQUERADE only in iptables-legacy, or only in native nft, is no split', () => {
    const legacy = stepOf('legacy-masquerade', 'host.netfilter-backends');
    expect(legacy.status).toBe('pass');
    expect(legacy.summary).toBe('rules live only in iptables-legacy');
    const nft = stepOf('nft-masquerade', 'host.netfilter-backends');
    expect(nft.status).toBe('pass');
    expect(nft.summary).toBe('rules live only in nft');
  });

  it('the healthy lab: only iptables-nft', () => {
    expect(stepOf('healthy', 'host.netfilter-backends').summary).toBe('rules live only in iptables-nft');
  });

  it("netdoctor's own trace table (another check tracing, or one left by a killed netdoctor) is nobody's rules", () => {
    const saved = JSON.parse(readFileSync(new URL('../../fixtures/snapshots/healthy.json', import.meta.url), 'utf8')) as SavedSnapshot;
    saved.snapshot.host.netfilter.tables.push({
      backend: 'nft',
      family: 'ip',
      name: 'netdoctor-trace-4242-1',
      chains: [{ name: 'trace-prerouting', hook: 'prerouting', type: 'filter', priority: -350, policy: 'accept', rules: [{ text: 'ip saddr 192.168.0.2 meta nftrace set 1', matches: [], verdict: { kind: 'continue' } } as never] }],
    });
    const step = diagnose(saved.snapshot, saved.ping).steps.find((s) => s.id === 'host.netfilter-backends')!;
    expect(step.summary).toBe('rules live only in iptables-nft');
  });
});
