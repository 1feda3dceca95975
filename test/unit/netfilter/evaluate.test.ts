import { describe, expect, it } from 'vitest';
import { evaluateFilterHook, evaluateNatHook, matchRule } from '../../../src/netfilter/evaluate.js';
import { parseIptablesSave } from '../../../src/netfilter/iptables-save.js';
import type { Ruleset } from '../../../src/netfilter/model.js';
import { parseNftJson } from '../../../src/netfilter/nft-json.js';
import { chain, combined, fixture, legacy, merge, nftJson, packet, rule, table } from './fixtures.js';

/** The single POSTROUTING rule of a recorded iptables scenario. */
const natRule = (name: string) => rule(chain(table(combined(name), 'nat', 'iptables-nft'), 'POSTROUTING'), 0);

function iptables(text: string): Ruleset {
  const r = parseIptablesSave(text, 'iptables-nft');
  expect(r.errors).toEqual([]);
  return r;
}

describe('matchRule', () => {
  it('explains why the tutorial rule matches, and why other rules do not', () => {
    expect(matchRule(natRule('tutorial-masquerade'), packet())).toEqual({
      result: 'yes',
      reasons: ['source 192.168.0.2 is in 192.168.0.0/16'],
    });
    expect(matchRule(natRule('masquerade-other-subnet'), packet())).toEqual({
      result: 'no',
      reasons: ['source 192.168.0.2 is not in 10.0.0.0/24'],
    });
    expect(matchRule(natRule('masquerade-other-oif'), packet())).toEqual({
      result: 'no',
      reasons: ['leaves via eth0, rule wants -o eth1'],
    });
    expect(matchRule(natRule('masquerade-not-br0'), packet({ oif: 'br0' }))).toEqual({
      result: 'no',
      reasons: ['out-interface br0 matches the excluded ! br0'],
    });
    expect(matchRule(natRule('masquerade-not-br0'), packet()).reasons).toEqual([
      'source 192.168.0.2 is in 192.168.0.0/16',
      'leaves via eth0, not br0',
    ]);
  });

  it('quotes nft rules in nft syntax', () => {
    const accept = rule(chain(table(nftJson('nft-inet-forward'), 'filter'), 'forward'), 1);
    expect(matchRule(accept, packet({ iif: 'eth0' })).reasons).toEqual(['arrives via eth0, rule wants iifname br0']);
    expect(matchRule(accept, packet()).result).toBe('yes');
  });

  it('treats an unset interface as "none at this hook": positive matches fail, negated ones hold', () => {
    expect(matchRule(natRule('masquerade-other-oif'), packet({ oif: undefined }))).toEqual({
      result: 'no',
      reasons: ['has no out-interface at this hook, rule wants -o eth1'],
    });
    expect(matchRule(natRule('masquerade-not-br0'), packet({ oif: undefined })).result).toBe('yes');
  });

  it('handles + wildcards, negated address lists, ranges, protocols and conntrack states', () => {
    const modules = combined('iptables-modules');
    const vethRule = rule(chain(table(modules, 'filter'), 'FORWARD'), 0); // -s 10/8 -i veth+ ! -o br-+
    expect(matchRule(vethRule, packet({ saddr: '10.1.1.1', iif: 'veth42' })).result).toBe('yes');
    expect(matchRule(vethRule, packet({ saddr: '10.1.1.1', iif: 'eth0' })).reasons).toEqual(['arrives via eth0, rule wants -i veth+']);
    expect(matchRule(vethRule, packet({ saddr: '10.1.1.1', iif: 'veth1', oif: 'br-abc' })).reasons).toEqual([
      'out-interface br-abc matches the excluded ! br-+',
    ]);

    const lanRule = chain(table(nftJson('nft-named-sets'), 'sets'), 'forward').rules.at(-1)!;
    expect(matchRule(lanRule, packet({ saddr: '192.168.1.10', iif: 'veth0' })).result).toBe('yes');
    expect(matchRule(lanRule, packet({ saddr: '192.168.1.21', iif: 'veth0' })).reasons).toEqual([
      'source 192.168.1.21 is not in 10.0.0.0/8, 172.16.0.1/32, 192.168.1.1-192.168.1.20',
    ]);
    expect(matchRule(lanRule, packet({ saddr: '10.0.0.1', daddr: '192.168.3.3', iif: 'br0' })).reasons).toEqual([
      'destination 192.168.3.3 is in the excluded ! 10.0.0.0/8, 192.168.0.0/16',
    ]);

    const ct = rule(chain(table(combined('forward-drop-reject'), 'filter'), 'FORWARD'), 0);
    expect(matchRule(ct, packet({ ctstate: 'established' })).result).toBe('yes');
    expect(matchRule(ct, packet()).reasons).toEqual(['conntrack state new is not one of related,established']);

    const tcpOnly = parseIptablesSave('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p 6 -j DROP\n-A INPUT ! -p icmp -j DROP\nCOMMIT\n', 'iptables-nft');
    const [byNumber, notIcmp] = chain(table(tcpOnly, 'filter'), 'INPUT').rules;
    expect(matchRule(byNumber!, packet({ protocol: 'tcp' })).result).toBe('yes');
    expect(matchRule(byNumber!, packet()).reasons).toEqual(['protocol icmp is not 6']);
    expect(matchRule(notIcmp!, packet()).reasons).toEqual(['protocol icmp is in the excluded ! icmp']);
  });

  it("is 'maybe' for what it cannot evaluate, unless another match already fails", () => {
    // nft -j shows Docker's conntrack match only as an opaque xt expression.
    const xt = rule(chain(table(nftJson('docker'), 'filter'), 'FORWARD'), 2);
    expect(matchRule(xt, packet({ oif: 'docker0' }))).toEqual({ result: 'maybe', reasons: ['xt match conntrack'] });
    expect(matchRule(xt, packet()).result).toBe('no');
    const v6 = chain(table(nftJson('nft-named-sets'), 'sets'), 'forward').rules.find((r) => r.text === 'ip6 saddr ::1 drop')!;
    expect(matchRule(v6, packet())).toEqual({ result: 'no', reasons: ['rule only matches IPv6 packets'] });
  });
});

describe('evaluateFilterHook', () => {
  it('Docker’s FORWARD policy DROP drops the tutorial’s bridge traffic', () => {
    const out = evaluateFilterHook(combined('docker'), 'forward', packet());
    expect(out.verdict).toBe('drop');
    expect(out.droppedBy).toMatchObject({
      backend: 'iptables-nft',
      family: 'ip',
      table: 'filter',
      chain: 'FORWARD',
      hook: 'forward',
      priority: 0,
      verdict: 'drop',
      decidedBy: { kind: 'policy', policy: 'drop' },
      maybe: [],
    });
  });

  it('Docker’s own traffic is accepted, replies via the conntrack rule', () => {
    const rs = combined('docker');
    const out = evaluateFilterHook(rs, 'forward', packet({ saddr: '172.17.0.2', iif: 'docker0' }));
    expect(out.verdict).toBe('accept');
    expect(out.chains[0]?.decidedBy).toMatchObject({ kind: 'rule', rule: { text: '-A FORWARD -i docker0 ! -o docker0 -j ACCEPT' }, chainPath: ['FORWARD'] });

    const reply = packet({ saddr: '198.51.100.1', daddr: '172.17.0.2', iif: 'eth0', oif: 'docker0', ctstate: 'established' });
    expect(evaluateFilterHook(rs, 'forward', reply).chains[0]?.decidedBy).toMatchObject({
      kind: 'rule',
      rule: { text: '-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT' },
    });
    // Read only through nft -j, the conntrack match is opaque: the rule is passed over (maybe).
    const opaque = evaluateFilterHook(nftJson('docker'), 'forward', reply);
    expect(opaque.verdict).toBe('drop');
    expect(opaque.droppedBy?.maybe.map((m) => m.rule.text)).toEqual(['oifname "docker0" xt match conntrack counter accept']);
  });

  it('REJECT is a drop for the outcome but stays reject in the chain', () => {
    const rs = combined('forward-drop-reject');
    const out = evaluateFilterHook(rs, 'forward', packet());
    expect(out.verdict).toBe('drop');
    expect(out.droppedBy).toMatchObject({
      verdict: 'reject',
      decidedBy: { kind: 'rule', rule: { verdict: { kind: 'reject', with: 'icmp-net-prohibited' } } },
    });
    expect(evaluateFilterHook(rs, 'forward', packet({ ctstate: 'established' })).verdict).toBe('accept');
    const inbound = evaluateFilterHook(rs, 'forward', packet({ saddr: '198.51.100.1', daddr: '192.168.0.2', iif: 'eth0', oif: 'br0' }));
    expect(inbound.chains[0]?.decidedBy).toMatchObject({ kind: 'rule', rule: { text: '-A FORWARD -i eth0 -o br0 -j ACCEPT' } });
  });

  it('a native nft forward chain: the accept rule, else the drop policy', () => {
    const rs = nftJson('nft-inet-forward');
    const ok = evaluateFilterHook(rs, 'forward', packet());
    expect(ok.verdict).toBe('accept');
    expect(ok.chains[0]).toMatchObject({ backend: 'nft', family: 'inet', table: 'filter', chain: 'forward', decidedBy: { kind: 'rule', rule: { comment: 'tutorial egress' } } });
    const wrongSubnet = evaluateFilterHook(rs, 'forward', packet({ saddr: '10.0.0.2' }));
    expect(wrongSubnet.droppedBy?.decidedBy).toEqual({ kind: 'policy', policy: 'drop' });
  });

  it('an accept in one table does not override a drop in another', () => {
    const out = evaluateFilterHook(nftJson('nft-two-tables'), 'forward', packet());
    expect(out.chains.map((c) => [c.table, c.priority, c.verdict])).toEqual([
      ['allow', -10, 'accept'],
      ['block', 10, 'drop'],
    ]);
    expect(out.verdict).toBe('drop');
    expect(out.droppedBy?.decidedBy).toMatchObject({ kind: 'rule', rule: { text: 'iifname "br0" counter drop' } });
    expect(evaluateFilterHook(nftJson('nft-two-tables'), 'forward', packet({ iif: 'eth1' })).verdict).toBe('accept');
  });

  it('across backends: a legacy FORWARD policy DROP wins over an nft accept', () => {
    const rs = merge(legacy('mixed-legacy-drop'), nftJson('mixed-legacy-drop'));
    const out = evaluateFilterHook(rs, 'forward', packet());
    expect(out.chains.map((c) => [c.backend, c.verdict])).toEqual([
      ['iptables-legacy', 'drop'],
    ]);
    expect(out.droppedBy).toMatchObject({ backend: 'iptables-legacy', decidedBy: { kind: 'policy', policy: 'drop' } });
    // Same priority: order does not matter for the outcome.
    const reversed = evaluateFilterHook(merge(nftJson('mixed-legacy-drop'), legacy('mixed-legacy-drop')), 'forward', packet());
    expect(reversed.chains.map((c) => [c.backend, c.verdict])).toEqual([
      ['nft', 'accept'],
      ['iptables-legacy', 'drop'],
    ]);
    expect(reversed.verdict).toBe('drop');
  });

  it('runs base chains in priority order (mangle before filter)', () => {
    const rs = combined('iptables-modules');
    const out = evaluateFilterHook(rs, 'forward', packet());
    expect(out.chains.map((c) => `${c.table} ${c.priority} ${c.verdict}`)).toEqual(['mangle -150 drop']);
    const other = evaluateFilterHook(rs, 'forward', packet({ oif: 'eth1', protocol: 'udp' }));
    expect(other.chains.map((c) => `${c.table} ${c.priority}`)).toEqual(['mangle -150', 'filter 0']); // the filter chain drops; security (150) never runs
    // The unknown NFQUEUE target and the unevaluable udp rule are reported, not followed; the
    // physdev rule is judged: a routed packet carries no bridge ports, so --physdev-is-bridged fails.
    expect(other.chains[1]?.maybe.map((m) => m.rule.text)).toEqual([
      '-A FORWARD ! -s 192.168.1.0/24 ! -d 192.168.2.1/32 -p udp -m udp --sport 53 -j ACCEPT',
      '-A FORWARD -j NFQUEUE --queue-num 3',
    ]);
    // A bridged frame (br_netfilter: in and out are ports of the same bridge) is accepted by it.
    const bridged = evaluateFilterHook(rs, 'forward', packet({ oif: 'eth1', protocol: 'udp', physdev: { in: 'veth1', out: 'veth2' } }));
    expect(bridged.chains[1]?.decidedBy).toMatchObject({ kind: 'rule', rule: { text: '-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT' } });
    // ... and the goto to LOGDROP then drops.
    expect(other.droppedBy?.decidedBy).toMatchObject({ kind: 'rule', rule: { text: '-A LOGDROP -j DROP' }, chainPath: ['FORWARD', 'LOGDROP'] });
  });

  for (const scenario of ['jumps', 'nft-jumps']) {
    it(`follows jump, goto and return like the kernel (${scenario})`, () => {
      const rs = combined(scenario);
      const verdict = (saddr: string) => evaluateFilterHook(rs, 'forward', packet({ saddr }));
      // CHECK goes to SUB; SUB's return lands in FORWARD (CHECK's caller), whose next rule accepts.
      expect(verdict('10.1.2.3').verdict).toBe('accept');
      // Falling off SUB also returns to FORWARD.
      expect(verdict('10.3.0.1').verdict).toBe('accept');
      const dropped = verdict('10.2.0.1').droppedBy?.decidedBy;
      expect(dropped).toMatchObject({ kind: 'rule', chainPath: scenario === 'jumps' ? ['FORWARD', 'CHECK', 'SUB'] : ['forward', 'check', 'sub'] });
      // Not 10/8: CHECK drops.
      expect(verdict('192.168.0.2').droppedBy?.decidedBy).toMatchObject({ kind: 'rule', chainPath: scenario === 'jumps' ? ['FORWARD', 'CHECK'] : ['forward', 'check'] });
      // return in the base chain applies the policy.
      expect(verdict('172.16.0.1').droppedBy?.decidedBy).toEqual({ kind: 'policy', policy: 'drop' });
    });
  }

  it('survives a jump loop in hand-made input and notes bridge chains as ignored', () => {
    const rs = iptables(['*filter', ':FORWARD ACCEPT [0:0]', ':A - [0:0]', ':B - [0:0]', '-A FORWARD -j A', '-A A -j B', '-A B -j A', '-A B -j DROP', 'COMMIT'].join('\n'));
    rs.tables.push({ backend: 'nft', family: 'bridge', name: 'br', chains: [{ name: 'fw', hook: 'forward', type: 'filter', priority: 0, policy: 'drop', rules: [] }] });
    const out = evaluateFilterHook(rs, 'forward', packet());
    expect(out.verdict).toBe('drop');
    expect(out.droppedBy?.maybe.map((m) => m.rule.text)).toEqual(['-A B -j A']);
    expect(out.ignored).toEqual(['nft bridge br fw']);
  });
});

describe('evaluateNatHook', () => {
  it('the tutorial MASQUERADE applies, with the reason', () => {
    for (const rs of [combined('tutorial-masquerade'), legacy('tutorial-masquerade')]) {
      const out = evaluateNatHook(rs, 'postrouting', packet());
      expect(out.result).toBe('masquerade');
      expect(out.by).toMatchObject({ family: 'ip', table: 'nat', chainPath: ['POSTROUTING'], reason: 'source 192.168.0.2 is in 192.168.0.0/16' });
      expect(out.notApplied).toEqual([]);
    }
    expect(evaluateNatHook(legacy('tutorial-masquerade'), 'postrouting', packet()).by?.backend).toBe('iptables-legacy');
  });

  it('says why a MASQUERADE for another subnet or interface does not apply', () => {
    const subnet = evaluateNatHook(combined('masquerade-other-subnet'), 'postrouting', packet());
    expect(subnet.result).toBe('none');
    expect(subnet.notApplied.map((c) => c.reason)).toEqual(['source 192.168.0.2 is not in 10.0.0.0/24']);
    const oif = evaluateNatHook(combined('masquerade-other-oif'), 'postrouting', packet());
    expect(oif.notApplied.map((c) => c.reason)).toEqual(['leaves via eth0, rule wants -o eth1']);
    const notBr0 = evaluateNatHook(combined('masquerade-not-br0'), 'postrouting', packet({ oif: 'br0' }));
    expect(notBr0.notApplied.map((c) => c.reason)).toEqual(['out-interface br0 matches the excluded ! br0']);
    expect(evaluateNatHook(combined('masquerade-not-br0'), 'postrouting', packet()).result).toBe('masquerade');
  });

  it('SNAT --to-source counts as source NAT', () => {
    const out = evaluateNatHook(combined('snat'), 'postrouting', packet());
    expect(out.result).toBe('snat');
    expect(out.by?.rule.verdict).toEqual({ kind: 'snat', to: '203.0.113.10' });
    expect(out.by?.reason).toBe('source 192.168.0.2 is in 192.168.0.0/16; leaves via eth0 (-o eth0)');
  });

  it('an earlier ACCEPT or RETURN in the same nat chain keeps the MASQUERADE from being reached', () => {
    const rs = combined('nat-accept-first');
    const viaEth1 = evaluateNatHook(rs, 'postrouting', packet({ oif: 'eth1' }));
    expect(viaEth1.result).toBe('none');
    expect(viaEth1.notApplied.map((c) => c.reason)).toEqual([
      'not reached: an earlier rule ended iptables-nft ip nat POSTROUTING first (accept): -A POSTROUTING -s 192.168.0.0/16 -o eth1 -j ACCEPT',
    ]);
    const local = evaluateNatHook(rs, 'postrouting', packet({ daddr: '192.168.9.9' }));
    expect(local.notApplied[0]?.reason).toMatch(/^not reached: .*\(return\): -A POSTROUTING -s 192.168.0.0\/16 -d 192.168.0.0\/16 -j RETURN$/);
    expect(evaluateNatHook(rs, 'postrouting', packet()).result).toBe('masquerade');
  });

  it('an accept in one nat chain moves on to the next nat chain (nf_nat_inet_fn)', () => {
    const rs = nftJson('nft-jumps');
    const out = evaluateNatHook(rs, 'postrouting', packet({ daddr: '192.168.7.7' }));
    expect(out.result).toBe('masquerade');
    expect(out.by).toMatchObject({ backend: 'nft', family: 'inet', table: 't', chainPath: ['nat_late'] });
  });

  it('the first masquerade reached wins; later ones are "already masqueraded"', () => {
    const rs = merge(combined('tutorial-masquerade'), nftJson('nft-masquerade-set'));
    const out = evaluateNatHook(rs, 'postrouting', packet());
    expect(out.by).toMatchObject({ backend: 'iptables-nft', rule: { text: '-A POSTROUTING -s 192.168.0.0/16 -j MASQUERADE' } });
    expect(out.notApplied.map((c) => [c.backend, c.reason])).toEqual([
      ['nft', 'not reached: the packet was already masqueraded by iptables-nft ip nat POSTROUTING: -A POSTROUTING -s 192.168.0.0/16 -j MASQUERADE'],
    ]);
  });

  it('native nft masquerade and snat with named sets', () => {
    const set = evaluateNatHook(nftJson('nft-masquerade-set'), 'postrouting', packet());
    expect(set).toMatchObject({ result: 'masquerade', by: { table: 'nat', chainPath: ['postrouting'] } });
    expect(set.by?.reason).toBe('leaves via eth0 (oifname eth0); source 192.168.0.2 is in 10.0.0.0/8, 192.168.0.0/16');

    const rs = nftJson('nft-named-sets');
    expect(evaluateNatHook(rs, 'postrouting', packet({ saddr: '10.9.1.1' })).result).toBe('snat');
    const masq = evaluateNatHook(rs, 'postrouting', packet({ saddr: '192.168.1.5' }));
    expect(masq.result).toBe('masquerade');
    expect(masq.notApplied.map((c) => c.reason)).toEqual(['source 192.168.1.5 is not in 10.9.0.0/16']);
    const toVeth = evaluateNatHook(rs, 'postrouting', packet({ saddr: '192.168.1.5', oif: 'veth3' }));
    expect(toVeth.result).toBe('none');
    expect(toVeth.notApplied.map((c) => c.reason)).toContain('out-interface veth3 matches the excluded != br0, veth*');
  });

  it('sees the nat chain iptables-nft-save hides, next to the ones it shows', () => {
    const out = evaluateNatHook(combined('incompatible'), 'postrouting', packet({ saddr: '10.9.9.9' }));
    expect(out.result).toBe('masquerade');
    expect(out.by).toMatchObject({ backend: 'nft', table: 'nat', chainPath: ['extra'] });
    expect(out.notApplied.map((c) => [c.backend, c.reason])).toEqual([['iptables-nft', 'source 10.9.9.9 is not in 10.5.0.0/16']]);
  });

  it('Docker’s MASQUERADE is for its own subnet; the tutorial’s legacy one still applies', () => {
    const dockerOnly = evaluateNatHook(combined('docker'), 'postrouting', packet());
    expect(dockerOnly.result).toBe('none');
    expect(dockerOnly.notApplied.map((c) => c.reason)).toEqual(['source 192.168.0.2 is not in 172.17.0.0/16']);
    const both = evaluateNatHook(merge(combined('docker'), legacy('tutorial-masquerade')), 'postrouting', packet());
    expect(both.result).toBe('masquerade');
    expect(both.by?.backend).toBe('iptables-legacy');
  });

  it('reports masquerades it cannot evaluate, drops, and DNAT', () => {
    const maybe = iptables(['*nat', ':POSTROUTING ACCEPT [0:0]', '-A POSTROUTING -m addrtype ! --dst-type LOCAL -j MASQUERADE', 'COMMIT'].join('\n'));
    const m = evaluateNatHook(maybe, 'postrouting', packet());
    expect(m.result).toBe('none');
    expect(m.maybe.map((c) => c.reason)).toEqual(['could not evaluate: -m addrtype ! --dst-type LOCAL']);

    const dropped = parseNftJson({
      nftables: [
        { table: { family: 'ip', name: 'n' } },
        { chain: { family: 'ip', table: 'n', name: 'early', type: 'nat', hook: 'postrouting', prio: 50, policy: 'accept' } },
        { chain: { family: 'ip', table: 'n', name: 'late', type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' } },
        { rule: { family: 'ip', table: 'n', chain: 'early', expr: [{ match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'eth0' } }, { drop: null }] } },
        { rule: { family: 'ip', table: 'n', chain: 'late', expr: [{ masquerade: null }] } },
      ],
    });
    const d = evaluateNatHook(dropped, 'postrouting', packet());
    expect(d.result).toBe('drop');
    expect(d.by?.reason).toBe('dropped: leaves via eth0 (oifname eth0)');
    expect(d.notApplied.map((c) => c.reason)).toEqual(['not reached: the packet was already dropped by nft ip n early: oifname "eth0" drop']);

    const dnat = iptables(['*nat', ':PREROUTING ACCEPT [0:0]', '-A PREROUTING -d 203.0.113.1/32 -j DNAT --to-destination 10.0.0.5', 'COMMIT'].join('\n'));
    const pre = evaluateNatHook(dnat, 'prerouting', packet({ daddr: '203.0.113.1', iif: 'eth0', oif: undefined }));
    expect(pre.result).toBe('none');
    expect(pre.dnat).toMatchObject({ rule: { verdict: { kind: 'dnat', to: '10.0.0.5' } }, reason: 'destination 203.0.113.1 is in 203.0.113.1/32' });
  });

  it('reads fixtures without errors', () => {
    for (const name of ['docker', 'iptables-modules', 'nft-named-sets', 'incompatible', 'nft-jumps']) {
      expect(combined(name).errors).toEqual([]);
    }
    expect(fixture('docker.nft.json')).toContain('"xt"');
  });
});

describe('evaluateNatHook through user chains', () => {
  it('a masquerade behind a jump that cannot be evaluated is a maybe; behind a non-matching one, not reached', () => {
    const rs = iptables(
      [
        '*nat',
        ':POSTROUTING ACCEPT [0:0]',
        ':MASQ-IF-REMOTE - [0:0]',
        ':MASQ-LAN - [0:0]',
        '-A POSTROUTING -m addrtype ! --dst-type LOCAL -j MASQ-IF-REMOTE',
        '-A POSTROUTING -s 10.0.0.0/8 -j MASQ-LAN',
        '-A MASQ-IF-REMOTE -j MASQUERADE',
        '-A MASQ-LAN -j MASQUERADE',
        'COMMIT',
      ].join('\n'),
    );
    const out = evaluateNatHook(rs, 'postrouting', packet());
    expect(out.result).toBe('none');
    expect(out.maybe.map((c) => [c.chainPath, c.reason])).toEqual([
      [['POSTROUTING', 'MASQ-IF-REMOTE'], 'reached only through a rule that could not be evaluated: -A POSTROUTING -m addrtype ! --dst-type LOCAL -j MASQ-IF-REMOTE'],
    ]);
    expect(out.notApplied.map((c) => [c.chainPath, c.reason])).toEqual([
      [['POSTROUTING', 'MASQ-LAN'], 'not reached: the jump MASQ-LAN does not apply (source 192.168.0.2 is not in 10.0.0.0/8): -A POSTROUTING -s 10.0.0.0/8 -j MASQ-LAN'],
    ]);
    const lan = evaluateNatHook(rs, 'postrouting', packet({ saddr: '10.1.1.1' }));
    expect(lan).toMatchObject({ result: 'masquerade', by: { chainPath: ['POSTROUTING', 'MASQ-LAN'], reason: 'matches every packet' } });
  });
});
