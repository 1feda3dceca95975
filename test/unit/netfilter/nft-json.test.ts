import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { skipIptablesNftShown } from '../../../src/netfilter/iptables-save.js';
import { parseNftJson } from '../../../src/netfilter/nft-json.js';
import { renderNftRule } from '../../../src/netfilter/render.js';
import { chain, combined, fixture, iptNftSave, nftJson, rule, table } from './fixtures.js';

describe('parseNftJson on recorded native nftables', () => {
  it('reads an inet table: base chain, policy, rules, comment, implied IPv4', () => {
    const rs = nftJson('nft-inet-forward');
    expect(rs.errors).toEqual([]);
    const t = table(rs, 'filter');
    expect(t).toMatchObject({ backend: 'nft', family: 'inet' });
    const forward = chain(t, 'forward');
    expect(forward).toMatchObject({ hook: 'forward', type: 'filter', priority: 0, policy: 'drop' });
    expect(rule(forward, 0)).toMatchObject({
      text: 'ct state established,related accept',
      matches: [{ kind: 'ctstate', negate: false, states: ['established', 'related'] }],
      verdict: { kind: 'accept' },
    });
    expect(rule(forward, 1)).toEqual({
      text: 'iifname "br0" oifname "eth0" ip saddr 192.168.0.0/16 accept comment "tutorial egress"',
      handle: 3,
      comment: 'tutorial egress',
      matches: [
        { kind: 'iifname', negate: false, names: ['br0'] },
        { kind: 'oifname', negate: false, names: ['eth0'] },
        { kind: 'nfproto', family: 'ipv4' },
        { kind: 'saddr', negate: false, addrs: [{ cidr: '192.168.0.0/16' }] },
      ],
      verdict: { kind: 'accept' },
    });
  });

  it('reads chain priorities and two tables on one hook', () => {
    const rs = nftJson('nft-two-tables');
    expect(chain(table(rs, 'allow'), 'forward')).toMatchObject({ priority: -10, policy: 'accept' });
    const block = table(rs, 'block');
    expect(block.family).toBe('ip');
    // In an ip table `iifname` needs no IPv4 marker.
    expect(rule(chain(block, 'forward'), 0)).toMatchObject({
      text: 'iifname "br0" counter drop',
      matches: [{ kind: 'iifname', negate: false, names: ['br0'] }],
      verdict: { kind: 'drop' },
    });
  });

  it('resolves named sets: prefixes, single addresses, ranges and interface wildcards', () => {
    const rs = nftJson('nft-masquerade-set');
    const post = chain(table(rs, 'nat'), 'postrouting');
    expect(post).toMatchObject({ hook: 'postrouting', type: 'nat', priority: 100 });
    expect(rule(post, 0)).toMatchObject({
      text: 'oifname "eth0" ip saddr @lan masquerade',
      matches: [
        { kind: 'oifname', negate: false, names: ['eth0'] },
        { kind: 'saddr', negate: false, addrs: [{ cidr: '10.0.0.0/8' }, { cidr: '192.168.0.0/16' }] },
      ],
      verdict: { kind: 'masquerade' },
    });

    const sets = table(nftJson('nft-named-sets'), 'sets');
    const lan = [{ cidr: '10.0.0.0/8' }, { cidr: '172.16.0.1/32' }, { range: ['192.168.1.1', '192.168.1.20'] }];
    const last = chain(sets, 'forward').rules.at(-1)!;
    expect(last.matches).toEqual([
      { kind: 'iifname', negate: false, names: ['br0', 'veth*'] },
      { kind: 'nfproto', family: 'ipv4' },
      { kind: 'saddr', negate: false, addrs: lan },
      { kind: 'daddr', negate: true, addrs: [{ cidr: '10.0.0.0/8' }, { cidr: '192.168.0.0/16' }] },
    ]);
    const post2 = chain(sets, 'postrouting');
    expect(rule(post2, 0).verdict).toEqual({ kind: 'snat', to: '203.0.113.5' });
    expect(rule(post2, 1).matches).toContainEqual({ kind: 'oifname', negate: true, names: ['br0', 'veth*'] });
  });

  it('expands verdict maps into one rule per element (inline and named)', () => {
    const forward = chain(table(nftJson('nft-named-sets'), 'sets'), 'forward');
    const ct = forward.rules.filter((r) => r.text.startsWith('ct state vmap'));
    expect(ct.map((r) => [r.matches, r.verdict])).toEqual([
      [[{ kind: 'ctstate', negate: false, states: ['invalid'] }], { kind: 'drop' }],
      [[{ kind: 'ctstate', negate: false, states: ['established'] }], { kind: 'accept' }],
      [[{ kind: 'ctstate', negate: false, states: ['related'] }], { kind: 'accept' }],
    ]);
    const named = forward.rules.filter((r) => r.text === 'iifname vmap @ifaction');
    expect(named.map((r) => [r.matches, r.verdict])).toEqual([
      [[{ kind: 'iifname', negate: false, names: ['eth8'] }], { kind: 'accept' }],
      [[{ kind: 'iifname', negate: false, names: ['eth9'] }], { kind: 'drop' }],
    ]);
  });

  it('keeps what it cannot evaluate as unknown matches, with implied protocol/family', () => {
    const rules = chain(table(nftJson('nft-named-sets'), 'sets'), 'forward').rules;
    const byText = (t: string) => rules.find((r) => r.text === t)!;
    expect(byText('ip daddr @blocked reject with icmp admin-prohibited').verdict).toEqual({ kind: 'reject', with: 'icmp admin-prohibited' });
    expect(byText('meta l4proto { tcp, udp } th dport 53 accept').matches).toEqual([
      { kind: 'protocol', negate: false, protocols: ['tcp', 'udp'] },
      { kind: 'unknown', text: 'th dport 53' },
    ]);
    // A rate limit can stop the rule from matching: unknown, not ignored.
    expect(byText('tcp dport 22 limit rate 5/minute accept').matches).toEqual([
      { kind: 'protocol', negate: false, protocols: ['tcp'] },
      { kind: 'dport', negate: false, ports: [[22, 22]] },
      { kind: 'unknown', text: 'limit rate 5/minute' },
    ]);
    expect(byText('ip6 saddr ::1 drop').matches).toEqual([{ kind: 'nfproto', family: 'ipv6' }, { kind: 'unknown', text: 'ip6 saddr ::1' }]);
    expect(rules.find((r) => r.text.startsWith('iifname . oifname'))!.matches).toEqual([
      { kind: 'unknown', text: 'iifname . oifname { br0 . eth7 }' },
    ]);
  });

  it('reads jump, goto and return', () => {
    const t = table(nftJson('nft-jumps'), 't');
    expect(chain(t, 'forward').rules.map((r) => r.verdict)).toEqual([{ kind: 'return' }, { kind: 'jump', target: 'check' }, { kind: 'accept' }]);
    expect(rule(chain(t, 'check'), 0).verdict).toEqual({ kind: 'goto', target: 'sub' });
    expect(chain(t, 'sub').hook).toBeUndefined();
    expect(chain(t, 'nat_early')).toMatchObject({ hook: 'postrouting', type: 'nat', priority: 50 });
  });
});

describe('parseNftJson on iptables-nft tables (nft -j shows xt expressions)', () => {
  it('maps xt targets to verdicts, xt matches to unknown, and drops the always-true comment match', () => {
    const rs = nftJson('docker');
    expect(rs.errors).toEqual([]);
    const post = chain(table(rs, 'nat'), 'POSTROUTING');
    expect(rule(post, 0)).toMatchObject({
      text: 'oifname != "docker0" ip saddr 172.17.0.0/16 counter xt target MASQUERADE',
      matches: [
        { kind: 'oifname', negate: true, names: ['docker0'] },
        { kind: 'saddr', negate: false, addrs: [{ cidr: '172.17.0.0/16' }] },
      ],
      verdict: { kind: 'masquerade' },
    });
    const forward = chain(table(rs, 'filter'), 'FORWARD');
    expect(rule(forward, 2).matches).toEqual([
      { kind: 'oifname', negate: false, names: ['docker0'] },
      { kind: 'unknown', text: 'xt match conntrack' },
    ]);
    const notBr0 = rule(chain(table(nftJson('masquerade-not-br0'), 'nat'), 'POSTROUTING'), 0);
    expect(notBr0.verdict).toEqual({ kind: 'masquerade' });
    const modules = table(nftJson('iptables-modules'), 'filter');
    expect(rule(chain(modules, 'LOGDROP'), 0).verdict).toEqual({ kind: 'none' }); // xt target LOG
    expect(rule(chain(modules, 'FORWARD'), 5).verdict).toEqual({ kind: 'unknown', text: 'xt target NFQUEUE' });
    const comment = rule(chain(modules, 'FORWARD'), 0);
    expect(comment.matches.map((m) => m.kind)).toEqual(['iifname', 'oifname', 'saddr']);
  });

  it('skips what iptables-nft-save already showed, keeping incompatible tables and hidden chains', () => {
    const docker = parseNftJson(fixture('docker.nft.json'), skipIptablesNftShown(iptNftSave('docker')));
    expect(docker).toEqual({ tables: [], errors: [] });

    const rs = combined('incompatible');
    expect(rs.errors).toEqual([]);
    expect(rs.tables.map((t) => `${t.backend} ${t.family} ${t.name}: ${t.chains.map((c) => c.name).join(',')}`)).toEqual([
      'iptables-nft ip nat: PREROUTING,INPUT,OUTPUT,POSTROUTING',
      'nft ip nat: extra',
      'nft ip filter: FORWARD',
    ]);
  });
});

describe('parseNftJson on bad input', () => {
  it('reports malformed documents without throwing', () => {
    expect(parseNftJson('{not json')).toMatchObject({ tables: [], errors: [expect.stringMatching(/^not JSON/)] });
    expect(parseNftJson({ foo: 1 })).toEqual({ tables: [], errors: ['no "nftables" array in the document'] });
    expect(parseNftJson(null).tables).toEqual([]);
  });

  it('reports odd objects and keeps the rest', () => {
    const rs = parseNftJson({
      nftables: [
        { metainfo: { json_schema_version: 1 } },
        { table: { family: 'ip', name: 't' } },
        { table: { family: 'decnet', name: 'x' } },
        { chain: { family: 'decnet', table: 'x', name: 'c' } },
        { chain: { family: 'ip', table: 't', name: 'c', type: 'filter', hook: 'forward', prio: 'filter', policy: 'drop' } },
        { chain: { family: 'ip', table: 't', name: 'd', type: 'weird', hook: 'sideways', prio: {} } },
        { rule: { family: 'ip', table: 't', chain: 'c', expr: [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@nosuchset' } }, { accept: null }] } },
        { rule: { family: 'ip', table: 't', chain: 'c', expr: [{ frobnicate: { x: 1 } }, { queue: { num: 3 } }] } },
        { rule: { family: 'ip', table: 't', chain: 'c', expr: 'nope' } },
        { rule: { family: 'ip', table: 't', chain: 'nosuchchain', expr: [] } },
        { rule: { family: 'ip', table: 'nosuchtable', chain: 'c', expr: [] } },
        42,
      ],
    });
    expect(rs.errors).toEqual([
      'unreadable table: {"family":"decnet","name":"x"}',
      'chain ip t d: unknown hook sideways',
      'chain ip t d: unknown chain type weird',
      'chain ip t d: unreadable priority {}',
      'unreadable object: 42',
      'rule for unknown chain ip t nosuchchain',
      'rule for unknown table ip nosuchtable',
    ]);
    const c = chain(table(rs, 't'), 'c');
    expect(c).toMatchObject({ hook: 'forward', priority: 0, policy: 'drop' });
    expect(c.rules.map((r) => [r.matches, r.verdict])).toEqual([
      [[{ kind: 'unknown', text: 'ip saddr @nosuchset' }], { kind: 'accept' }],
      [[{ kind: 'unknown', text: '{"frobnicate":{"x":1}}' }], { kind: 'unknown', text: 'queue num 3' }],
      [[], { kind: 'none' }],
    ]);
  });

  it('never throws on arbitrary JSON', () => {
    const expr = fc.jsonValue({ maxDepth: 4 });
    const doc = fc.record({
      nftables: fc.array(
        fc.oneof(
          expr,
          fc.record({ table: fc.record({ family: fc.constantFrom('ip', 'inet'), name: fc.constant('t') }) }),
          fc.record({ chain: fc.record({ family: fc.constant('ip'), table: fc.constant('t'), name: fc.constant('c'), hook: fc.constant('forward'), type: fc.constant('filter'), prio: expr }) }),
          fc.record({ set: fc.record({ family: fc.constant('ip'), table: fc.constant('t'), name: fc.constant('s'), elem: expr }) }),
          fc.record({ rule: fc.record({ family: fc.constant('ip'), table: fc.constant('t'), chain: fc.constant('c'), expr: fc.array(fc.oneof(expr, fc.record({ match: fc.record({ op: fc.constantFrom('==', '!=', 'in'), left: expr, right: expr }) }), fc.record({ vmap: fc.record({ key: expr, data: expr }) }))) }) }),
        ),
      ),
    });
    fc.assert(
      fc.property(doc, (d) => {
        const rs = parseNftJson(d);
        expect(Array.isArray(rs.errors)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('renderNftRule', () => {
  it('renders nft syntax and falls back to JSON for the unknown', () => {
    expect(
      renderNftRule(
        [
          { match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'br0' } },
          { match: { op: '!=', left: { meta: { key: 'oifname' } }, right: 'br0' } },
          { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { prefix: { addr: '192.168.0.0', len: 16 } } } },
          { match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'new'] } },
          { accept: null },
        ],
        'hi',
      ),
    ).toBe('iifname "br0" oifname != "br0" ip saddr 192.168.0.0/16 ct state established,new accept comment "hi"');
    expect(renderNftRule([{ match: { op: '==', left: { fib: { result: 'type', flags: ['daddr'] } }, right: 'local' } }, { jump: { target: 'x' } }])).toBe('fib daddr type local jump x');
    expect(renderNftRule([{ snat: { family: 'ip', addr: { range: ['203.0.113.6', '203.0.113.9'] } } }])).toBe('snat ip to 203.0.113.6-203.0.113.9');
    expect(renderNftRule([{ dnat: { family: 'ip', addr: '10.0.0.1', port: 80 } }])).toBe('dnat ip to 10.0.0.1:80');
    expect(renderNftRule([{ log: { prefix: 'a "b"' } }, { reject: { type: 'tcp reset' } }])).toBe('log prefix "a \\"b\\"" reject with tcp reset');
    expect(renderNftRule([{ match: { op: '==', left: { '&': [{ meta: { key: 'mark' } }, 255] }, right: 1 } }])).toBe('meta mark & 255 == 1');
    expect(renderNftRule([{ weird: [1, 2] }])).toBe('{"weird":[1,2]}');
    expect(renderNftRule([{ vmap: { key: { meta: { key: 'iifname' } }, data: { set: [['eth0', { jump: { target: 'sub' } }], ['eth1', { drop: null }]] } } }])).toBe(
      'iifname vmap { "eth0" : jump sub, "eth1" : drop }',
    );
  });
});
