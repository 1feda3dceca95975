// The address a fix hands out (ns.address, bridge.address) is free: not on the bridge, and not one
// the host has seen as a neighbour on the bridge (another container, a lease). Recorded snapshots.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SavedSnapshot } from '../../../src/commands/check.js';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import type { NeighbourFact } from '../../../src/model/snapshot.js';
import { parseNeighbours } from '../../../src/parse/ip-json.js';

function load(id: string): SavedSnapshot {
  return JSON.parse(readFileSync(new URL(`../../fixtures/snapshots/${id}.json`, import.meta.url), 'utf8')) as SavedSnapshot;
}

/** The address (CIDR) the fix of `step` adds, with these host neighbours. */
function picked(id: string, step: string, neighbours?: NeighbourFact[]): string {
  const saved = load(id);
  if (neighbours) saved.snapshot.host.neighbours = neighbours;
  const s = diagnose(saved.snapshot, null).steps.find((x) => x.id === step)!;
  const cmd = s.fix!.commands[0]!;
  return cmd[cmd.indexOf('add') + 1]!;
}

const seen = (ip: string, state = ['REACHABLE']): NeighbourFact => ({ ip, dev: 'brlab', lladdr: state.includes('FAILED') ? null : '02:00:00:00:00:09', state });

describe('free address for a fix', () => {
  it('ns.address avoids an address a neighbour on the bridge uses', () => {
    const plain = picked('ns-no-address', 'ns.address');
    const ip = plain.split('/')[0]!;
    const avoided = picked('ns-no-address', 'ns.address', [seen(ip)]);
    expect(avoided.split('/')[0]).not.toBe(ip);
    expect(avoided.split('/')[1]).toBe(plain.split('/')[1]);
    // Two in a row in use: the next one after both.
    const both = picked('ns-no-address', 'ns.address', [seen(ip), seen(avoided.split('/')[0]!, ['STALE'])]);
    expect([ip, avoided.split('/')[0]]).not.toContain(both.split('/')[0]);
    // A neighbour nobody answered for (FAILED) is free; one on another device does not count.
    expect(picked('ns-no-address', 'ns.address', [seen(ip, ['FAILED'])])).toBe(plain);
    expect(picked('ns-no-address', 'ns.address', [{ ...seen(ip), dev: 'other0' }])).toBe(plain);
  });

  it('bridge.address avoids an address a neighbour on the bridge uses', () => {
    const plain = picked('bridge-no-address', 'bridge.address');
    const ip = plain.split('/')[0]!;
    const avoided = picked('bridge-no-address', 'bridge.address', [seen(ip)]);
    expect(avoided.split('/')[0]).not.toBe(ip);
  });

  it('parses `ip -j -4 neigh show`', () => {
    const text = JSON.stringify([
      { dst: '10.77.0.2', dev: 'brlab', lladdr: '7a:1b:00:00:00:01', state: ['REACHABLE'] },
      { dst: '10.77.0.9', dev: 'brlab', state: ['FAILED'] },
      { dst: 'fe80::1', dev: 'brlab', lladdr: '7a:1b:00:00:00:02', state: ['STALE'] },
    ]);
    expect(parseNeighbours(text)).toEqual([
      { ip: '10.77.0.2', dev: 'brlab', lladdr: '7a:1b:00:00:00:01', state: ['REACHABLE'] },
      { ip: '10.77.0.9', dev: 'brlab', lladdr: null, state: ['FAILED'] },
    ]);
    expect(parseNeighbours('')).toEqual([]);
  });
});
