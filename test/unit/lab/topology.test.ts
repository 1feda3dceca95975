import { describe, expect, it } from 'vitest';
import ipaddr from 'ipaddr.js';
import {
  BUILD_STEP_DEPS,
  BUILD_STEP_IDS,
  EXTRA_FIRST_STAGE,
  PLACEHOLDER_NAMES,
  buildPlan,
  buildSteps,
  checkArgv,
  commandArgv,
  labAddresses,
  labConfig,
  placeholderValues,
  selectSteps,
  substitute,
  unknownPlaceholders,
  type LabCommand,
} from '../../../src/lab/topology.js';
import { UsageError } from '../../../src/validate.js';

const stepsOf = (plan: LabCommand[]) => [...new Set(plan.map((c) => c.step))];

describe('labConfig', () => {
  it('uses the tutorial names inside namespaces of its own', () => {
    const c = labConfig();
    expect(c.names).toMatchObject({
      prefix: 'nd',
      hostNs: 'nd-host',
      inetNs: 'nd-inet',
      containerNs: 'nd-ns0',
      bridge: 'br0',
      vethHost: 'veth0',
      vethNs: 'ceth0',
      uplink: 'eth0',
    });
    expect(c.addresses).toMatchObject({
      subnet: '192.168.0.0/16',
      prefixLen: 16,
      bridgeIp: '192.168.0.1',
      bridgeCidr: '192.168.0.1/16',
      nsIp: '192.168.0.2',
      nsCidr: '192.168.0.2/16',
      uplinkCidr: '203.0.113.2/24',
      gateway: '203.0.113.1',
      target: '198.51.100.8',
    });
  });

  it('takes overrides and normalizes host bits in the subnet', () => {
    const c = labConfig({ prefix: 'ndtx', ns: 'c1', bridge: 'brx7', vethHost: 'vh1', vethNs: 'vc1', uplink: 'wanq2', subnet: '10.77.3.9/16' });
    expect(c.names.containerNs).toBe('ndtx-c1');
    expect(c.addresses.subnet).toBe('10.77.0.0/16');
    expect(c.addresses.bridgeCidr).toBe('10.77.0.1/16');
    expect(c.addresses.nsCidr).toBe('10.77.0.2/16');
  });

  it.each([
    [{ prefix: 'a b' }, /--prefix/],
    [{ prefix: '-x' }, /--prefix/],
    [{ prefix: 'x'.repeat(40) }, /--prefix/],
    [{ ns: 'ns/0' }, /--ns/],
    [{ ns: 'host' }, /--ns host/],
    [{ ns: 'inet' }, /--ns inet/],
    [{ bridge: 'a-very-long-bridge-name' }, /--bridge.*15 bytes/],
    [{ bridge: 'br:0' }, /--bridge/],
    [{ uplink: '-eth0' }, /--uplink/],
    [{ vethHost: 'br0' }, /--veth-host br0: same name as --bridge/],
    [{ vethNs: 'eth0' }, /--uplink eth0: same name as --veth-ns/],
    [{ vethNs: 'lo' }, /--veth-ns lo/],
  ])('refuses bad names %j', (opts, message) => {
    expect(() => labConfig(opts)).toThrow(UsageError);
    expect(() => labConfig(opts)).toThrow(message);
  });
});

describe('labAddresses', () => {
  it.each([
    ['not-a-cidr', /not an IPv4 CIDR/],
    ['10.0.0.0/30', /prefix length/],
    ['10.0.0.0/4', /prefix length/],
    ['203.0.113.0/25', /overlaps 203\.0\.113\.0\/24/],
    ['198.51.0.0/16', /overlaps 198\.51\.100\.0\/24/],
    ['127.0.0.0/8', /loopback/],
    ['224.1.0.0/16', /multicast/],
    ['169.254.0.0/16', /linkLocal/],
  ])('refuses %s', (subnet, message) => {
    expect(() => labAddresses(subnet)).toThrow(UsageError);
    expect(() => labAddresses(subnet)).toThrow(message);
  });

  it.each(['192.168.0.0/16', '10.0.0.0/8', '10.0.5.0/24', '172.16.0.0/12', '192.168.0.0/29', '100.64.0.0/10'])(
    'derives consistent addresses for %s',
    (subnet) => {
      const a = labAddresses(subnet);
      const net = ipaddr.IPv4.parseCIDR(a.subnet);
      const inSubnet = (ip: string) => ipaddr.IPv4.parse(ip).match(net);
      expect(inSubnet(a.bridgeIp)).toBe(true);
      expect(inSubnet(a.nsIp)).toBe(true);
      expect(inSubnet(a.wrongGateway)).toBe(true);
      expect(new Set([a.bridgeIp, a.nsIp, a.wrongGateway]).size).toBe(3);
      // Not the network or broadcast address.
      expect(a.wrongGateway).not.toBe(ipaddr.IPv4.broadcastAddressFromCIDR(a.subnet).toString());
      // The deliberately wrong values really are outside the lab subnet and the documentation ranges.
      const other = ipaddr.IPv4.parseCIDR(a.otherSubnet);
      expect(other[1]).toBe(16);
      for (const cidr of [a.subnet, '203.0.113.0/24', '198.51.100.0/24']) {
        const [base, len] = ipaddr.IPv4.parseCIDR(cidr);
        expect(base.match(other[0], Math.min(len, other[1]))).toBe(false);
      }
      const outside = a.outsideCidr.split('/')[0] ?? '';
      expect(inSubnet(outside)).toBe(false);
      expect(ipaddr.IPv4.parse(outside).match(other)).toBe(true);
    },
  );
});

describe('selectSteps', () => {
  it('builds everything for a healthy lab, in dependency order', () => {
    const { built, skipped } = selectSteps([]);
    expect(built).toEqual([...BUILD_STEP_IDS]);
    expect(skipped).toEqual([]);
    for (const [i, id] of built.entries()) {
      for (const dep of BUILD_STEP_DEPS[id]) expect(built.indexOf(dep)).toBeLessThan(i);
    }
  });

  it('skips every step that depends on an omitted one, transitively', () => {
    const { built, skipped } = selectSteps(['veth.exists']);
    const gone = skipped.map((s) => s.id);
    expect(gone).toEqual(['veth.exists', 'veth.move', 'veth.attached', 'veth.up', 'ns.link-up', 'ns.address', 'ns.default-route']);
    expect(skipped.every((s) => s.because === 'veth.exists')).toBe(true);
    expect(built).toContain('ns.loopback-up');
    expect(built).toContain('host.masquerade');
  });

  it('a down link takes the default route with it (the kernel needs the connected route)', () => {
    expect(selectSteps(['ns.link-up']).skipped.map((s) => s.id)).toEqual(['ns.link-up', 'ns.default-route']);
  });

  it('no container namespace: nothing is moved or configured inside it', () => {
    const gone = selectSteps(['netns.exists']).skipped.map((s) => s.id);
    expect(gone).toEqual(['netns.exists', 'veth.move', 'ns.link-up', 'ns.loopback-up', 'ns.address', 'ns.default-route']);
  });

  it('refuses unknown steps and "base"', () => {
    expect(() => selectSteps(['bridge.exist'])).toThrow(/not a build step/);
    expect(() => selectSteps(['base'])).toThrow(/cannot be omitted/);
  });
});

describe('buildPlan', () => {
  const config = labConfig({ prefix: 'ndt1', bridge: 'brx7', uplink: 'wanq2', subnet: '10.77.0.0/16' });

  it('runs the tutorial commands in the lab namespaces only', () => {
    const plan = buildPlan(config, { omit: [], extra: [] });
    const labNs = new Set([config.names.hostNs, config.names.inetNs, config.names.containerNs]);
    for (const c of plan) {
      if (c.ns === null) {
        // The only top-level commands create the lab's own namespaces.
        expect(c.argv.slice(0, 3)).toEqual(['ip', 'netns', 'add']);
        expect(labNs.has(c.argv[3] ?? '')).toBe(true);
      } else {
        expect(labNs.has(c.ns)).toBe(true);
      }
    }
    const flat = plan.map((c) => commandArgv(c).join(' '));
    expect(flat).toContain('ip -n ndt1-host link add name brx7 type bridge');
    expect(flat).toContain('ip -n ndt1-host link set dev ceth0 netns ndt1-ns0');
    expect(flat).toContain('ip -n ndt1-ns0 addr add 10.77.0.2/16 dev ceth0');
    expect(flat).toContain('ip -n ndt1-ns0 route add default via 10.77.0.1');
    expect(flat).toContain('ip -n ndt1-host route add default via 203.0.113.1 dev wanq2');
    expect(flat).toContain('ip -n ndt1-inet addr add 198.51.100.8/32 dev lo');
    expect(flat).toContain('ip netns exec ndt1-host sysctl -w net.ipv4.ip_forward=1');
    expect(flat).toContain('ip netns exec ndt1-host iptables-nft -t nat -A POSTROUTING -s 10.77.0.0/16 -j MASQUERADE');
    // The internet namespace has no route back to the lab subnet, nor a default route.
    expect(flat.filter((l) => l.startsWith('ip -n ndt1-inet route'))).toEqual([]);
  });

  it('orders commands so each runs after what it needs', () => {
    const plan = buildPlan(config, { omit: [], extra: [] });
    const stageOf = (step: string) => Math.min(...plan.filter((c) => c.step === step).map((c) => c.stage));
    const lastStageOf = (step: string) => Math.max(...plan.filter((c) => c.step === step).map((c) => c.stage));
    expect(lastStageOf('netns.exists')).toBeLessThan(stageOf('veth.move'));
    expect(lastStageOf('veth.move')).toBeLessThan(stageOf('ns.link-up'));
    expect(stageOf('base')).toBe(0);
    // Stages never go backwards, and within one namespace step order is kept.
    const stages = plan.map((c) => c.stage);
    expect(stages).toEqual([...stages].sort((a, b) => a - b));
    const hostIp = plan.filter((c) => c.ns === config.names.hostNs && c.argv[0] === 'ip').map((c) => c.step);
    expect(hostIp.indexOf('bridge.exists')).toBeLessThan(hostIp.indexOf('veth.attached'));
    expect(hostIp.indexOf('uplink.link')).toBeLessThan(hostIp.indexOf('host.uplink'));
    const ctr = plan.filter((c) => c.ns === config.names.containerNs).map((c) => c.step);
    expect(ctr.indexOf('ns.address')).toBeLessThan(ctr.indexOf('ns.default-route'));
    expect(ctr.indexOf('ns.link-up')).toBeLessThan(ctr.indexOf('ns.default-route'));
  });

  it('omitting a step drops it and its dependents, nothing else', () => {
    const plan = buildPlan(config, { omit: ['bridge.exists'], extra: [] });
    const steps = stepsOf(plan);
    for (const gone of ['bridge.exists', 'bridge.up', 'bridge.address', 'veth.attached']) expect(steps).not.toContain(gone);
    for (const kept of ['veth.exists', 'veth.move', 'veth.up', 'ns.default-route', 'host.masquerade']) expect(steps).toContain(kept);
  });

  it('no container namespace: no command runs in it', () => {
    const plan = buildPlan(config, { omit: ['netns.exists'], extra: [] });
    expect(plan.some((c) => c.ns === config.names.containerNs)).toBe(false);
    expect(plan.some((c) => c.argv.includes(config.names.containerNs))).toBe(false);
  });

  it('substitutes placeholders in extras and runs them last, in order', () => {
    const plan = buildPlan(config, {
      omit: ['host.masquerade'],
      extra: [
        { in: 'host', argv: ['iptables-nft', '-t', 'nat', '-A', 'POSTROUTING', '-s', '{subnet}', '-o', '{otherIf}', '-j', 'MASQUERADE'] },
        { in: 'ns', argv: ['ip', 'route', 'add', 'default', 'via', '{wrongGateway}'] },
        { in: 'inet', argv: ['nft', 'add', 'chain', 'inet', 't', 'c', '{ type filter hook forward priority 0 ; }'] },
      ],
    });
    const extras = plan.filter((c) => c.step === 'extra');
    expect(extras.map((c) => c.ns)).toEqual(['ndt1-host', 'ndt1-ns0', 'ndt1-inet']);
    expect(extras[0]?.argv).toEqual(['iptables-nft', '-t', 'nat', '-A', 'POSTROUTING', '-s', '10.77.0.0/16', '-o', 'eth1', '-j', 'MASQUERADE']);
    expect(extras[1]?.argv).toEqual(['ip', 'route', 'add', 'default', 'via', '10.77.255.254']);
    // nft's own braces (with blanks) are not placeholders.
    expect(extras[2]?.argv.at(-1)).toBe('{ type filter hook forward priority 0 ; }');
    expect(extras.map((c) => c.stage)).toEqual([EXTRA_FIRST_STAGE, EXTRA_FIRST_STAGE + 1, EXTRA_FIRST_STAGE + 2]);
    expect(Math.max(...plan.filter((c) => c.step !== 'extra').map((c) => c.stage))).toBeLessThan(EXTRA_FIRST_STAGE);
  });

  it('refuses an extra in a container namespace the scenario leaves out', () => {
    expect(() => buildPlan(config, { omit: ['netns.exists'], extra: [{ in: 'ns', argv: ['ip', 'link'] }] })).toThrow(/container namespace/);
  });
});

describe('placeholders', () => {
  const config = labConfig({ prefix: 'p', uplink: 'eth1', subnet: '10.0.0.0/8' });
  const values = placeholderValues(config);

  it('defines every documented placeholder', () => {
    expect(Object.keys(values).sort()).toEqual([...PLACEHOLDER_NAMES].sort());
    for (const v of Object.values(values)) expect(v).not.toBe('');
  });

  it('picks an "other" interface and subnet that the lab does not use', () => {
    expect(values.otherIf).not.toBe('eth1');
    expect(values.otherSubnet).toBe('172.16.0.0/16');
    expect(values.gateway).toBe('203.0.113.1');
    expect(values.uplinkIp).toBe('203.0.113.2');
  });

  it('substitutes per argv element, never splitting or joining', () => {
    const evil = labConfig({ bridge: 'a;b$(x)' });
    const out = substitute(['-i', '{bridge}', 'x{bridge}y', '{nsIp}/{prefixLen}'], placeholderValues(evil));
    expect(out).toEqual(['-i', 'a;b$(x)', 'xa;b$(x)y', '192.168.0.2/16']);
  });

  it('reports unknown placeholders', () => {
    expect(unknownPlaceholders(['{bridge}', '{bridgeName}', '{ nft set }'])).toEqual(['bridgeName']);
    expect(() => substitute(['{nope}'], values)).toThrow(/unknown placeholder/);
  });
});

describe('commands', () => {
  it('ip runs with -n, anything else under ip netns exec', () => {
    expect(commandArgv({ ns: 'a', argv: ['ip', 'link', 'set', 'lo', 'up'] })).toEqual(['ip', '-n', 'a', 'link', 'set', 'lo', 'up']);
    expect(commandArgv({ ns: 'a', argv: ['sysctl', '-w', 'x=1'] })).toEqual(['ip', 'netns', 'exec', 'a', 'sysctl', '-w', 'x=1']);
    expect(commandArgv({ ns: null, argv: ['ip', 'netns', 'add', 'a'] })).toEqual(['ip', 'netns', 'add', 'a']);
  });

  it('every build step has commands', () => {
    for (const s of buildSteps(labConfig())) expect(s.commands.length).toBeGreaterThan(0);
  });

  it('prints the check command for the lab', () => {
    expect(checkArgv(labConfig({ prefix: 'q', ns: 'c' }).names)).toEqual([
      'netdoctor', 'check', '--ns', 'q-c', '--host-ns', 'q-host', '--target', '198.51.100.8',
    ]);
  });
});
