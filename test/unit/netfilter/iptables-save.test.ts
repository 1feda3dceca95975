import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave, skipIptablesNftShown } from '../../../src/netfilter/iptables-save.js';
import { parseRuleLine, tokenize } from '../../../src/netfilter/iptables-rule.js';
import type { Rule } from '../../../src/netfilter/model.js';
import { chain, iptLegacySave, iptNftSave, rule, table } from './fixtures.js';

function line(text: string, userChains: string[] = []): Rule {
  const r = parseRuleLine(text, new Set(userChains));
  if ('error' in r) throw new Error(r.error);
  return r.rule;
}

describe('tokenize', () => {
  it('groups double-quoted arguments and unescapes \\" inside them', () => {
    const { tokens, error } = tokenize('-m comment --comment "a \\"b\\" c" -j ACCEPT');
    expect(error).toBeUndefined();
    expect(tokens.map((t) => t.value)).toEqual(['-m', 'comment', '--comment', 'a "b" c', '-j', 'ACCEPT']);
    expect(tokens[3]?.raw).toBe('"a \\"b\\" c"');
  });

  it('reports an unterminated quote', () => {
    expect(tokenize('--comment "oops').error).toMatch(/unterminated/);
  });
});

describe('parseIptablesSave on recorded output', () => {
  it('reads the tutorial MASQUERADE rule with the nat chain hooks and priorities', () => {
    for (const saved of [iptNftSave('tutorial-masquerade'), iptLegacySave('tutorial-masquerade')]) {
      expect(saved.errors).toEqual([]);
      const nat = table(saved, 'nat');
      expect(nat.family).toBe('ip');
      expect(nat.chains.map((c) => [c.name, c.hook, c.type, c.priority, c.policy])).toEqual([
        ['PREROUTING', 'prerouting', 'nat', -100, 'accept'],
        ['INPUT', 'input', 'nat', 100, 'accept'],
        ['OUTPUT', 'output', 'nat', -100, 'accept'],
        ['POSTROUTING', 'postrouting', 'nat', 100, 'accept'],
      ]);
      expect(rule(chain(nat, 'POSTROUTING'), 0)).toEqual({
        text: '-A POSTROUTING -s 192.168.0.0/16 -j MASQUERADE',
        matches: [{ kind: 'saddr', negate: false, addrs: [{ cidr: '192.168.0.0/16' }] }],
        verdict: { kind: 'masquerade' },
      });
    }
    expect(iptNftSave('tutorial-masquerade').tables[0]?.backend).toBe('iptables-nft');
    expect(iptLegacySave('tutorial-masquerade').tables[0]?.backend).toBe('iptables-legacy');
  });

  it('reads -o, ! -o and SNAT --to-source', () => {
    const oif = rule(chain(table(iptNftSave('masquerade-other-oif'), 'nat'), 'POSTROUTING'), 0);
    expect(oif.matches).toContainEqual({ kind: 'oifname', negate: false, names: ['eth1'] });
    const notBr0 = rule(chain(table(iptNftSave('masquerade-not-br0'), 'nat'), 'POSTROUTING'), 0);
    expect(notBr0.matches).toContainEqual({ kind: 'oifname', negate: true, names: ['br0'] });
    const snat = rule(chain(table(iptLegacySave('snat'), 'nat'), 'POSTROUTING'), 0);
    expect(snat.verdict).toEqual({ kind: 'snat', to: '203.0.113.10' });
  });

  it('reads FORWARD policy DROP, conntrack states and REJECT --reject-with', () => {
    const filter = table(iptNftSave('forward-drop-reject'), 'filter');
    const forward = chain(filter, 'FORWARD');
    expect(forward).toMatchObject({ hook: 'forward', type: 'filter', priority: 0, policy: 'drop' });
    expect(rule(forward, 0).matches).toEqual([{ kind: 'ctstate', negate: false, states: ['related', 'established'] }]);
    expect(rule(forward, 1).verdict).toEqual({ kind: 'reject', with: 'icmp-net-prohibited' });
  });

  it('reads the Docker ruleset: user chains, jumps, RETURN, negated interfaces', () => {
    const saved = iptNftSave('docker');
    const filter = table(saved, 'filter');
    expect(filter.chains.map((c) => c.name)).toEqual([
      'INPUT', 'FORWARD', 'OUTPUT', 'DOCKER', 'DOCKER-ISOLATION-STAGE-1', 'DOCKER-ISOLATION-STAGE-2', 'DOCKER-USER',
    ]);
    const user = chain(filter, 'DOCKER-USER');
    expect(user.hook).toBeUndefined();
    expect(user.policy).toBeUndefined();
    const forward = chain(filter, 'FORWARD');
    expect(forward.rules.map((r) => r.verdict)).toEqual([
      { kind: 'jump', target: 'DOCKER-USER' },
      { kind: 'jump', target: 'DOCKER-ISOLATION-STAGE-1' },
      { kind: 'accept' },
      { kind: 'jump', target: 'DOCKER' },
      { kind: 'accept' },
      { kind: 'accept' },
    ]);
    expect(rule(forward, 4).matches).toEqual([
      { kind: 'iifname', negate: false, names: ['docker0'] },
      { kind: 'oifname', negate: true, names: ['docker0'] },
    ]);
    expect(rule(chain(filter, 'DOCKER-USER'), 0).verdict).toEqual({ kind: 'return' });
    const nat = table(saved, 'nat');
    expect(rule(chain(nat, 'PREROUTING'), 0).matches).toEqual([{ kind: 'unknown', text: '-m addrtype --dst-type LOCAL' }]);
    expect(rule(chain(nat, 'POSTROUTING'), 0).matches).toEqual([
      { kind: 'saddr', negate: false, addrs: [{ cidr: '172.17.0.0/16' }] },
      { kind: 'oifname', negate: true, names: ['docker0'] },
    ]);
  });

  it('consumes each module’s own options, so they are never misread as core options', () => {
    const filter = table(iptNftSave('iptables-modules'), 'filter');
    const input = chain(filter, 'INPUT');
    expect(rule(input, 1).matches).toEqual([
      { kind: 'protocol', negate: false, protocols: ['tcp'] },
      { kind: 'ctstate', negate: false, states: ['new'] },
      { kind: 'dport', negate: false, ports: [[22, 22], [80, 80], [443, 443]] },
    ]);
    expect(rule(input, 2).matches).toEqual([
      { kind: 'protocol', negate: false, protocols: ['icmp'] },
      { kind: 'icmptype', negate: false, types: [{ type: 8 }] },
      { kind: 'unknown', text: '-m limit --limit 5/sec' },
    ]);
    // `! --dport` belongs to -m tcp; `! --ctstate` is the conntrack negation.
    expect(rule(input, 3).matches).toEqual([
      { kind: 'protocol', negate: false, protocols: ['tcp'] },
      { kind: 'dport', negate: true, ports: [[22, 22]] },
      { kind: 'ctstate', negate: true, states: ['invalid', 'new'] },
    ]);
    expect(rule(input, 5)).toMatchObject({
      matches: [{ kind: 'protocol', negate: true, protocols: ['udp'] }, { kind: 'unknown', text: '-m mark --mark 0x1/0xff' }],
      verdict: { kind: 'jump', target: 'LOGDROP' },
    });
    expect(rule(input, 6).matches).toEqual([{ kind: 'unknown', text: '-m iprange --src-range 10.0.0.1-10.0.0.9' }]);

    const forward = chain(filter, 'FORWARD');
    // -s a,b is saved as one rule per address; + wildcards become *; the comment is not a match.
    expect(rule(forward, 0)).toMatchObject({
      comment: 'a "quoted" comment, with spaces',
      matches: [
        { kind: 'saddr', negate: false, addrs: [{ cidr: '10.0.0.0/8' }] },
        { kind: 'iifname', negate: false, names: ['veth*'] },
        { kind: 'oifname', negate: true, names: ['br-*'] },
      ],
      verdict: { kind: 'accept' },
    });
    expect(rule(forward, 2).matches.slice(0, 2)).toEqual([
      { kind: 'saddr', negate: true, addrs: [{ cidr: '192.168.1.0/24' }] },
      { kind: 'daddr', negate: true, addrs: [{ cidr: '192.168.2.1/32' }] },
    ]);
    expect(rule(forward, 3).matches).toEqual([{ kind: 'physdev', isBridged: { negate: false } }]);
    expect(rule(forward, 4).verdict).toEqual({ kind: 'none' }); // TCPMSS
    expect(rule(forward, 5).verdict).toEqual({ kind: 'unknown', text: '-j NFQUEUE --queue-num 3' });
    expect(rule(forward, 6).verdict).toEqual({ kind: 'goto', target: 'LOGDROP' });
    expect(chain(filter, 'LOGDROP').rules.map((r) => r.verdict.kind)).toEqual(['none', 'drop']);
    expect(rule(chain(filter, 'OUTPUT'), 0).verdict).toEqual({ kind: 'none' }); // MARK

    const nat = iptNftSave('iptables-modules').tables.find((t) => t.name === 'nat');
    const pre = chain(nat!, 'PREROUTING');
    expect(rule(pre, 0).verdict).toEqual({ kind: 'dnat', to: '10.0.0.5:8080' });
    expect(rule(pre, 1).verdict).toEqual({ kind: 'dnat' }); // REDIRECT
    expect(rule(chain(nat!, 'POSTROUTING'), 0).verdict).toEqual({ kind: 'snat', to: '203.0.113.7-203.0.113.9' });
  });

  it('gives raw, mangle and security chains their hooks; security priority differs by backend', () => {
    const nft = iptNftSave('iptables-modules');
    expect(chain(table(nft, 'raw'), 'PREROUTING')).toMatchObject({ hook: 'prerouting', type: 'filter', priority: -300 });
    expect(chain(table(nft, 'mangle'), 'OUTPUT')).toMatchObject({ hook: 'output', type: 'route', priority: -150 });
    expect(chain(table(nft, 'mangle'), 'FORWARD')).toMatchObject({ hook: 'forward', type: 'filter', priority: -150 });
    // Recorded: iptables-nft registers security at 150 (nft -j shows it), the legacy kernel table at 50.
    expect(chain(table(nft, 'security'), 'OUTPUT').priority).toBe(150);
    expect(chain(table(iptLegacySave('iptables-modules'), 'security'), 'OUTPUT').priority).toBe(50);
    expect(rule(chain(table(nft, 'raw'), 'PREROUTING'), 0).verdict).toEqual({ kind: 'none' }); // CT --notrack
  });

  it('parses iptables-nft and iptables-legacy recordings of the same rules identically', () => {
    for (const name of ['docker', 'jumps', 'forward-drop-reject', 'nat-accept-first']) {
      const strip = (rs: ReturnType<typeof iptNftSave>) =>
        rs.tables.map((t) => ({ name: t.name, chains: t.chains })).sort((a, b) => a.name.localeCompare(b.name));
      expect(strip(iptLegacySave(name))).toEqual(strip(iptNftSave(name)));
    }
  });

  it('lists tables iptables-nft-save could not show, fully or in part', () => {
    const saved = iptNftSave('incompatible');
    expect(saved.incompatible).toEqual(['filter']);
    expect(saved.partial).toEqual(['nat']);
    expect(saved.tables.map((t) => t.name)).toEqual(['nat']);
    const skip = skipIptablesNftShown(saved);
    expect(skip.skipTable('ip', 'filter')).toBe(false); // incompatible: read it from nft -j
    expect(skip.skipTable('ip', 'nat')).toBe(false); // partial: only the chains shown are skipped
    expect(skip.skipChain('ip', 'nat', 'POSTROUTING')).toBe(true);
    expect(skip.skipChain('ip', 'nat', 'extra')).toBe(false);

    const docker = skipIptablesNftShown(iptNftSave('docker'));
    expect(docker.skipTable('ip', 'filter')).toBe(true);
    expect(docker.skipTable('inet', 'filter')).toBe(false);
  });
});

describe('parseIptablesSave edge cases', () => {
  it('reads counters prefixes, dotted masks, bare addresses and comma lists', () => {
    const saved = parseIptablesSave(
      [
        '*nat',
        ':POSTROUTING ACCEPT [3:180]',
        '[5:300] -A POSTROUTING -s 10.0.0.0/255.0.0.0 -d 1.2.3.4,5.6.0.0/16 -j MASQUERADE',
        'COMMIT',
      ].join('\n'),
      'iptables-legacy',
    );
    expect(saved.errors).toEqual([]);
    const r = rule(chain(table(saved, 'nat'), 'POSTROUTING'), 0);
    expect(r.matches).toEqual([
      { kind: 'saddr', negate: false, addrs: [{ cidr: '10.0.0.0/8' }] },
      { kind: 'daddr', negate: false, addrs: [{ cidr: '1.2.3.4/32' }, { cidr: '5.6.0.0/16' }] },
    ]);
  });

  it('keeps a non-contiguous mask or other oddities as unknown matches', () => {
    expect(line('-A X -s 10.0.0.0/255.0.255.0 -j DROP').matches).toEqual([{ kind: 'unknown', text: '-s 10.0.0.0/255.0.255.0' }]);
    expect(line('-A X -f -j DROP').matches).toEqual([{ kind: 'unknown', text: '-f' }]);
    expect(line('-A X -s ! 10.0.0.1 -j DROP').matches[0]?.kind).toBe('unknown');
  });

  it('maps targets: jump only to declared chains, non-terminating targets to none', () => {
    expect(line('-A X -j MYCHAIN', ['MYCHAIN']).verdict).toEqual({ kind: 'jump', target: 'MYCHAIN' });
    expect(line('-A X -j MYCHAIN').verdict).toEqual({ kind: 'unknown', text: '-j MYCHAIN' });
    expect(line('-A X -j LOG --log-prefix "x -s y"').verdict).toEqual({ kind: 'none' });
    expect(line('-A X -j LOG --log-prefix "x -s y"').matches).toEqual([]);
    expect(line('-A X -j REJECT').verdict).toEqual({ kind: 'reject' });
    expect(line('-A X -p tcp').verdict).toEqual({ kind: 'none' });
    expect(line('-A X -m conntrack --ctstate DNAT --ctorigdst 1.2.3.4 -j ACCEPT').matches).toEqual([
      { kind: 'ctstate', negate: false, states: ['dnat'] },
      { kind: 'unknown', text: '-m conntrack --ctorigdst 1.2.3.4' },
    ]);
  });

  it('turns malformed input into errors and keeps what it can', () => {
    const saved = parseIptablesSave(
      ['-A FORWARD -j DROP', '*filter', ':FORWARD DROP [0:0]', '-A NOPE -j ACCEPT', 'gibberish', '-A FORWARD --comment "x', '-A FORWARD -j ACCEPT'].join('\n'),
      'iptables-nft',
    );
    expect(saved.errors).toEqual([
      'line 1: outside any *table: -A FORWARD -j DROP',
      'line 4: rule for undeclared chain NOPE',
      'line 5: not understood: gibberish',
      'line 6: unterminated double quote: -A FORWARD --comment "x',
      'table filter has no COMMIT (truncated output?)',
    ]);
    const filter = table(saved, 'filter');
    expect(chain(filter, 'FORWARD').rules.map((r) => r.verdict.kind)).toEqual(['accept']);
    expect(chain(filter, 'NOPE').rules).toHaveLength(1);
  });

  it('never throws, whatever the text', () => {
    const pieces = fc.constantFrom('*nat', '*filter', ':FORWARD DROP [0:0]', ':X - [0:0]', 'COMMIT', '-A', '-A FORWARD', '-s', '!', '-m', 'conntrack', '--ctstate', '"', '\\', '-j', 'X', '10.0.0.0/8', '\n', ' ', '# Table `x\' is incompatible, use \'nft\' tool.');
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string()), { maxLength: 40 }), (parts) => {
        const r = parseIptablesSave(parts.join(' '), 'iptables-nft');
        expect(Array.isArray(r.tables)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
