// path.mtu from recorded lab snapshots (record.sh): the blackhole lab and the healthy one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import type { SavedSnapshot } from '../../../src/commands/check.js';
import type { MtuProbeResult, StepResult } from '../../../src/model/result.js';

function load(id: string): SavedSnapshot {
  return JSON.parse(readFileSync(new URL(`../../fixtures/snapshots/${id}.json`, import.meta.url), 'utf8')) as SavedSnapshot;
}
function mtuStep(saved: SavedSnapshot, mtu: MtuProbeResult | null | undefined = saved.mtu): StepResult {
  return diagnose(saved.snapshot, saved.ping, saved.dns ?? null, mtu ?? null).steps.find((s) => s.id === 'path.mtu')!;
}

describe('path.mtu', () => {
  it('path-mtu-blackhole: warns with the working size, names the blackhole, lowers the namespace MTU', () => {
    const saved = load('path-mtu-blackhole');
    const s = mtuStep(saved);
    expect(s.status).toBe('warn');
    expect(s.summary).toBe('the path to 198.51.100.8 carries packets of 1400 bytes but not 1500, the links\' MTU, and nobody says so (no ICMP "fragmentation needed": a PMTU blackhole): full-size packets are lost');
    expect(s.evidence.join('\n')).toMatch(/1500: no answer, .*1400: answered/);
    expect(s.fix?.commands.map((c) => c.join(' '))).toEqual(['ip -n ndrec-ct link set dev vc0 mtu 1400']);
    expect(s.fix?.undo.map((c) => c.join(' '))).toEqual(['ip -n ndrec-ct link set dev vc0 mtu 1500']);
    expect(saved.mtu?.workingMtu).toBe(1400);
  });

  it('healthy: full-size don\'t-fragment pings get through', () => {
    const s = mtuStep(load('healthy'));
    expect(s.status).toBe('pass');
    expect(s.summary).toBe('1500-byte packets get through with don\'t-fragment set');
  });

  it('a router that announces the MTU is named, and that is no blackhole', () => {
    const saved = load('path-mtu-blackhole');
    const s = mtuStep(saved, { ...saved.mtu!, reportedMtu: 1400 });
    expect(s.summary).not.toMatch(/blackhole/);
    expect(s.evidence).toContain('a router announced mtu = 1400 (ICMP fragmentation needed)');
  });

  it('not probed (no ping, or --no-probe): skip, never a guess', () => {
    const saved = load('path-mtu-blackhole');
    expect(diagnose(saved.snapshot, null).steps.find((x) => x.id === 'path.mtu')!.status).toBe('skip');
    expect(mtuStep(load('no-masquerade'), null).summary).toMatch(/measured once a plain ping gets through/);
  });
});
