// `netdoctor --help` lists every option the session takes (it once missed --no-trace): the
// session's own usage lines are the list, so an option added there and not here fails.
import { describe, expect, it } from 'vitest';
import { integrationSkipReason, runCli } from './helpers.js';

const skip = integrationSkipReason();

describe.skipIf(skip !== null)('help', () => {
  it('netdoctor --help names every option of the interactive session', async () => {
    const [top, session] = await Promise.all([runCli(['--help']), runCli(['session', '--help'])]);
    expect(top.code).toBe(0);
    expect(session.code).toBe(0);
    // The usage block of `session --help`: its first lines, up to the blank line.
    const usage = session.stdout.split('\n\n')[0]!;
    const flags = [...new Set(usage.match(/--[a-z][a-z-]*/g) ?? [])];
    expect(flags).toEqual(expect.arrayContaining(['--ns', '--host-ns', '--bridge', '--target', '--no-probe', '--no-capture', '--no-trace']));
    const sessionBlock = top.stdout.slice(top.stdout.indexOf('session options'));
    expect(top.stdout).toContain('session options');
    for (const f of flags) expect(sessionBlock, f).toMatch(new RegExp(`${f}\\b`));
  });
});
