import { describe, expect, it } from 'vitest';
import { storyLegend } from '../../../src/lab/story-legend.js';
import { labConfig } from '../../../src/lab/topology.js';

describe('storyLegend', () => {
  it('maps every tutorial name a custom lab calls otherwise, and only those', () => {
    const c = labConfig({ prefix: 'zq5', ns: 'appbox', bridge: 'lanbr9', uplink: 'wan7', subnet: '10.77.3.0/24' });
    const legend = storyLegend(c.names, c.addresses)!;
    expect(legend).toContain(`ns0 is ${c.names.containerNs}`);
    expect(legend).toContain('br0 is lanbr9');
    expect(legend).toContain('eth0 is wan7');
    expect(legend).toContain('192.168.0.0/16 is 10.77.3.0/24');
    expect(legend).toContain(`192.168.0.1 is ${c.addresses.bridgeIp}`);
    expect(legend).toContain(`192.168.0.2 is ${c.addresses.nsIp}`);
    expect(legend).not.toMatch(/veth0 is veth0|ceth0 is ceth0/);
  });

  it('says nothing about names the lab shares with the tutorial', () => {
    const c = labConfig({ prefix: 'zq6' });
    const legend = storyLegend(c.names, c.addresses) ?? '';
    expect(legend).not.toMatch(/br0 is|192\.168\.0\.2 is|eth0 is/);
    // Only the namespace differs: the lab's real namespace name carries its prefix.
    expect(storyLegend({ ...c.names, containerNs: 'ns0' }, c.addresses)).toBeNull();
  });
});
