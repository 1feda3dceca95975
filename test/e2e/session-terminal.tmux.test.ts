// End to end, the session as a terminal program (tmux, the real built app), against a faulty
// lab with names that are not the tutorial's:
// - at 80x24 every line fits and the header, the diagnosis and the keys line are all on screen;
//   resized mid-session (wider, narrower, back) it redraws one clean frame each time: one header,
//   one keys line, nothing wider than the window, no stale lines from the size before;
// - NO_COLOR=1: no colour on screen (and without it there is: the check can fail);
// - half a terminal (stdin or stdout not one): the same report as `check`, its exit code, no
//   waiting for keys;
// - no namespace of one's own (inside a lab world, so the host's namespaces are not involved):
//   the sandbox lab is offered, y builds and diagnoses it, and closing the terminal (SIGHUP)
//   removes it again; so does `netdoctor | head` closing the pipe early;
// - right after `lab up` (in a world too): the chooser lists the lab's container with its host
//   side and target, and the user's own namespaces by name, even one sharing the lab's prefix.
// Every lab, world, tmux server and temporary directory goes even when a test fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/system/run.js';
import { CLI, TARGET, integrationSkipReason, labDown, labUp, randomLabOptions, runCli, uniquePrefix } from '../integration/helpers.js';
import { labExec, worldDown, worldUp } from '../integration/world-helpers.js';
import { Terminal } from './terminal.js';

const skip = integrationSkipReason();

/** The session's header line and keys line: each must be on screen exactly once. */
const HEADER = /^netdoctor \S+ to 198\.51\.100\.8/;
const KEYS_LINE = /\? keys {2}q quit$/;

const keysRow = (lines: string[]) => lines.findIndex((l) => KEYS_LINE.test(l.trimEnd()));

function oneCleanFrame(screen: string, columns: number, rows: number): void {
  const lines = screen.replace(/\n$/, '').split('\n');
  expect(lines.filter((l) => HEADER.test(l)), screen).toHaveLength(1);
  expect(lines.filter((l) => KEYS_LINE.test(l.trimEnd())), screen).toHaveLength(1);
  expect(lines.findIndex((l) => HEADER.test(l)), 'the header is the top line').toBe(0);
  // Laid out for this size: the frame fills all rows but the last (so it never scrolls).
  expect(keysRow(lines), 'the keys line is the last but one row').toBe(rows - 2);
  for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(columns);
  expect(lines.filter((l) => l.trim()).length).toBeLessThanOrEqual(rows);
}

// SGR colour codes: foreground/background 30-37, 40-47, 90-97, 100-107, 256/true colour (38;, 48;).
const COLOUR = /\x1b\[(?:[0-9;]*;)?(?:3[0-7]|4[0-7]|9[0-7]|10[0-7]|38;|48;)[0-9;]*m/;

/** Runs a command with stdin or stdout not a terminal, then shows its exit code and waits. */
const HARNESS = `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const [mode, out, ...argv] = process.argv.slice(1);
const child = spawn(process.execPath, argv, { stdio: mode === 'stdout-piped' ? ['inherit', 'pipe', 'inherit'] : ['ignore', 'inherit', 'inherit'] });
let text = '';
child.stdout?.on('data', (d) => (text += d));
child.on('exit', (code) => {
  writeFileSync(out, text);
  process.stdout.write('\\nexit=' + code + '\\n');
  setTimeout(() => undefined, 120000);
});
`;

describe.skipIf(skip !== null)('the session as a terminal program', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  });

  async function faultyLab() {
    const opts = randomLabOptions();
    cleanups.push(() => labDown(opts.prefix));
    const lab = await labUp('no-masquerade', opts);
    const args = ['--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET];
    return { opts, lab, args };
  }

  function terminal(name: string): Terminal {
    const term = new Terminal(name);
    cleanups.push(() => term.kill());
    return term;
  }

  it('fits 80x24, redraws one clean frame on every resize, and shows no colour under NO_COLOR', async () => {
    const { opts, args } = await faultyLab();
    const term = terminal(`${opts.prefix}-fit`);
    await term.start(['node', CLI, ...args]);
    const diagnosed = (s: string) => s.includes('Diagnosis host.masquerade') && s.includes('Egress: broken');
    let screen = await term.waitFor('the diagnosis at 80x24', diagnosed);
    oneCleanFrame(screen, 80, 24);
    expect(screen).toContain(`uplink ${opts.uplink}`);
    expect(screen).toMatch(/> FAIL host\.masquerade/);
    // In colour by default: the diagnosis is red.
    expect(await term.screenWithEscapes()).toMatch(COLOUR);

    for (const [columns, rows] of [[120, 40], [70, 20], [100, 30], [80, 24]] as const) {
      await term.resize(columns, rows);
      screen = await term.waitFor(`a clean ${columns}x${rows} frame`, (s) => {
        const lines = s.replace(/\n$/, '').split('\n');
        // (Below 80x24 the summary is clipped: the diagnosis line stays, the egress line may not.)
        return s.includes('Diagnosis host.masquerade') && lines.length === rows && keysRow(lines) === rows - 2 && lines.every((l) => [...l].length <= columns) && lines.filter((l) => HEADER.test(l)).length === 1;
      });
      oneCleanFrame(screen, columns, rows);
      // Taller than 24 rows, the whole checklist shows; at 24 or fewer, it scrolls.
      if (rows >= 40) expect(screen).not.toContain('more above');
    }
    // Moving and opening a detail after the resizes still draws within the frame.
    await term.keys('Enter');
    screen = await term.waitFor('the detail', (s) => s.includes('What was read:'));
    oneCleanFrame(screen, 80, 24);
    await term.quit();

    const plain = terminal(`${opts.prefix}-nc`);
    await plain.start(['node', CLI, ...args], { NO_COLOR: '1' });
    await plain.waitFor('the diagnosis under NO_COLOR', diagnosed);
    const escaped = await plain.screenWithEscapes();
    expect(escaped).not.toMatch(COLOUR);
    // Emphasis without colour: the diagnosis row is bold.
    expect(escaped).toMatch(/\x1b\[[0-9;]*1[0-9;]*m[^\n]*host\.masquerade/);
    await plain.quit();
  }, 120_000);

  it('with stdin or stdout not a terminal it prints the report of check, exits with its code, waits for no key', async () => {
    const { opts, args } = await faultyLab();
    const dir = mkdtempSync(join(tmpdir(), `${opts.prefix}-out-`));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const check = await runCli(['check', ...args], 30_000);
    expect(check.code).toBe(1);
    const norm = (s: string) => s.replace(/rtt [\d.]+ ms/g, 'rtt N ms');

    // stdout into a pipe, stdin the terminal (`netdoctor | less`).
    const piped = terminal(`${opts.prefix}-po`);
    await piped.start(['node', '--input-type=module', '-e', HARNESS, 'stdout-piped', join(dir, 'piped.txt'), CLI, ...args]);
    await piped.waitFor('the exit code', (s) => s.includes('exit='), 30_000);
    expect(await piped.screen()).toContain('exit=1');
    expect(norm(readFileSync(join(dir, 'piped.txt'), 'utf8'))).toBe(norm(check.stdout));

    // stdin not a terminal, stdout the terminal (`netdoctor < /dev/null`): the report on screen.
    const noKeys = terminal(`${opts.prefix}-ni`);
    await noKeys.start(['node', '--input-type=module', '-e', HARNESS, 'stdin-closed', join(dir, 'unused.txt'), CLI, ...args]);
    const screen = await noKeys.waitFor('the exit code', (s) => s.includes('exit='), 30_000);
    expect(screen).toContain('exit=1');
    expect(screen).toContain('Diagnosis host.masquerade: nothing masquerades');
    expect(screen).toContain(`-o ${opts.uplink} -m comment --comment netdoctor -j MASQUERADE`);
    expect(screen).not.toContain('q quit');
  }, 120_000);

  it('with no namespace of ones own: offers the sandbox lab, builds and diagnoses it; closing the terminal or the pipe removes it', async () => {
    const worldPrefix = uniquePrefix();
    cleanups.push(() => worldDown(worldPrefix));
    await worldUp(null, worldPrefix);
    const labDir = mkdtempSync(join(tmpdir(), `${worldPrefix}-labs-`));
    cleanups.push(() => rmSync(labDir, { recursive: true, force: true }));
    const inWorld = async () => (await labExec(worldPrefix, ['ip', 'netns', 'list'])).stdout.trim();
    expect(await inWorld()).toBe('');
    const labsRecorded = () => readdirSync(labDir).filter((n) => n.endsWith('.json'));

    const sandbox = uniquePrefix();
    const term = terminal(`${worldPrefix}-lab`);
    await term.start(['node', CLI, 'lab', 'exec', '--prefix', worldPrefix, '--', 'node', CLI], {
      NETDOCTOR_LAB_DIR: labDir,
      NETDOCTOR_SESSION_LAB_PREFIX: sandbox,
    });
    await term.waitFor('the offer of the lab', (s) => s.includes('No network namespace of your own') && s.includes('Build the lab? [Y/n]'), 30_000);
    await term.keys('y');
    const screen = await term.waitFor('the lab diagnosed', (s) => s.includes('Diagnosis host.masquerade') && s.includes('Egress: broken'), 40_000);
    expect(screen).toContain(`netdoctor ${sandbox}-`);
    expect(screen).toContain('(sandbox lab)');
    expect(await inWorld()).toContain(`${sandbox}-host`);
    expect(labsRecorded()).toEqual([`${sandbox}.json`]);

    // The terminal closes (tmux kills its server: SIGHUP): the lab goes with the session.
    await term.kill();
    const until = Date.now() + 20_000;
    while (Date.now() < until && ((await inWorld()) !== '' || labsRecorded().length)) await new Promise((r) => setTimeout(r, 200));
    expect(await inWorld()).toBe('');
    expect(labsRecorded()).toEqual([]);

    // Off a terminal, into a pipe its reader closes at once (`netdoctor | head -1`): no crash
    // half-way, and the lab it built is removed.
    const second = uniquePrefix();
    const child = spawn('node', [CLI, 'lab', 'exec', '--prefix', worldPrefix, '--', 'node', CLI], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NETDOCTOR_LAB_DIR: labDir, NETDOCTOR_SESSION_LAB_PREFIX: second },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(stderr).not.toMatch(/EPIPE|internal error/);
    expect(code).toBe(1);
    expect(await inWorld()).toBe('');
    expect(labsRecorded()).toEqual([]);
  }, 150_000);

  it('without --ns, as a new user right after `lab up`: the chooser lists the lab and the user namespaces by name; Enter diagnoses the lab', async () => {
    const worldPrefix = uniquePrefix();
    cleanups.push(() => worldDown(worldPrefix));
    await worldUp(null, worldPrefix);
    const labDir = mkdtempSync(join(tmpdir(), `${worldPrefix}-labs-`));
    cleanups.push(() => rmSync(labDir, { recursive: true, force: true }));
    // Inside the world: a lab with names that are not the tutorial's, and a namespace of the
    // user's own that merely starts with the lab's prefix (it is theirs, not the lab's).
    const opts = randomLabOptions();
    const env = { ...process.env, NETDOCTOR_LAB_DIR: labDir };
    const up = await run(['node', CLI, 'lab', 'exec', '--prefix', worldPrefix, '--', 'node', CLI, 'lab', 'up', 'no-masquerade', '--prefix', opts.prefix, '--ns', opts.ns, '--bridge', opts.bridge, '--uplink', opts.uplink, '--subnet', opts.subnet], { env, timeoutMs: 60_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    expect((await labExec(worldPrefix, ['ip', 'netns', 'add', `${opts.prefix}-mine`])).code).toBe(0);

    const term = terminal(`${worldPrefix}-ch`);
    await term.start(['node', CLI, 'lab', 'exec', '--prefix', worldPrefix, '--', 'node', CLI], { NETDOCTOR_LAB_DIR: labDir });
    const chooser = await term.waitFor('the chooser', (s) => s.includes('Which namespace should netdoctor diagnose?'), 30_000);
    expect(chooser).toContain(`> ${opts.prefix}-mine`);
    expect(chooser).toContain(`${opts.prefix}-${opts.ns}  (lab ${opts.prefix}: no-masquerade)`);
    // The lab's other namespaces are not offered on their own.
    expect(chooser).not.toMatch(new RegExp(`^ {2}${opts.prefix}-(host|inet)$`, 'm'));
    await term.keys('j', 'Enter');
    const diagnosed = await term.waitFor('the lab diagnosed', (s) => s.includes('Diagnosis host.masquerade') && s.includes('Egress: broken'), 30_000);
    // Against the lab's host side and target, as `lab up` printed them (the uplink and the
    // bridge are found only in the lab's host namespace).
    expect(diagnosed).toContain(`netdoctor ${opts.prefix}-${opts.ns} to ${TARGET} (uplink ${opts.uplink}, bridge ${opts.bridge},`);
    await term.quit();
  }, 120_000);
});
