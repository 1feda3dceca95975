// The runner on plain programs (no root, no namespaces): exit codes, output, input, timeouts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFailure, processAlive, run } from '../../../src/system/run.js';

/** Running and not a zombie (a zombie is dead, only not yet reaped). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

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

  it.skipIf(process.getuid?.() !== 0)('a program missing inside a namespace (nsenter into our own, as check --pid does) is ENOENT too, named by itself', async () => {
    const r = await run(['nsenter', `--net=/proc/${process.pid}/ns/net`, 'netdoctor-no-such-program', '-x']);
    expect(r).toMatchObject({ spawnError: 'ENOENT', failed: true });
    expect(describeFailure(r)).toMatch(/^netdoctor-no-such-program: not installed/);
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

  it('kills the whole process tree of a command that times out, not only the command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ndrun-'));
    const pidFile = join(dir, 'grandchild.pid');
    let grandchild = 0;
    try {
      // The command forks a grandchild that sleeps on (and ignores SIGTERM), then hangs itself.
      const script = `const { spawn } = require('node:child_process');
const c = spawn('sh', ['-c', 'trap "" TERM; sleep 300'], { stdio: 'ignore' });
require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));
setInterval(() => {}, 1000);`;
      const r = await run([process.execPath, '-e', script], { timeoutMs: 1500 });
      expect(r).toMatchObject({ timedOut: true, failed: true });
      expect(describeFailure(r)).toMatch(/timed out$/);
      grandchild = Number(readFileSync(pidFile, 'utf8'));
      expect(grandchild).toBeGreaterThan(1);
      // SIGKILL is delivered at once, but give a loaded machine time to reap.
      const deadline = Date.now() + 5000;
      while (running(grandchild) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      expect(running(grandchild)).toBe(false);
    } finally {
      if (grandchild > 1 && processAlive(grandchild)) process.kill(grandchild, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('collects large output whole', async () => {
    const r = await run(['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done']);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(20000);
  });
});
