// `check --fix` on a real terminal (tmux, 80x24), answered as a person would, on a lab whose
// names and subnet are not the tutorial's and with two faults: each fix shows its exact
// commands (the argv netdoctor will run, shell-quoted) before its y/n question and nothing
// changes before the answer; "n" skips it and changes nothing; "y" runs exactly those commands.
// With --trial the run's outcome (Before/After) is on the screen before "Keep the changes?",
// and "y" there keeps them (the trial confirmed in the journal); undo then restores the lab.
// And with --trial, once a change is in, questions nobody answers (a connection the change
// cut) time out, so the watchdog still reverts everything.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listRuns } from '../../src/fixes/journal.js';
import { shellQuote } from '../../src/report/escape.js';
import { run } from '../../src/system/run.js';
import { CLI, TARGET, integrationSkipReason, labDown, labUp, randomLabOptions } from '../integration/helpers.js';
import { cli, labState, writeTwoFaultsScenario } from '../integration/fix-helpers.js';
import { Terminal } from './terminal.js';

const skip = integrationSkipReason();

describe.skipIf(skip !== null)('check --fix asks on a terminal', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  /** A lab with two faults (forwarding off, no masquerade) and custom names, and a tmux terminal for `check --fix`. */
  async function twoFaultLab() {
    const opts = randomLabOptions();
    cleanups.push(() => labDown(opts.prefix, ['--ns', opts.ns]));
    const dir = mkdtempSync(join(tmpdir(), `${opts.prefix}-fixtty-`));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const stateDir = join(dir, 'state');
    const scenario = writeTwoFaultsScenario(dir);
    const lab = await labUp(scenario, opts);
    const spaces = [lab.names.hostNs, lab.names.containerNs];
    const target = ['--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--bridge', opts.bridge, '--target', TARGET];
    const env = { NETDOCTOR_STATE_DIR: stateDir };
    const term = new Terminal(`${opts.prefix}-fix`);
    cleanups.push(() => term.kill());
    // The whole scrollback, wrapped lines joined: the commands are longer than 80 columns.
    const all = async () => (await term.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'nd')).stdout;
    const waitAll = async (what: string, ok: (s: string) => boolean, ms = 30_000) => {
      const until = Date.now() + ms;
      let s = '';
      while (Date.now() < until) {
        s = await all();
        if (ok(s)) return s;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the terminal never showed ${what}; it showed:\n${s}`);
    };
    const start = async (args: string[]) => {
      await term.start(['node', CLI, 'check', ...target, '--fix', ...args], env);
      await term.tmux('set-option', '-t', 'nd', 'remain-on-exit', 'on');
    };
    const ended = async () => {
      const until = Date.now() + 20_000;
      const dead = async () => (await term.tmux('list-panes', '-t', 'nd', '-F', '#{pane_dead} #{pane_dead_status}')).stdout.trim();
      while (!(await dead()).startsWith('1') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      return dead();
    };
    return { opts, lab, spaces, target, stateDir, env, term, waitAll, start, ended, broken: await labState(spaces) };
  }

  const questions = (s: string) => s.split('Apply this fix? ').length - 1;

  it('shows each fix with its exact commands, n skips it (nothing changes), y applies it; --trial asks to keep once the outcome is shown', async () => {
    const { opts, lab, spaces, target, stateDir, env, term, waitAll, start, ended, broken } = await twoFaultLab();

    // The commands each fix will run, as the dry run reports them.
    const dry = await cli(['check', ...target, '--fix', '--dry-run', '--json', '--no-probe'], env);
    const fixes = (JSON.parse(dry.stdout) as { fixes: { step: string; commands: string[][] }[] }).fixes;
    expect(fixes.map((f) => f.step)).toEqual(['host.ip-forward', 'host.masquerade']);
    const [forward, masquerade] = fixes as [(typeof fixes)[0], (typeof fixes)[0]];
    expect(masquerade.commands.flat()).toContain(opts.subnet);
    expect(masquerade.commands.flat()).toContain(opts.uplink);

    await start(['--trial', '120']);
    let screen = await waitAll('the first question', (s) => questions(s) >= 1, 60_000);
    const lines = screen.split('\n').map((l) => l.trim());
    const q1 = lines.findIndex((l) => l.startsWith('Apply this fix?'));
    expect(lines.slice(0, q1)).toContain('Fix host.ip-forward: Turn on IPv4 forwarding');
    for (const c of forward.commands) expect(lines.slice(0, q1), 'the command shown before the question').toContain(shellQuote(c));
    expect(await labState(spaces), 'nothing changes while it asks').toEqual(broken);

    await term.keys('n', 'Enter');
    screen = await waitAll('the second question', (s) => questions(s) >= 2);
    expect(screen).toContain('skipped (not confirmed)');
    const after1 = screen.split('\n').map((l) => l.trim());
    const q2 = after1.findLastIndex((l) => l.startsWith('Apply this fix?'));
    const shown = after1.slice(after1.findLastIndex((l) => l.startsWith('Fix host.masquerade:')), q2);
    expect(shown.length).toBeGreaterThan(1);
    for (const c of masquerade.commands) expect(shown, 'the command shown before the question').toContain(shellQuote(c));
    expect(await labState(spaces), 'a fix answered n changed nothing').toEqual(broken);

    await term.keys('y', 'Enter');
    screen = await waitAll('the trial question', (s) => s.includes('Keep the changes?'), 60_000);
    for (const c of masquerade.commands) expect(screen).toContain(`done ${shellQuote(c)}`);
    // The outcome is on the screen before the question that keeps it.
    expect(screen.indexOf('After:'), screen).toBeGreaterThan(-1);
    expect(screen.indexOf('After:')).toBeLessThan(screen.indexOf('Keep the changes?'));
    expect(screen).toMatch(/still failing: host\.ip-forward/);
    await term.keys('y', 'Enter');
    await waitAll('the end of the run', (s) => s.includes('Kept.'));
    expect(await ended()).toBe('1 1');

    const record = listRuns(stateDir).at(-1)!;
    expect(record.status).toBe('applied');
    expect(record.trial?.confirmed).toBe(true);
    // Exactly what was accepted: the masquerade rule, and forwarding still off.
    const nat = await run(['iptables-nft-save', '-t', 'nat'], { ns: lab.names.hostNs });
    expect(nat.stdout).toContain(`-s ${opts.subnet} -o ${opts.uplink} -m comment --comment netdoctor -j MASQUERADE`);
    expect((await run(['sysctl', '-n', 'net.ipv4.ip_forward'], { ns: lab.names.hostNs })).stdout.trim()).toBe('0');
    const undo = await cli(['undo', '--yes'], env);
    expect(undo.code, undo.stdout + undo.stderr).toBe(0);
    expect(await labState(spaces)).toEqual(broken);
  }, 180_000);

  it('--trial: after the first change, questions nobody answers time out, and the watchdog reverts everything', async () => {
    const { spaces, stateDir, term, waitAll, start, ended, broken } = await twoFaultLab();
    await start(['--trial', '3']);
    await waitAll('the first question', (s) => questions(s) >= 1, 60_000);
    // Before anything is applied there is no hurry: the first question waits.
    await new Promise((r) => setTimeout(r, 4000));
    await term.keys('y', 'Enter');
    // Then nobody answers (the connection is gone, say): the next question gives up after 3 s.
    const screen = await waitAll('the second question', (s) => questions(s) >= 2, 60_000);
    expect(screen).toContain('Apply this fix? (no answer in 3 s: skipped)');
    await waitAll('the trial question', (s) => s.includes('Keep the changes?'), 30_000);
    await waitAll('the end of the run', (s) => s.includes('Not confirmed: the watchdog reverts them at the deadline.'), 30_000);
    expect(await ended()).toMatch(/^1 /);
    const until = Date.now() + 20_000;
    while (listRuns(stateDir).at(-1)?.status !== 'undone' && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(listRuns(stateDir).at(-1)?.status).toBe('undone');
    expect(await labState(spaces)).toEqual(broken);
    await term.kill();
  }, 180_000);
});
