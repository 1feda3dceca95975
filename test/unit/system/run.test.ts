// The runner on plain programs (no root, no namespaces): exit codes, output, input, timeouts.
import { describe, expect, it } from 'vitest';
import { describeFailure, run } from '../../../src/system/run.js';

describe('run', () => {
  it('collects stdout, stderr and the exit code without a shell', async () => {
    const r = await run(['sh', '-c', 'printf "out\\n"; printf "err\\n" >&2; exit 3']);
    expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', failed: true, timedOut: false, spawnError: null });
    expect(describeFailure(r)).toMatch(/exit 3: err$/);
  });

  it('passes arguments verbatim (no shell expansion)', async () => {
    const r = await run(['printf', '%s|', '$HOME', '*', 'a b']);
    expect(r.stdout).toBe('$HOME|*|a b|');
    expect(r.failed).toBe(false);
  });

  it('reports a program that is not installed as ENOENT', async () => {
    const r = await run(['netdoctor-no-such-program']);
    expect(r).toMatchObject({ exitCode: null, spawnError: 'ENOENT', failed: true });
    expect(describeFailure(r)).toMatch(/not installed/);
  });

  it('writes input to stdin and runs with LC_ALL=C', async () => {
    expect((await run(['cat'], { input: 'abc' })).stdout).toBe('abc');
    expect((await run(['sh', '-c', 'echo $LC_ALL'])).stdout).toBe('C\n');
  });

  it('kills a program that outlives its timeout, even one that ignores SIGTERM', async () => {
    const started = Date.now();
    const r = await run(['sh', '-c', 'trap "" TERM; sleep 20'], { timeoutMs: 200 });
    expect(r).toMatchObject({ timedOut: true, failed: true, exitCode: null });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('collects large output whole', async () => {
    const r = await run(['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done']);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(20000);
  });
});
