import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePing } from '../../../src/parse/ping.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ip/${name}`, import.meta.url), 'utf8');
const parse = (base: string) => parsePing(fixture(`${base}.stdout`), fixture(`${base}.stderr`));

describe('parsePing (recorded iputils output)', () => {
  it('counts replies and the average rtt', () => {
    expect(parse('ping-ok')).toEqual({ transmitted: 2, received: 2, rttMs: 0.394, error: null });
  });
  it('reports total loss', () => {
    expect(parse('ping-no-reply')).toEqual({ transmitted: 2, received: 0, rttMs: null, error: null });
  });
  it('reports "Network is unreachable" (no default route)', () => {
    expect(parse('ping-network-unreachable')).toEqual({ transmitted: 0, received: 0, rttMs: null, error: 'connect: Network is unreachable' });
  });
});
