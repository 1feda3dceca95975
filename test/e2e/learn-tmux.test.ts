// The real `netdoctor learn` screen in a real terminal (tmux): it shows step 1, Enter runs it
// and it ticks, a command typed elsewhere (lab exec) ticks too, the 100%-loss moment before NAT
// shows the live capture (the private source on the uplink), q quits, and nothing is left.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LESSON } from '../../src/learn/lesson.js';
import { run } from '../../src/system/run.js';
import { CLI, integrationSkipReason, uniquePrefix } from '../integration/helpers.js';
import { labExec, worldDown, worldMounts } from '../integration/world-helpers.js';

const skip = integrationSkipReason();

async function hasTmux(): Promise<boolean> {
  return (await run(['tmux', '-V'])).exitCode === 0;
}

async function screen(session: string): Promise<string> {
  return (await run(['tmux', 'capture-pane', '-p', '-t', session])).stdout;
}

async function waitForScreen(session: string, re: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await screen(session);
    if (re.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screen never matched ${re}; last screen:\n${last}`);
}

describe.skipIf(skip !== null)('learn in a real terminal (tmux)', () => {
  it('step 1 on screen; Enter runs it and it ticks; a command typed elsewhere ticks; the capture before NAT; q quits cleanly', async () => {
    if (!(await hasTmux())) throw new Error('tmux is not installed (scripts/setup.sh installs it)');
    const prefix = uniquePrefix();
    const session = `${prefix}-tty`;
    const dir = mkdtempSync(join(tmpdir(), 'ndt-learn-tty-'));
    try {
      // CI=true on purpose: Ink draws nothing until exit when it thinks it runs in CI, and CI
      // runners set it (that once blanked this screen in CI). A person at a terminal must see it.
      // tmux does not always record a pane's exit status (pane_dead_status stays empty), so the
      // pane's own shell writes netdoctor's exit code to a file.
      const statusFile = join(dir, 'exit-status');
      const cmd = ['env', 'CI=true', `NETDOCTOR_LEARN_DIR=${dir}`, `ND_STATUS=${statusFile}`, 'sh', '-c', 'node "$0" learn --up --prefix "$1"; echo $? > "$ND_STATUS"', CLI, prefix];
      expect((await run(['tmux', 'new-session', '-d', '-s', session, '-x', '120', '-y', '40', ...cmd])).exitCode).toBe(0);
      // Keep the pane after exit so the final screen and status can be read.
      await run(['tmux', 'set-option', '-t', session, 'remain-on-exit', 'on']);
      const first = await waitForScreen(session, /Step 1\/15: Create the container's network namespace/, 30_000);
      expect(first).toContain('$ ip netns add ns0');
      expect(first).toContain('0/15 done');

      await run(['tmux', 'send-keys', '-t', session, 'Enter']);
      await waitForScreen(session, /✓ 1\/15 Create the container's network namespace/);
      await waitForScreen(session, /Step 2\/15: Create a bridge on the host/);

      // The learner types step 2 in the lab (here: lab exec), verbatim.
      expect((await labExec(prefix, ['ip', 'link', 'add', 'br0', 'type', 'bridge'])).code).toBe(0);
      const ticked = await waitForScreen(session, /✓ 2\/15 Create a bridge on the host/);
      expect(ticked).toContain('+ link br0 (bridge, down)');
      expect(ticked).toContain('2/15 done');

      // On to the tutorial's 100%-loss moment before NAT: the rest of the steps up to ip_forward,
      // typed in the lab; the screen shows the live capture of netdoctor's ping, with the
      // private source leaving the uplink untranslated.
      const rest = LESSON.slice(2, LESSON.findIndex((s) => s.id === 'masquerade'));
      for (const step of rest) expect((await labExec(prefix, step.command)).code).toBe(0);
      const moment = await waitForScreen(session, /eth0 \(uplink\): 1 echo request leaves from 192\.168\.0\.2 \(private, untranslated\), 0 replies/, 30_000);
      expect(moment).toContain('Step 14/15: Masquerade the containers');
      expect(moment).toContain('100% packet loss');
      expect(moment).toContain('br0 (bridge): 1 echo request from 192.168.0.2');

      await run(['tmux', 'send-keys', '-t', session, 'q']);
      const deadline = Date.now() + 10_000;
      let status: string | null = null;
      while (Date.now() < deadline && status === null) {
        try {
          status = readFileSync(statusFile, 'utf8').trim();
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(status).toBe('0');
      // netdoctor is gone (the tmux server itself keeps its own argv).
      const ps = (await run(['ps', '-eo', 'args'])).stdout.split('\n');
      expect(ps.filter((l) => !l.startsWith('tmux') && l.includes(`--prefix ${prefix}`))).toEqual([]);
      // The watcher ran inside the world: had it outlived netdoctor, lab down would stop it.
      const down = await worldDown(prefix);
      expect(down.code).toBe(0);
      expect(down.stdout).not.toMatch(/stopped/);
    } finally {
      await run(['tmux', 'kill-session', '-t', session]);
      await worldDown(prefix);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(worldMounts(prefix)).toEqual([]);
  });
});
