// Where the session's capture looks, from a recorded diagnosis: the bridge, both veth ends,
// the uplink and the namespace's own address; and why there is nothing to follow otherwise.
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import type { Diagnosed } from '../../../src/diagnosis/run-diagnosis.js';
import { captureDisabled, pathWhere } from '../../../src/session/capture.js';
import { loadSnapshot } from '../../ui/fake-actions.js';

function diagnosed(id: string): Diagnosed {
  const { snapshot, ping } = loadSnapshot(id);
  return { snapshot, ping, dns: null, mtu: null, report: diagnose(snapshot, ping ?? null) };
}

describe('the session capture: where the path runs', () => {
  it('from the diagnosis: names, the private address, the passive diagnosis', () => {
    const d = diagnosed('no-masquerade');
    const input = d.snapshot.input;
    const where = pathWhere(d, input);
    expect(where).toMatchObject({ ns: input.ns, bridge: expect.any(String), passive: 'host.masquerade', target: input.target });
    if (typeof where === 'string') throw new Error(where);
    expect(where.nsAddress).toMatch(/^10\.77\.0\./);
    expect(where.hostVeth).toBeTruthy();
    expect(where.nsVeth).toBeTruthy();
    expect(where.uplink).toBeTruthy();
  });

  it('nothing to follow: before the check finished, or with no namespace', () => {
    const d = diagnosed('no-masquerade');
    expect(pathWhere(null, d.snapshot.input)).toBe('the check has not finished yet');
    const gone = diagnosed('no-netns');
    expect(pathWhere(gone, gone.snapshot.input)).toMatch(/does not exist/);
  });

  it('off with --no-probe or --no-capture', () => {
    expect(captureDisabled(true, true)).toBeNull();
    expect(captureDisabled(false, true)).toMatch(/--no-probe/);
    expect(captureDisabled(true, false)).toMatch(/--no-capture/);
  });
});
