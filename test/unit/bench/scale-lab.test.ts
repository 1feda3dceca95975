// The scale bench's extra containers: names inside the lab's prefix, addresses inside the lab's
// subnet that never collide with the bridge, the lab's own container or each other.
import { describe, expect, it } from 'vitest';
import { extraContainer } from '../../../bench/lib/scale-lab.js';

const lab = { prefix: 'ndbabcwxyz', addresses: { subnet: '10.123.0.0/16' } } as Parameters<typeof extraContainer>[0];

describe('extraContainer', () => {
  it('names the namespace inside the lab prefix and keeps interface names short', () => {
    const c = extraContainer(lab, 200);
    expect(c.ns).toBe('ndbabcwxyz-s200');
    expect(c.vethHost).toBe('vs200');
    expect(c.vethHost.length).toBeLessThanOrEqual(15);
  });

  it('gives distinct addresses past the first 256 of the subnet', () => {
    const cidrs = Array.from({ length: 200 }, (_, i) => extraContainer(lab, i + 1).cidr);
    expect(new Set(cidrs).size).toBe(200);
    expect(cidrs[0]).toBe('10.123.1.1/16');
    expect(cidrs[199]).toBe('10.123.1.200/16');
    for (const c of cidrs) expect(c).toMatch(/^10\.123\.\d+\.\d+\/16$/);
  });

  it('refuses a subnet too small for the containers asked for', () => {
    expect(() => extraContainer({ ...lab, addresses: { subnet: '10.1.2.0/24' } } as typeof lab, 1)).toThrow(/too small/);
  });
});
