// Many `ip route get` in one `ip -force -j -batch -`, recorded from a real lab host (one lookup
// on a device that does not exist, one ip refuses), against the same lookups asked one by one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRouteGet } from '../../../src/parse/ip-json.js';
import { parseRouteGetBatch, routeGetBatch } from '../../../src/parse/route-batch.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ip-batch/${name}`, import.meta.url), 'utf8');
const single = JSON.parse(fixture('route-gets.single.json')) as { args: string[]; exitCode: number; stdout: string; stderr: string }[];

describe('routeGetBatch', () => {
  it('one `route get` line per lookup, as recorded', () => {
    expect(routeGetBatch(single.map((s) => s.args))).toBe(fixture('route-gets.batch'));
  });
});

describe('parseRouteGetBatch', () => {
  it('gives each lookup exactly what asking it alone gives, failures included', () => {
    const batch = parseRouteGetBatch(single.length, fixture('route-gets.stdout'), fixture('route-gets.stderr'));
    expect(batch).toEqual(single.map((s) => parseRouteGet(s.exitCode, s.stdout, s.stderr)));
    expect(batch?.[2]).toEqual({ ok: false, error: 'Cannot find device "nosuch"' });
    expect(batch?.[3]).toEqual({ ok: false, error: 'Invalid argument' });
    expect(batch?.[4]).toMatchObject({ ok: true, dev: 'brb' });
  });

  it('null when ip stopped the batch early (a line it could not parse): nothing is guessed', () => {
    expect(parseRouteGetBatch(3, fixture('route-gets-aborted.stdout'), fixture('route-gets-aborted.stderr'))).toBeNull();
  });

  it('null when the counts do not add up', () => {
    const out = fixture('route-gets.stdout');
    expect(parseRouteGetBatch(single.length + 1, out, fixture('route-gets.stderr'))).toBeNull();
    expect(parseRouteGetBatch(single.length, out, '')).toBeNull();
    expect(parseRouteGetBatch(2, out, 'x\nCommand failed -:9\n')).toBeNull();
  });
});
