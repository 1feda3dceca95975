import { describe, expect, it } from 'vitest';
import { decodeIcmp, icmpTypeName, pcapHeaderTime } from '../../../src/parse/packet.js';

/** An Ethernet frame carrying IPv4 ICMP, built byte by byte (what pcap hands the worker). */
function frame(opts: { type: number; src: number[]; dst: number[]; id?: number; seq?: number; vlan?: boolean; proto?: number; ethertype?: number; fragOffset?: number }): Uint8Array {
  const eth = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  if (opts.vlan) eth.push(0x81, 0x00, 0x00, 0x05);
  eth.push(...(opts.ethertype === undefined ? [0x08, 0x00] : [opts.ethertype >> 8, opts.ethertype & 0xff]));
  const frag = opts.fragOffset ?? 0;
  const ip = [0x45, 0, 0, 84, 0x12, 0x34, frag >> 8, frag & 0xff, 64, opts.proto ?? 1, 0, 0, ...opts.src, ...opts.dst];
  const id = opts.id ?? 0x1234;
  const seq = opts.seq ?? 1;
  const icmp = [opts.type, 0, 0xab, 0xcd, id >> 8, id & 0xff, seq >> 8, seq & 0xff, 1, 2, 3, 4];
  return Uint8Array.from([...eth, ...ip, ...icmp]);
}

describe('decodeIcmp', () => {
  it('reads an echo request: addresses, identifier and sequence', () => {
    const p = decodeIcmp(frame({ type: 8, src: [10, 42, 0, 2], dst: [198, 51, 100, 8], id: 29073, seq: 2 }), 'LINKTYPE_ETHERNET');
    expect(p).toEqual({ type: 8, code: 0, source: '10.42.0.2', destination: '198.51.100.8', id: 29073, seq: 2 });
  });
  it('reads an echo reply behind an 802.1Q tag', () => {
    const p = decodeIcmp(frame({ type: 0, src: [198, 51, 100, 8], dst: [203, 0, 113, 2], vlan: true, id: 7, seq: 9 }), 'LINKTYPE_ETHERNET');
    expect(p).toMatchObject({ type: 0, source: '198.51.100.8', destination: '203.0.113.2', id: 7, seq: 9 });
  });
  it('has no identifier for ICMP that is not an echo', () => {
    const p = decodeIcmp(frame({ type: 3, src: [203, 0, 113, 1], dst: [203, 0, 113, 2] }), 'LINKTYPE_ETHERNET');
    expect(p).toMatchObject({ type: 3, id: null, seq: null });
  });
  it('refuses what is not IPv4 ICMP, a later fragment, or a truncated frame', () => {
    expect(decodeIcmp(frame({ type: 8, src: [1, 1, 1, 1], dst: [2, 2, 2, 2], proto: 6 }), 'LINKTYPE_ETHERNET')).toBeNull();
    expect(decodeIcmp(frame({ type: 8, src: [1, 1, 1, 1], dst: [2, 2, 2, 2], ethertype: 0x86dd }), 'LINKTYPE_ETHERNET')).toBeNull();
    expect(decodeIcmp(frame({ type: 8, src: [1, 1, 1, 1], dst: [2, 2, 2, 2], fragOffset: 0x00b9 }), 'LINKTYPE_ETHERNET')).toBeNull();
    expect(decodeIcmp(frame({ type: 8, src: [1, 1, 1, 1], dst: [2, 2, 2, 2] }).subarray(0, 30), 'LINKTYPE_ETHERNET')).toBeNull();
    expect(decodeIcmp(new Uint8Array(0), 'LINKTYPE_ETHERNET')).toBeNull();
    expect(decodeIcmp(frame({ type: 8, src: [1, 1, 1, 1], dst: [2, 2, 2, 2] }), 'LINKTYPE_IEEE802_11_RADIO')).toBeNull();
  });
  it('reads raw IP and Linux cooked captures', () => {
    const eth = frame({ type: 8, src: [10, 0, 0, 2], dst: [198, 51, 100, 8] });
    expect(decodeIcmp(eth.subarray(14), 'LINKTYPE_RAW')).toMatchObject({ source: '10.0.0.2' });
    const sll = Uint8Array.from([0, 4, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00, ...eth.subarray(14)]);
    expect(decodeIcmp(sll, 'LINKTYPE_LINUX_SLL')).toMatchObject({ source: '10.0.0.2', destination: '198.51.100.8' });
  });
});

describe('pcap record header', () => {
  it('gives milliseconds and the captured length', () => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000, 0);
    h.writeUInt32LE(250_500, 4);
    h.writeUInt32LE(98, 8);
    h.writeUInt32LE(98, 12);
    expect(pcapHeaderTime(h)).toEqual({ timeMs: 1_700_000_000_250.5, caplen: 98 });
  });
  it('names ICMP types', () => {
    expect([8, 0, 3].map(icmpTypeName)).toEqual(['echo-request', 'echo-reply', 'icmp-3']);
  });
});
