// One `ip -j -d -batch -` per side, recorded from real labs built by `lab up` (default names).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ipFactsBatch, parseIpFactsBatch } from '../../../src/parse/ip-batch.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ip-batch/${name}`, import.meta.url), 'utf8');

describe('ipFactsBatch', () => {
  it('asks for links, routes, then the lookup last (ip -batch stops at the first failure)', () => {
    expect(ipFactsBatch('198.51.100.8').split('\n')).toEqual(['addr show', 'route show', 'route get 198.51.100.8', '']);
  });
});

describe('parseIpFactsBatch', () => {
  it("reads a container's links, routes and lookup from one output", () => {
    const f = parseIpFactsBatch(0, fixture('healthy-ns.stdout'), '');
    expect(f.ok).toBe(true);
    expect(f.errors).toEqual([]);
    expect(f.links.map((l) => l.name).sort()).toEqual(['ceth0', 'lo']);
    expect(f.links.find((l) => l.name === 'ceth0')).toMatchObject({ kind: 'veth', up: true });
    expect(f.routes.find((r) => r.dst === 'default')).toEqual({ dst: 'default', gateway: '192.168.0.1', dev: 'ceth0', flags: [] });
    expect(f.lookup).toEqual({ ok: true, dev: 'ceth0', gateway: '192.168.0.1', prefsrc: '192.168.0.2' });
  });

  it('drops the defaults -d prints (type unicast, protocol boot, scope global) and keeps the rest', () => {
    const f = parseIpFactsBatch(0, fixture('healthy-ns.stdout'), '');
    for (const r of f.routes) {
      expect(r.type).not.toBe('unicast');
      expect(r.protocol).not.toBe('boot');
      expect(r.scope).not.toBe('global');
    }
    expect(f.routes.find((r) => r.dst !== 'default')).toMatchObject({ protocol: 'kernel', scope: 'link' });
  });

  it('keeps links and routes when only the lookup failed, and takes its error without the batch trailer', () => {
    const f = parseIpFactsBatch(1, fixture('host-no-route.stdout'), fixture('host-no-route.stderr'));
    expect(f.ok).toBe(true);
    expect(f.links.length).toBeGreaterThan(2);
    expect(f.routes.some((r) => r.dst === 'default')).toBe(false);
    expect(f.lookup).toEqual({ ok: false, error: 'Network is unreachable' });
  });

  it('reports a namespace that could not be entered as not ok, with the reason', () => {
    const f = parseIpFactsBatch(255, '', 'Cannot open network namespace "x": No such file or directory\n');
    expect(f).toMatchObject({ ok: false, links: [], routes: [] });
    expect(f.lookup).toEqual({ ok: false, error: 'Cannot open network namespace "x": No such file or directory' });
  });

  it('reports unparsable output as an error instead of throwing', () => {
    const f = parseIpFactsBatch(0, '[{"ifname":\n[]\n[]\n', '');
    expect(f.ok).toBe(true);
    expect(f.errors.join()).toMatch(/links/);
  });
});
