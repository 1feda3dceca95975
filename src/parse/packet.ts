// Decode just enough of a captured frame to summarize an ICMP packet: pure, so the capture
// worker stays a thin loop and this is unit-tested from raw bytes. pcap's own decoder drops
// the echo identifier and sequence, which we need to match packets across NAT.

export type LinkType = 'LINKTYPE_ETHERNET' | 'LINKTYPE_LINUX_SLL' | 'LINKTYPE_RAW' | string;

export interface IcmpSummary {
  type: number;
  code: number;
  source: string;
  destination: string;
  id: number | null;
  seq: number | null;
}

const ETH_P_IP = 0x0800;
const VLAN_TAGS = new Set([0x8100, 0x88a8]);

function ipv4(buf: Uint8Array, at: number): string {
  return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
}

function u16(buf: Uint8Array, at: number): number {
  return ((buf[at] ?? 0) << 8) | (buf[at + 1] ?? 0);
}

/** Offset of the IPv4 header in a frame of this link type, or null when it is not IPv4. */
function ipOffset(buf: Uint8Array, linkType: LinkType): number | null {
  if (linkType === 'LINKTYPE_RAW') return 0;
  let at: number;
  let proto: number;
  if (linkType === 'LINKTYPE_ETHERNET') {
    at = 14;
    proto = u16(buf, 12);
    // 802.1Q / 802.1ad tags: skip them (4 bytes each).
    while (VLAN_TAGS.has(proto) && buf.length >= at + 4) {
      proto = u16(buf, at + 2);
      at += 4;
    }
  } else if (linkType === 'LINKTYPE_LINUX_SLL') {
    at = 16;
    proto = u16(buf, 14);
  } else {
    return null;
  }
  return proto === ETH_P_IP ? at : null;
}

/** The ICMP summary of one frame, or null when it is not an IPv4 ICMP packet (or is truncated). */
export function decodeIcmp(frame: Uint8Array, linkType: LinkType): IcmpSummary | null {
  const at = ipOffset(frame, linkType);
  if (at === null || frame.length < at + 20) return null;
  const vihl = frame[at]!;
  if (vihl >> 4 !== 4) return null;
  const ihl = (vihl & 0x0f) * 4;
  if (ihl < 20 || frame[at + 9] !== 1) return null; // protocol 1: ICMP
  // Fragments after the first carry no ICMP header.
  if ((u16(frame, at + 6) & 0x1fff) !== 0) return null;
  const icmp = at + ihl;
  if (frame.length < icmp + 4) return null;
  const type = frame[icmp]!;
  const echo = (type === 0 || type === 8) && frame.length >= icmp + 8;
  return {
    type,
    code: frame[icmp + 1]!,
    source: ipv4(frame, at + 12),
    destination: ipv4(frame, at + 16),
    id: echo ? u16(frame, icmp + 4) : null,
    seq: echo ? u16(frame, icmp + 6) : null,
  };
}

export function icmpTypeName(type: number): string {
  return type === 8 ? 'echo-request' : type === 0 ? 'echo-reply' : `icmp-${type}`;
}

/** pcap's 16-byte record header: seconds, microseconds, captured length, wire length (host order, little-endian here). */
export function pcapHeaderTime(header: Uint8Array): { timeMs: number; caplen: number } {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const sec = view.getUint32(0, true);
  const usec = view.getUint32(4, true);
  return { timeMs: sec * 1000 + usec / 1000, caplen: view.getUint32(8, true) };
}
