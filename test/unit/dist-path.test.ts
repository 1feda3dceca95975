// Where worker scripts are found in each layout netdoctor runs in (src/dist-path.ts).
import { describe, expect, it } from 'vitest';
import { distRootOf } from '../../src/dist-path.js';

describe('distRootOf', () => {
  it('the bundle: an entry, a worker entry, a shared chunk', () => {
    expect(distRootOf('/opt/nd/dist/cli.js')).toBe('/opt/nd/dist');
    expect(distRootOf('/opt/nd/dist/system/capture/worker.js')).toBe('/opt/nd/dist');
    expect(distRootOf('/opt/nd/dist/chunks/chunk-ABC.js')).toBe('/opt/nd/dist');
  });
  it("tsc's per-module output", () => {
    expect(distRootOf('/opt/nd/dist/dist-path.js')).toBe('/opt/nd/dist');
  });
  it('TypeScript run directly (tests, tsx): the built files beside src/', () => {
    expect(distRootOf('/home/me/src/netdoctor/src/dist-path.ts')).toBe('/home/me/src/netdoctor/dist');
  });
  it('the nearest dist wins over a directory named src or dist further up', () => {
    expect(distRootOf('/src/x/netdoctor/dist/chunks/a.js')).toBe('/src/x/netdoctor/dist');
    expect(distRootOf('/dist/netdoctor/src/a.ts')).toBe('/dist/netdoctor/dist');
  });
  it('no known layout: next to the file', () => {
    expect(distRootOf('/opt/other/a.js')).toBe('/opt/other');
  });
});
