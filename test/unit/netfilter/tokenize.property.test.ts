// tokenize's fast path (no quote, no backslash) splits exactly like the character scanner.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../../src/netfilter/iptables-rule.js';

/** The character scanner's behaviour on a line without quotes or backslashes. */
function scan(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (const c of line) {
    if (/\s/.test(c)) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

describe('tokenize without quotes or backslashes', () => {
  it('gives runs of non-space, value and raw alike', () => {
    const ch = fc.constantFrom('a', 'Z', '0', '-', '!', '/', '.', ',', ':', '+', ' ', ' ', '\t', '\u00a0', '\r', 'é');
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 60 }).map((a) => a.join('')), (line) => {
        const { tokens, error } = tokenize(line);
        expect(error).toBeUndefined();
        expect(tokens.map((t) => t.value)).toEqual(scan(line));
        for (const t of tokens) expect(t.raw).toBe(t.value);
      }),
      { numRuns: 3000 },
    );
  });
});
