// The DNS worker's lines -> per-server results, including a probe abandoned mid-way.
import { describe, expect, it } from 'vitest';
import { dnsServerResults, readDnsWorkerLines } from '../../../src/parse/dns-probe.js';

const answered = { server: '192.168.0.1', answered: true, rcode: 'NOERROR', ms: 2, error: null };
const timedOut = { server: '198.51.100.53', answered: false, rcode: null, ms: null, error: 'timeout' };

describe('DNS worker output', () => {
  it('a finished worker: its final array is the result', () => {
    const lines = ['{"sent":"198.51.100.53"}', JSON.stringify(timedOut), JSON.stringify([timedOut]), ''];
    const got = readDnsWorkerLines(lines);
    expect(got.sent).toEqual(new Set(['198.51.100.53']));
    expect(dnsServerResults(['198.51.100.53'], got, null)).toEqual([timedOut]);
    // Abandoning after it finished changes nothing.
    expect(dnsServerResults(['198.51.100.53'], got, { error: 'abandoned', waitedMs: () => 5 })).toEqual([timedOut]);
  });

  it('abandoned: settled servers keep their result, the others are "abandoned" with their wait', () => {
    const lines = ['{"sent":"198.51.100.53"}', '{"sent":"192.168.0.1"}', JSON.stringify(answered), 'not json'];
    const got = readDnsWorkerLines(lines);
    expect(dnsServerResults(['198.51.100.53', '192.168.0.1', '203.0.113.9'], got, { error: 'abandoned', waitedMs: (s) => (s === '198.51.100.53' ? 1100 : 0) })).toEqual([
      { server: '198.51.100.53', answered: false, rcode: null, ms: null, error: 'abandoned', waitedMs: 1100 },
      answered,
      // Its query was never sent: no wait to speak of.
      { server: '203.0.113.9', answered: false, rcode: null, ms: null, error: 'abandoned', waitedMs: null },
    ]);
  });

  it('not abandoned: every server settled is a result, anything less is none (the worker failed)', () => {
    const got = readDnsWorkerLines([JSON.stringify(answered)]);
    expect(dnsServerResults(['192.168.0.1'], got, null)).toEqual([answered]);
    expect(dnsServerResults(['192.168.0.1', '198.51.100.53'], got, null)).toBeNull();
    expect(dnsServerResults(['192.168.0.1'], readDnsWorkerLines(['node: not found']), null)).toBeNull();
  });
});
