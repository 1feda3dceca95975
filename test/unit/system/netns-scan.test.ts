// check --all's namespace list: one entry per namespace, matched by (device, inode), never by an
// inode alone (unique only per device) or by a name.
import { describe, expect, it } from 'vitest';
import { byNameNumeric, dedupeNamespaces, hostId, scanNamespaces } from '../../../src/system/netns-scan.js';

describe('dedupeNamespaces', () => {
  it('keeps two namespaces with the same inode on different devices apart', () => {
    const out = dedupeNamespaces([{ name: 'a', id: { dev: 4, ino: 4026532001 } }], [{ pid: 300, id: { dev: 5, ino: 4026532001 } }], null);
    expect(out).toEqual([
      { name: 'a', pid: null, dev: 4, inode: 4026532001 },
      { name: null, pid: 300, dev: 5, inode: 4026532001 },
    ]);
  });

  it('one entry per (device, inode): the name wins over a process, the lowest pid over others', () => {
    const id = { dev: 4, ino: 7 };
    const other = { dev: 4, ino: 8 };
    const out = dedupeNamespaces(
      [
        { name: 'x', id },
        { name: 'x-alias', id },
      ],
      [
        { pid: 900, id },
        { pid: 950, id: other },
        { pid: 920, id: other },
      ],
      null,
    );
    expect(out).toEqual([
      { name: 'x', pid: null, dev: 4, inode: 7 },
      { name: null, pid: 920, dev: 4, inode: 8 },
    ]);
  });

  it('leaves out the host side only when device and inode both match', () => {
    const host = { dev: 4, ino: 1 };
    const out = dedupeNamespaces([{ name: 'same-ino-other-dev', id: { dev: 9, ino: 1 } }], [{ pid: 1, id: host }, { pid: 2, id: null }], host);
    expect(out.map((c) => c.name ?? c.pid)).toEqual(['same-ino-other-dev']);
  });

  it('on this machine: the namespace netdoctor runs in is never a candidate', () => {
    const host = hostId(null);
    expect(host).not.toBeNull();
    const all = scanNamespaces(null);
    expect(all.some((c) => c.dev === host!.dev && c.inode === host!.ino)).toBe(false);
    expect(new Set(all.map((c) => `${c.dev}:${c.inode}`)).size).toBe(all.length);
  });
});

describe('byNameNumeric', () => {
  it('orders names as people count (s2 before s10), ties broken by plain text', () => {
    expect(['s10', 's2', 's1', 'ns0', 'S1', 'web'].sort(byNameNumeric)).toEqual(['ns0', 's1', 'S1', 's2', 's10', 'web']);
  });
});
