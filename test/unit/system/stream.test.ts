// The one line-streaming spawner (spawnStreaming, and spawnLines for the learn watcher): lines in
// order (the last one even without a newline), stdin lines, stop() and the hard timeout.
import { describe, expect, it } from 'vitest';
import { spawnLines, spawnStreaming } from '../../../src/system/run.js';

describe('spawnStreaming / spawnLines', () => {
  it('delivers stdout line by line, in order, including an unterminated last line', async () => {
    const p = spawnStreaming(['sh', '-c', 'printf "a\\nb\\n"; printf "c"'], { timeoutMs: 10_000 });
    const lines: string[] = [];
    p.onLine((l) => lines.push(l));
    const done = await p.exited;
    expect(lines).toEqual(['a', 'b', 'c']);
    expect(done).toMatchObject({ exitCode: 0, spawnError: null });
  });

  it('spawnLines: echoes what is written to stdin, and stop() ends it (stdin closed)', async () => {
    const p = spawnLines(['cat']);
    const lines: string[] = [];
    p.onLine((l) => lines.push(l));
    p.writeLine('hello');
    await new Promise((res) => setTimeout(res, 300));
    await p.stop(5000);
    expect(lines).toEqual(['hello']);
    expect((await p.exited).exitCode).toBe(0);
  });

  it('stop() kills a child that ignores its closed stdin after the grace time', async () => {
    const p = spawnLines(['sleep', '30']);
    const t0 = Date.now();
    await p.stop(200);
    expect((await p.exited).signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('spawnStreaming kills a child that outlives its timeout; spawnLines reports a missing program', async () => {
    const p = spawnStreaming(['sleep', '30'], { timeoutMs: 200 });
    expect((await p.exited).signal).toBe('SIGTERM');
    const q = spawnLines(['netdoctor-no-such-program']);
    expect(await q.exited).toEqual({ exitCode: null, signal: null });
  });
});
