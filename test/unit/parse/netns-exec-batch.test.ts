// Many namespaces read through one `ip -force -batch -` of `netns exec NS ip -j -d -batch FILE`
// lines, recorded from a real lab: a healthy namespace, one without a route to the target (its
// lookup fails), another healthy one; and a batch where a namespace was gone (ip's forked child
// then runs the rest of the batch again). Compared with each namespace read alone.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIpFactsBatch } from '../../../src/parse/ip-batch.js';
import { batchSafeName, batchSafePath, netnsExecBatch, splitNetnsExec } from '../../../src/parse/netns-exec-batch.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ip-batch/${name}`, import.meta.url), 'utf8');
const single = JSON.parse(fixture('netns-exec.single.json')) as { ns: string; exitCode: number; stdout: string; stderr: string }[];
const FILE = '/tmp/b8/child.batch'; // the recording's reader batch

describe('netnsExecBatch', () => {
  it('one reader per namespace, reading the same batch file', () => {
    expect(netnsExecBatch(['a', 'b'], '/tmp/x/ip.batch')).toBe('netns exec a ip -j -d -batch /tmp/x/ip.batch\nnetns exec b ip -j -d -batch /tmp/x/ip.batch\n');
  });

  it('only names and paths that ip cannot split differently are batched', () => {
    for (const ok of ['ns0', 'ndt-ab12-s1', 'a.b', 'x_y@z+1']) expect(batchSafeName(ok), ok).toBe(true);
    for (const bad of ['', '.', '..', '-n', 'a b', 'a"b', "a'b", 'a\\b', 'a#b', 'a\tb', 'a;b', 'é']) expect(batchSafeName(bad), bad).toBe(false);
    expect(batchSafePath('/tmp/netdoctor-Ab12/ip.batch')).toBe(true);
    expect(batchSafePath('/tmp/my dir/ip.batch')).toBe(false);
    expect(batchSafePath('relative/ip.batch')).toBe(false);
  });
});

describe('splitNetnsExec', () => {
  it("gives each namespace exactly the output a lone read gives (a failed lookup's error included)", () => {
    const sides = splitNetnsExec(3, 3, FILE, fixture('netns-exec.stdout'), fixture('netns-exec.stderr'));
    expect(sides).not.toBeNull();
    for (const [i, s] of single.entries()) {
      expect(sides![i], s.ns).toEqual({ exitCode: s.exitCode, stdout: s.stdout, stderr: s.stderr });
      expect(parseIpFactsBatch(sides![i]!.exitCode, sides![i]!.stdout, sides![i]!.stderr)).toEqual(parseIpFactsBatch(s.exitCode, s.stdout, s.stderr));
    }
    expect(parseIpFactsBatch(sides![1]!.exitCode, sides![1]!.stdout, sides![1]!.stderr).lookup).toEqual({ ok: false, error: 'Network is unreachable' });
  });

  it('refuses the whole output when a namespace was gone (the rest of the batch ran twice)', () => {
    expect(splitNetnsExec(4, 3, FILE, fixture('netns-exec-gone.stdout'), fixture('netns-exec-gone.stderr'))).toBeNull();
  });

  it('a namespace that could not be entered is left to be read alone; counts that do not add up refuse it all', () => {
    const out = fixture('netns-exec.stdout');
    const lines = out.trim().split('\n');
    // The last of four could not be entered: nothing of it on stdout.
    const sides = splitNetnsExec(4, 3, FILE, out, `${fixture('netns-exec.stderr')}Cannot open network namespace "x": No such file or directory\nCommand failed -:4\n`);
    expect(sides?.slice(0, 3).every((s) => s !== null)).toBe(true);
    expect(sides?.[3]).toBeNull();
    // A reader whose first command failed: read alone too.
    const first = splitNetnsExec(2, 3, FILE, `${lines.slice(0, 3).join('\n')}\n`, `boom\nCommand failed ${FILE}:1\nCommand failed -:2\n`);
    expect(first).toEqual([{ exitCode: 0, stdout: `${lines.slice(0, 3).join('\n')}\n`, stderr: '' }, null]);
    expect(splitNetnsExec(3, 3, FILE, `${out}[]\n`, fixture('netns-exec.stderr'))).toBeNull();
    expect(splitNetnsExec(3, 3, FILE, out, `${fixture('netns-exec.stderr')}stray\n`)).toBeNull();
    expect(splitNetnsExec(2, 3, FILE, out, fixture('netns-exec.stderr'))).toBeNull();
  });
});
