import { describe, expect, it } from 'vitest';
import { strayLabNamespaces } from '../../../src/lab/sweep.js';

const base = { prefix: 'p', listed: new Set(['p-host', 'p-inet', 'p-ns0']), recordedPrefixes: [] as string[], recorded: false };

describe('strayLabNamespaces', () => {
  it("takes the lab's unlisted P-* namespaces (a custom container, its extra containers, a stray)", () => {
    const present = ['p-host', 'p-inet', 'p-web', 'p-web-2', 'p-x', 'q-host', 'px-host', 'other'];
    expect(strayLabNamespaces({ ...base, present })).toEqual(['p-web', 'p-web-2', 'p-x']);
  });

  it('takes nothing from a prefix that is no lab (no record, no P-host, no P-inet)', () => {
    expect(strayLabNamespaces({ ...base, present: ['p-user', 'p-ns0'] })).toEqual([]);
    expect(strayLabNamespaces({ ...base, present: ['p-user'], recorded: true })).toEqual(['p-user']);
    expect(strayLabNamespaces({ ...base, present: ['p-inet', 'p-user'] })).toEqual(['p-user']);
  });

  it("leaves a nested lab's namespaces alone: recorded, or known by its own Q-host or Q-inet", () => {
    const present = ['p-host', 'p-inet', 'p-a-host', 'p-a-inet', 'p-a-ns0', 'p-b-ns0', 'p-c-inet', 'p-c-x', 'p-a'];
    expect(strayLabNamespaces({ ...base, present, recordedPrefixes: ['p', 'p-b'] })).toEqual(['p-a']);
  });

  it("a listed namespace shaped like a nested lab's (--ns x-host) is the lab's own, not a nested lab", () => {
    const listed = new Set(['p-host', 'p-inet', 'p-x-host']);
    expect(strayLabNamespaces({ ...base, listed, present: ['p-host', 'p-inet', 'p-x-host', 'p-x-host-2'] })).toEqual(['p-x-host-2']);
  });
});
