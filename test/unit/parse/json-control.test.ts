// ip -j and nft -j print kernel strings raw: a name with ESC/BEL makes their JSON invalid.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseToolJson } from '../../../src/parse/json-control.js';
import { parseLinks } from '../../../src/parse/ip-json.js';

// What iproute2 does: print the name between quotes, escaping only '"' and '\'.
const rawJsonString = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

describe('tool JSON with raw control characters', () => {
  it('parses back exactly the string the tool printed raw (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ maxLength: 10 }), (name, other) => {
        const text = `[{"ifname":${rawJsonString(name)},"x":${JSON.stringify(other)}}]\n`;
        expect(parseToolJson(text)).toEqual([{ ifname: name, x: other }]);
      }),
      { numRuns: 2000 },
    );
  });

  it('still refuses what is not JSON at all', () => {
    expect(() => parseToolJson('[{"a": \x1b}]')).toThrow();
    expect(() => parseToolJson('not json')).toThrow();
  });

  it('ip -j -d addr show with an ESC in a bridge name still yields every link', () => {
    const text = `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"mtu":65536,"operstate":"UNKNOWN","addr_info":[]},{"ifindex":2,"ifname":"b\x1b[2Jx","flags":["BROADCAST","UP"],"mtu":1500,"operstate":"UP","linkinfo":{"info_kind":"bridge"},"addr_info":[]}]`;
    expect(parseLinks(text).map((l) => l.name)).toEqual(['lo', 'b\x1b[2Jx']);
  });
});
