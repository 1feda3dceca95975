// The few bytes of the DNS wire format (RFC 1035) netdoctor needs: a query for one name, the
// header of a response, and the lab responder's answer. Pure; no sockets here.

export const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'] as const;

export function rcodeName(code: number): string {
  return RCODES[code] ?? `RCODE${code}`;
}

/** A recursive query (RD set) for `name`, type A (1), class IN. */
export function encodeQuery(id: number, name: string, type = 1): Uint8Array {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const qname: number[] = [];
  for (const l of labels) {
    const bytes = [...new TextEncoder().encode(l)];
    if (bytes.length === 0 || bytes.length > 63) throw new Error(`bad DNS label in ${name}`);
    qname.push(bytes.length, ...bytes);
  }
  qname.push(0);
  const header = [id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
  return Uint8Array.from([...header, ...qname, type >> 8, type & 255, 0, 1]);
}

export interface DnsHeader {
  id: number;
  /** A response (QR bit). */
  response: boolean;
  rcode: number;
  questions: number;
  answers: number;
}

export function parseHeader(buf: Uint8Array): DnsHeader | null {
  if (buf.length < 12) return null;
  return {
    id: (buf[0]! << 8) | buf[1]!,
    response: (buf[2]! & 0x80) !== 0,
    rcode: buf[3]! & 0x0f,
    questions: (buf[4]! << 8) | buf[5]!,
    answers: (buf[6]! << 8) | buf[7]!,
  };
}

/** End of the first question (after QNAME, QTYPE, QCLASS), or -1 when malformed. */
function questionEnd(buf: Uint8Array): number {
  let i = 12;
  while (i < buf.length) {
    const len = buf[i]!;
    if (len === 0) return i + 5 <= buf.length ? i + 5 : -1;
    if (len > 63) return -1;
    i += len + 1;
  }
  return -1;
}

/**
 * The lab resolver's reply: the question echoed, and for an A query one answer with `address`
 * (every name resolves, like a resolver that works). null for anything that is not one query.
 */
export function answerQuery(query: Uint8Array, address: string): Uint8Array | null {
  const h = parseHeader(query);
  if (!h || h.response || h.questions !== 1) return null;
  const end = questionEnd(query);
  if (end < 0) return null;
  const qtype = (query[end - 4]! << 8) | query[end - 3]!;
  const isA = qtype === 1;
  // QR set, RD echoed; RA set, RCODE 0 (NOERROR); one question, one answer for A.
  const header = [query[0]!, query[1]!, 0x80 | (query[2]! & 0x01), 0x80, 0, 1, 0, isA ? 1 : 0, 0, 0, 0, 0];
  const question = [...query.subarray(12, end)];
  const answer = isA ? [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...address.split('.').map(Number)] : [];
  return Uint8Array.from([...header, ...question, ...answer]);
}
