// `lab down --all` removes only what this netdoctor recorded (its own state directory), leaves
// a lab another `lab up` is building right now alone, and still removes a half-built lab whose
// builder died. Real labs and namespaces; each side has its own temporary state directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processStartTicks, run } from '../../src/system/run.js';
import { CLI, integrationSkipReason, labUpArgs, namespacesOf, randomLabOptions, uniquePrefix } from './helpers.js';

const skip = integrationSkipReason();

async function cli(env: Record<string, string>, args: string[]) {
  const r = await run(['node', CLI, ...args], { env, timeoutMs: 90_000 });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** A pid that surely belongs to no process any more: one that has exited and was reaped. */
async function deadPid(): Promise<number> {
  const c = spawn('true', [], { stdio: 'ignore' });
  await new Promise((res) => c.on('exit', res));
  return c.pid!;
}

describe.skipIf(skip !== null)('lab down --all', () => {
  it('removes only its own labs, skips one being built by a live `lab up`, removes a stale half-built one', { timeout: 240_000 }, async () => {
    const dirA = mkdtempSync(join(tmpdir(), 'ndt-labs-a-'));
    const dirB = mkdtempSync(join(tmpdir(), 'ndt-labs-b-'));
    const worlds = mkdtempSync(join(tmpdir(), 'ndt-worlds-')); // empty: no world is touched
    const envA = { NETDOCTOR_LAB_DIR: dirA, NETDOCTOR_WORLD_DIR: worlds };
    const envB = { NETDOCTOR_LAB_DIR: dirB, NETDOCTOR_WORLD_DIR: worlds };
    const a = randomLabOptions();
    const b = randomLabOptions();
    const stale = uniquePrefix();
    const busy = uniquePrefix();
    let builder: ChildProcess | null = null;
    try {
      const upA = await cli(envA, labUpArgs('healthy', a));
      expect(upA.code, upA.stderr).toBe(0);
      const upB = await cli(envB, labUpArgs('healthy', b));
      expect(upB.code, upB.stderr).toBe(0);
      expect(existsSync(join(dirA, `${a.prefix}.json`))).toBe(true);
      expect(existsSync(join(dirB, `${b.prefix}.json`))).toBe(true);

      // Two half-built labs recorded in A's directory (a copy of lab A's state, renamed): one
      // whose builder died, one whose builder still runs.
      const template = readFileSync(join(dirA, `${a.prefix}.json`), 'utf8');
      const halfBuilt = (prefix: string, pid: number, pidStart: number | null) => {
        const state = JSON.parse(template.split(a.prefix).join(prefix)) as Record<string, unknown>;
        writeFileSync(join(dirA, `${prefix}.json`), JSON.stringify({ ...state, status: 'building', pid, pidStart, processes: [] }));
      };
      halfBuilt(stale, await deadPid(), null);
      builder = spawn('sleep', ['120'], { stdio: 'ignore' });
      const builderPid = builder.pid!;
      halfBuilt(busy, builderPid, processStartTicks(builderPid));
      for (const p of [stale, busy]) expect((await run(['ip', 'netns', 'add', `${p}-host`])).exitCode).toBe(0);

      const down = await cli(envA, ['lab', 'down', '--all', '--json']);
      expect(down.code, down.stderr).toBe(0);
      const out = JSON.parse(down.stdout) as { removed: { prefix: string; removed: string[]; skipped?: string }[] };
      expect(out.removed.map((r) => r.prefix).sort()).toEqual([a.prefix, busy, stale].sort());
      expect(out.removed.find((r) => r.prefix === busy)?.skipped).toMatch(new RegExp(`pid ${builderPid}`));
      // A's own lab and the stale one are gone, state files too.
      expect(namespacesOf(a.prefix)).toEqual([]);
      expect(namespacesOf(stale)).toEqual([]);
      expect(existsSync(join(dirA, `${a.prefix}.json`))).toBe(false);
      expect(existsSync(join(dirA, `${stale}.json`))).toBe(false);
      // The one still being built is untouched.
      expect(namespacesOf(busy)).toEqual([`${busy}-host`]);
      expect(existsSync(join(dirA, `${busy}.json`))).toBe(true);
      // B's lab (another state directory: not this netdoctor's) is untouched and still works.
      expect(namespacesOf(b.prefix).length).toBeGreaterThanOrEqual(3);
      expect(existsSync(join(dirB, `${b.prefix}.json`))).toBe(true);
      expect((await run(['ping', '-c', '1', '-W', '2', '198.51.100.8'], { ns: `${b.prefix}-${b.ns}`, timeoutMs: 10_000 })).exitCode).toBe(0);

      const text = await cli(envA, ['lab', 'down', '--all']);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(`Left lab "${busy}" alone: \`lab up\` (pid ${builderPid}) is still building it`);
      expect(namespacesOf(busy)).toEqual([`${busy}-host`]);

      // Once its builder is gone, the half-built lab is stale and the next --all removes it; the
      // text says what it did.
      builder.kill('SIGKILL');
      await new Promise((res) => builder!.once('exit', res));
      const again = await cli(envA, ['lab', 'down', '--all']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain(`Removed lab "${busy}"`);
      expect(namespacesOf(busy)).toEqual([]);
      expect(namespacesOf(b.prefix).length).toBeGreaterThanOrEqual(3);
    } finally {
      if (builder && builder.exitCode === null) builder.kill('SIGKILL');
      await cli(envA, ['lab', 'down', '--prefix', a.prefix, '--ns', a.ns]);
      await cli(envB, ['lab', 'down', '--prefix', b.prefix, '--ns', b.ns]);
      for (const p of [stale, busy]) if (namespacesOf(p).length) await run(['ip', 'netns', 'del', `${p}-host`]);
      for (const d of [dirA, dirB, worlds]) rmSync(d, { recursive: true, force: true });
    }
    expect(namespacesOf(a.prefix)).toEqual([]);
    expect(namespacesOf(b.prefix)).toEqual([]);
  });

});
