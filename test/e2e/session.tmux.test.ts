// End to end, as a person would use it: the real built app in a real terminal (tmux, 80x24)
// against a lab with a fault and names that are not the tutorial's. The screen shows the
// diagnosis, `f` then `y` applies the fix through the journaled engine, and a real ping from
// the namespace then succeeds; `u` undoes it and the fault is back. The journal is the one
// `check --fix` and `undo` use (a temporary NETDOCTOR_STATE_DIR, never /var/lib): the command
// line's `undo` reverts a session's run, and the session's `u` reverts a `check --fix` run.
// Keys typed before Ink is listening are not echoed onto the first frame, and reach the app.
// The tmux server (its own socket), the lab and the state dir are removed even when it fails.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/fixes/journal.js';
import { run } from '../../src/system/run.js';
import { CLI, TARGET, integrationSkipReason, labDown, labUp, pingFromNs, randomLabOptions } from '../integration/helpers.js';
import { Terminal } from './terminal.js';

const skip = integrationSkipReason();

describe.skipIf(skip !== null)('the interactive session in a real terminal', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  /** The journal's runs in the temporary state dir, oldest first. */
  const runsIn = (stateDir: string): RunRecord[] => {
    let names: string[] = [];
    try {
      names = readdirSync(join(stateDir, 'runs')).filter((n) => n.endsWith('.json')).sort();
    } catch {
      return [];
    }
    return names.map((n) => JSON.parse(readFileSync(join(stateDir, 'runs', n), 'utf8')) as RunRecord);
  };
  const flat = (screen: string) => screen.replace(/ \\\n\s+/g, ' ');

  it('shows the diagnosis, fixes it with f then y (journaled), egress works, u undoes it; undo and check --fix share the journal', async () => {
    const opts = randomLabOptions();
    cleanups.push(() => labDown(opts.prefix));
    const stateDir = mkdtempSync(join(tmpdir(), `${opts.prefix}-state-`));
    cleanups.push(async () => rmSync(stateDir, { recursive: true, force: true }));
    const lab = await labUp('no-masquerade', opts);
    const term = new Terminal(`${opts.prefix}-tui`);
    cleanups.push(() => term.kill());
    expect(await pingFromNs(lab.names.containerNs, TARGET)).toBe(false);
    const target = ['--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET];
    const env = { NETDOCTOR_STATE_DIR: stateDir };
    const masqueradeRule = `-t nat -I POSTROUTING -s ${opts.subnet} -o ${opts.uplink} -m comment --comment netdoctor -j MASQUERADE`;

    // Hold the pre-Ink frame long enough to type at it: the keys must not be echoed onto it.
    await term.start(['node', CLI, ...target], { ...env, NETDOCTOR_TEST_HOLD_FRAME_MS: '3000' });
    await term.waitFor('the first frame', (s) => s.includes('loading…'), 10_000);
    // The first frame is redrawn as verdicts come in (which would wipe an echo): look right
    // after each key, several times over.
    let typed = 0;
    for (let i = 0; i < 6; i++) {
      await term.keys('z', 'x');
      typed++;
      const early = await term.screen();
      if (!early.includes('loading…')) break; // Ink is drawing: the first frame is gone
      expect(early).not.toContain('zx');
      await new Promise((r) => setTimeout(r, 80));
    }
    expect(typed).toBeGreaterThanOrEqual(3); // really typed at the first frame, not at Ink
    await term.keys('?');
    // ...and they were not lost: Ink got them as key presses (? opened the help).
    await term.waitFor('the help, opened by the ? typed early', (s) => s.includes('Any key closes this help.'));
    await term.keys('x');

    const diagnosed = await term.waitFor('the diagnosis', (s) => s.includes('Diagnosis host.masquerade') && s.includes('Egress: broken'));
    expect(diagnosed).toMatch(/> FAIL host\.masquerade/);
    expect(diagnosed).toContain('no MASQUERADE or SNAT rule');
    expect(diagnosed).toContain(`uplink ${opts.uplink}`);
    expect(diagnosed).not.toMatch(/zx/);
    for (const line of diagnosed.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);

    await term.keys('f');
    const prompt = await term.waitFor('the fix prompt', (s) => s.includes('Apply these commands? [y/N]'));
    // The exact command, in full, for this lab's subnet and uplink.
    expect(flat(prompt)).toContain(masqueradeRule);
    expect(runsIn(stateDir)).toEqual([]);

    await term.keys('y');
    const healthy = await term.waitFor('egress working', (s) => s.includes('Healthy:') && s.includes('Egress: ok'), 30_000);
    expect(healthy).toContain('applied the fix for host.masquerade');
    // Healthy, nothing is focused: k selects the last step, the ping, and scrolls to it.
    await term.keys('k');
    await term.waitFor('the ping step passing', (s) => /\* ok\s+egress\.ping/.test(s) && /ok\s+host\.masquerade/.test(s));
    // Not the app's word for it: a real ping across the lab now gets its reply.
    expect(await pingFromNs(lab.names.containerNs, TARGET)).toBe(true);
    // Journaled where `undo` looks: the temporary state dir.
    const [first, ...others] = runsIn(stateDir);
    expect(others).toEqual([]);
    expect(first!.status).toBe('applied');
    expect(first!.target.ns).toBe(lab.names.containerNs);
    expect(first!.entries.map((e) => [e.step, e.status])).toEqual([['host.masquerade', 'done']]);
    expect(flat(first!.entries[0]!.kind === 'command' ? first!.entries[0]!.argv.join(' ') : '')).toContain(masqueradeRule);

    // u: the prompt shows the exact undo line; y reverts it and the fault is back.
    await term.keys('u');
    const undoPrompt = await term.waitFor('the undo prompt', (s) => s.includes('Undo these changes? [y/N]'));
    expect(flat(undoPrompt)).toContain('POSTROUTING');
    expect(undoPrompt).toContain('undo host.masquerade');
    await term.keys('y');
    const broken = await term.waitFor('the fault back', (s) => s.includes('Diagnosis host.masquerade') && s.includes('Egress: broken'), 30_000);
    expect(broken).toMatch(/undid run \S+/);
    expect(await pingFromNs(lab.names.containerNs, TARGET)).toBe(false);
    expect(runsIn(stateDir).map((r) => r.status)).toEqual(['undone']);

    // Fixed again in the session, then undone by the command line's `undo`: the same journal.
    // (Esc first: the ping is still selected from before, and f fixes the selection.)
    await term.keys('Escape');
    await term.waitFor('the diagnosis focused', (s) => /> FAIL host\.masquerade/.test(s));
    await term.keys('f');
    await term.waitFor('the fix prompt again', (s) => s.includes('Apply these commands? [y/N]'));
    await term.keys('y');
    await term.waitFor('egress working again', (s) => s.includes('Healthy:') && s.includes('Egress: ok'), 30_000);
    await term.quit();
    const sessionRun = runsIn(stateDir).at(-1)!;
    expect(sessionRun.status).toBe('applied');
    const undone = await run(['node', CLI, 'undo', '--yes', '--json'], { env, timeoutMs: 60_000 });
    expect(undone.exitCode, undone.stderr).toBe(0);
    const doc = JSON.parse(undone.stdout) as { outcome: string; run: RunRecord };
    expect(doc.outcome).toBe('undone');
    expect(doc.run.id).toBe(sessionRun.id);
    expect(await pingFromNs(lab.names.containerNs, TARGET)).toBe(false);

    // And the other way round: `check --fix` applies, the session's u reverts that run.
    const fixed = await run(['node', CLI, 'check', ...target, '--fix', '--yes', '--no-probe'], { env, timeoutMs: 60_000 });
    expect(fixed.exitCode, fixed.stdout + fixed.stderr).toBe(0);
    const cliRun = runsIn(stateDir).at(-1)!;
    expect(cliRun.status).toBe('applied');
    expect(await pingFromNs(lab.names.containerNs, TARGET)).toBe(true);
    await term.kill();
    await term.start(['node', CLI, ...target], env);
    await term.waitFor('a healthy lab', (s) => s.includes('Healthy:') && s.includes('Egress: ok'), 30_000);
    await term.keys('u');
    await term.waitFor('the undo prompt for the check --fix run', (s) => s.includes('Undo these changes? [y/N]') && s.includes('undo host.masquerade'));
    await term.keys('y');
    await term.waitFor('the fault back', (s) => s.includes('Diagnosis host.masquerade') && s.includes('Egress: broken'), 30_000);
    expect(runsIn(stateDir).find((r) => r.id === cliRun.id)!.status).toBe('undone');
    expect(await pingFromNs(lab.names.containerNs, TARGET)).toBe(false);
    await term.quit();
  }, 180_000);
});
