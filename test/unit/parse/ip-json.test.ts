import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLinks, parseRouteGet, parseRoutes, parseSysctl } from '../../../src/parse/ip-json.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ip/${name}`, import.meta.url), 'utf8');

describe('parseLinks (ip -j -d addr show, recorded from a tutorial topology)', () => {
  const host = parseLinks(fixture('host-links.json'));
  const ns = parseLinks(fixture('ns-links.json'));

  it('reads kind, master, flags and addresses', () => {
    const br0 = host.find((l) => l.name === 'br0')!;
    expect(br0).toMatchObject({ kind: 'bridge', master: null, up: true });
    expect(br0.addrs.filter((a) => a.family === 'inet')).toEqual([{ family: 'inet', local: '192.168.0.1', prefixlen: 16, scope: 'global' }]);
    const veth0 = host.find((l) => l.name === 'veth0')!;
    expect(veth0).toMatchObject({ kind: 'veth', master: 'br0', up: true });
    const lo = host.find((l) => l.name === 'lo')!;
    expect(lo).toMatchObject({ kind: null, up: false, peer: null });
  });

  it('pairs the veth ends across namespaces by ifindex', () => {
    const veth0 = host.find((l) => l.name === 'veth0')!;
    const ceth0 = ns.find((l) => l.name === 'ceth0')!;
    expect(veth0.peer).toEqual({ ifindex: ceth0.ifindex, name: null, netnsid: expect.any(Number) });
    expect(ceth0.peer).toEqual({ ifindex: veth0.ifindex, name: null, netnsid: expect.any(Number) });
  });

  it('returns nothing for empty output and throws on garbage', () => {
    expect(parseLinks('')).toEqual([]);
    expect(() => parseLinks('not json')).toThrow(/not JSON/);
    expect(() => parseLinks('{"a":1}')).toThrow(/array/);
  });
});

describe('parseRoutes / parseRouteGet', () => {
  it('reads a default route and the connected subnet', () => {
    expect(parseRoutes(fixture('ns-routes.json'))).toEqual([
      { dst: 'default', gateway: '192.168.0.1', dev: 'ceth0', flags: [] },
      { dst: '192.168.0.0/16', dev: 'ceth0', protocol: 'kernel', scope: 'link', prefsrc: '192.168.0.2', flags: [] },
    ]);
  });

  it('reads a successful lookup', () => {
    expect(parseRouteGet(0, fixture('ns-route-get.json'), '')).toEqual({ ok: true, dev: 'ceth0', gateway: '192.168.0.1', prefsrc: '192.168.0.2' });
  });

  it('turns RTNETLINK errors into the kernel\'s words', () => {
    expect(parseRouteGet(2, '', fixture('ns-route-get-unreachable.stderr'))).toEqual({ ok: false, error: 'Network is unreachable' });
  });
});

describe('parseSysctl', () => {
  it('reads key = value lines', () => {
    expect(parseSysctl('net.ipv4.ip_forward = 1\nnet.ipv4.conf.br0.forwarding = 0\n')).toEqual({
      'net.ipv4.ip_forward': '1',
      'net.ipv4.conf.br0.forwarding': '0',
    });
  });
});
