// Lab options from the user (`lab up --prefix --ns --bridge --veth-host --veth-ns --uplink
// --subnet`): refused with one clean line, or used verbatim, each name as one argv element that
// ip reads as a name (after `dev`, `name`, `master` or `netns`), never as a keyword.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPlan, labConfig, type LabOptions } from '../../../src/lab/topology.js';
import { UsageError } from '../../../src/validate.js';

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('-rf', '--help', '$(reboot)', '`id`', 'a;b', 'a b', '..', '.', '/etc', 'a/b', 'a:b', 'a\tb', '\x1b[2J', 'é', 'abcdefghijklmnop', '', 'br%d', 'lo', 'all'),
  // Names ip could read as keywords when they stand alone.
  fc.constantFrom('a', 't', 'up', 'down', 'dev', 'name', 'type', 'help', 'master', 'nomaster', 'netns', 'peer', 'mtu', 'add', 'del'),
  fc.array(fc.constantFrom('a', '0', '-', '.', '_', '@', '+', '=', '$', ';', ' ', '\x1b', '/', ':', 'é'), { minLength: 1, maxLength: 16 }).map((a) => a.join('')),
);

const KEYWORD_BEFORE_NAME = new Set(['dev', 'name', 'master', 'netns']);

describe('lab options (property)', () => {
  it('refused with one clean line, or every name used verbatim as a name ip cannot misread', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, hostile, (ns, bridge, vethHost, vethNs, uplink) => {
        const opts: LabOptions = { prefix: 'ndtp', ns, bridge, vethHost, vethNs, uplink };
        let config;
        try {
          config = labConfig(opts);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          expect((err as Error).message).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
          return;
        }
        const n = config.names;
        expect([n.bridge, n.vethHost, n.vethNs, n.uplink]).toEqual([bridge, vethHost, vethNs, uplink]);
        // The same plan with plain names: the hostile names must sit exactly where those do,
        // each right after a keyword that makes ip read it as a name.
        const plain = labConfig({ prefix: 'ndtp', ns: 'cns', bridge: 'zbr', vethHost: 'zvh', vethNs: 'zvc', uplink: 'zup' });
        const swap = new Map([
          ['zbr', bridge],
          ['zvh', vethHost],
          ['zvc', vethNs],
          ['zup', uplink],
          ['ndtp-cns', n.containerNs],
        ]);
        const got = buildPlan(config, { omit: [], extra: [] });
        const want = buildPlan(plain, { omit: [], extra: [] });
        expect(got.length).toBe(want.length);
        want.forEach((w, k) => {
          const g = got[k]!;
          expect(g.argv.length).toBe(w.argv.length);
          w.argv.forEach((a, i) => {
            const hostileName = swap.get(a);
            if (hostileName === undefined) return expect(g.argv[i]).toBe(a);
            expect(g.argv[i]).toBe(hostileName);
            if (a !== 'ndtp-cns' && w.argv[0] === 'ip') expect(KEYWORD_BEFORE_NAME.has(w.argv[i - 1]!), JSON.stringify(w.argv)).toBe(true);
          });
        });
      }),
      { numRuns: 1500 },
    );
  });
});
