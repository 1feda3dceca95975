// What the capture worker is told to open: the bridge (only the probe's own echo exchange),
// the uplink (anything to or from the target: NAT rewrites the source), and for the session's
// live path the host end of the veth, with the bridge's filter.
import { describe, expect, it } from 'vitest';
import { workerInterfaces } from '../../../src/system/capture/client.js';

const base = { bridge: 'brq', uplink: 'upq', nsAddress: '10.66.0.2', target: '198.51.100.8', echoId: 4242 };

describe('workerInterfaces', () => {
  it('bridge and uplink, as check uses them', () => {
    expect(workerInterfaces(base)).toEqual([
      { name: 'brq', role: 'bridge', filter: 'icmp and host 10.66.0.2 and host 198.51.100.8 and icmp[4:2] = 4242' },
      { name: 'upq', role: 'uplink', filter: 'icmp and host 198.51.100.8' },
    ]);
  });
  it('the veth too when given, filtered like the bridge', () => {
    const list = workerInterfaces({ ...base, veth: 'vhq' });
    expect(list.map((i) => [i.name, i.role])).toEqual([['brq', 'bridge'], ['vhq', 'veth'], ['upq', 'uplink']]);
    expect(list[1]!.filter).toBe(list[0]!.filter);
  });
  it("the host's other ways out, filtered like the uplink (replies may come back there)", () => {
    const list = workerInterfaces({ ...base, others: ['up2', 'upq', 'vpn0'] });
    expect(list.map((i) => [i.name, i.role])).toEqual([['brq', 'bridge'], ['upq', 'uplink'], ['up2', 'other-uplink'], ['vpn0', 'other-uplink']]);
    expect(list[2]!.filter).toBe('icmp and host 198.51.100.8');
    expect(() => workerInterfaces({ ...base, others: ['bad name'] })).toThrow(/bad interface name/);
  });
  it('refuses a bad veth name', () => {
    expect(() => workerInterfaces({ ...base, veth: '-x y' })).toThrow(/bad interface name/);
  });
});
