// ns.dns from recorded lab snapshots (record.sh) and the DNS wire format the probe and the lab
// resolver speak.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import type { SavedSnapshot } from '../../../src/commands/check.js';
import type { DnsProbeResult, StepResult } from '../../../src/model/result.js';
import { answerQuery, encodeQuery, parseHeader } from '../../../src/net/dns-wire.js';

function load(id: string): SavedSnapshot {
  return JSON.parse(readFileSync(new URL(`../../fixtures/snapshots/${id}.json`, import.meta.url), 'utf8')) as SavedSnapshot;
}
function dnsStep(saved: SavedSnapshot, dns: DnsProbeResult | null | undefined = saved.dns): StepResult {
  return diagnose(saved.snapshot, saved.ping, dns ?? null).steps.find((s) => s.id === 'ns.dns')!;
}

describe('DNS wire format', () => {
  it('a query for example.com A, answered by the lab resolver with the address it was given', () => {
    const q = encodeQuery(0x1234, 'example.com');
    expect(parseHeader(q)).toEqual({ id: 0x1234, response: false, rcode: 0, questions: 1, answers: 0 });
    const a = answerQuery(q, '198.51.100.8')!;
    expect(parseHeader(a)).toEqual({ id: 0x1234, response: true, rcode: 0, questions: 1, answers: 1 });
    expect([...a.subarray(a.length - 4)]).toEqual([198, 51, 100, 8]);
  });

  it('a non-A query is answered with no records; garbage and responses get no reply', () => {
    const aaaa = answerQuery(encodeQuery(7, 'example.com', 28), '198.51.100.8')!;
    expect(parseHeader(aaaa)?.answers).toBe(0);
    expect(answerQuery(Uint8Array.from([1, 2, 3]), '198.51.100.8')).toBeNull();
    expect(answerQuery(answerQuery(encodeQuery(9, 'a.b'), '198.51.100.8')!, '198.51.100.8')).toBeNull();
  });
});

describe('ns.dns', () => {
  it('healthy lab: the lab resolver answers a real query from inside the namespace', () => {
    const s = dnsStep(load('healthy'));
    expect(s.status).toBe('pass');
    expect(s.summary).toBe('resolver 198.51.100.53 answers from inside ndrec-ct');
    expect(s.evidence).toContain('asked 198.51.100.53 for example.com (A) over UDP: answered NOERROR in 1 ms');
  });

  it('a container found by its process keeps its own resolv.conf: Docker\'s 127.0.0.11 there is no inherited stub', () => {
    const saved = load('healthy');
    const snap = structuredClone(saved.snapshot);
    snap.input.ns = '/proc/4242/ns/net';
    snap.container!.resolvConf = { path: '/proc/4242/root/etc/resolv.conf', nameservers: ['127.0.0.11'] };
    const s = diagnose(snap, null).steps.find((x) => x.id === 'ns.dns')!;
    expect(s.status).toBe('pass');
    expect(s.summary).toBe("resolver 127.0.0.11 (the namespace's own)");
    expect(s.evidence.join('\n')).not.toMatch(/\/etc\/netns/);
    // Inherited from the host (its root's file unreadable): the host's stub is still called out.
    snap.container!.resolvConf = { path: '/etc/resolv.conf', nameservers: ['127.0.0.53'] };
    const inherited = diagnose(snap, null).steps.find((x) => x.id === 'ns.dns')!;
    expect(inherited.status).toBe('warn');
    expect(inherited.evidence).toContain('/proc/4242/root/etc/resolv.conf: unreadable, so /proc/4242/ns/net inherits /etc/resolv.conf');
  });

  it('dns-host-stub: inherited loopback stub, and the probe shows nothing listens there', () => {
    const saved = load('dns-host-stub');
    const s = dnsStep(saved);
    expect(s.status).toBe('warn');
    expect(s.summary).toMatch(/inherits the host's resolver 127\.0\.0\.53, a loopback address/);
    expect(s.evidence.join('\n')).toMatch(/\/etc\/netns\/ndrec-ct\/resolv\.conf: absent/);
    expect(s.evidence.join('\n')).toMatch(/refused: nothing listens on port 53/);
    // Without the probe the file alone still tells.
    expect(dnsStep(saved, null).status).toBe('warn');
  });

  it('dns-resolver-unanswered: only the probe can tell; without it the step passes', () => {
    const saved = load('dns-resolver-unanswered');
    const s = dnsStep(saved);
    expect(s.status).toBe('warn');
    expect(s.summary).toBe('resolver 198.51.100.53 does not answer from inside ndrec-ct: names will not resolve');
    expect(s.evidence.join('\n')).toMatch(/no answer within 1\.5 s/);
    expect(dnsStep(saved, null).status).toBe('pass');
  });

  it('no-masquerade: a silent resolver when nothing gets out is no second alarm', () => {
    expect(dnsStep(load('no-masquerade')).status).toBe('skip');
  });

  it('no-masquerade, abandoned once the ping got no reply: still no second alarm, and it says why it stopped', () => {
    const saved = load('no-masquerade');
    const dns: DnsProbeResult = { ...saved.dns!, servers: [{ server: '198.51.100.53', answered: false, rcode: null, ms: null, error: 'abandoned', waitedMs: 1040 }] };
    const s = dnsStep(saved, dns);
    expect(s.status).toBe('skip');
    expect(s.evidence).toContain(
      'asked 198.51.100.53 for example.com (A) over UDP: no answer within 1.0 s; not waited for longer: it is reached the same way as the target, and the ping got no reply either',
    );
    const unsent = dnsStep(saved, { ...dns, servers: [{ ...dns.servers[0]!, waitedMs: null }] });
    expect(unsent.evidence.join('\n')).toMatch(/no answer \(the query was still being sent\); not waited for longer/);
  });

  it('firewalld-forward-reject: the rejected query shows as unreachable', () => {
    expect(dnsStep(load('firewalld-forward-reject')).evidence.join('\n')).toMatch(/unreachable: a router or firewall answered/);
  });
});
