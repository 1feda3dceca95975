// Kernel-provided names with control characters: the kernel refuses only '/', ':' and
// whitespace in an interface name, so ESC, BEL and DEL are possible. A real lab gets a bridge
// and a veth end renamed to such names: `ip -j` then prints them raw (invalid JSON), and the
// diagnosis must still read every fact, keep the names exact in --json, and never print them
// raw to a terminal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { run } from '../../src/system/run.js';
import { cli } from './fix-helpers.js';
import { TARGET, integrationSkipReason, labUp, labDown, randomLabOptions, runCli } from './helpers.js';

const skip = integrationSkipReason();
const BRIDGE = 'b\x1b[2Jx'; // ESC [2J: "clear the screen"
const VETH = 'v\x07\x7fz'; // BEL and DEL

describe.skipIf(skip !== null)('control characters in kernel-provided names', () => {
  it('are read, kept exact in --json, and escaped in the text report', { timeout: 120_000 }, async ({ expect }) => {
    const opts = randomLabOptions();
    const oddNs = `${opts.prefix}-q\x1b[2Jx y`;
    const lab = await labUp('healthy', opts);
    try {
      const host = lab.names.hostNs;
      // Renaming needs the link down; bringing it back up restores the connected route.
      for (const [from, to] of [
        [opts.bridge, BRIDGE],
        [opts.vethHost, VETH],
      ] as const) {
        for (const argv of [['link', 'set', 'dev', from, 'down'], ['link', 'set', 'dev', from, 'name', to], ['link', 'set', 'dev', to, 'up']]) {
          const r = await run(['ip', '-n', host, ...argv]);
          expect(r.exitCode, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
        }
      }
      const args = ['check', '--ns', lab.names.containerNs, '--host-ns', host, '--target', TARGET];
      const json = await runCli([...args, '--json']);
      expect(json.code, json.stderr).toBe(0);
      const report = JSON.parse(json.stdout) as { target: { bridge: string }; steps: { id: string; status: string; summary: string }[] };
      expect(report.target.bridge).toBe(BRIDGE);
      expect(report.steps.find((s) => s.id === 'veth.up')?.summary).toContain(VETH);

      // --json too: JSON allows DEL and C1 raw; netdoctor writes them as \u escapes.
      // eslint-disable-next-line no-control-regex
      expect(json.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);

      const text = await runCli(args);
      expect(text.code, text.stderr).toBe(0);
      // eslint-disable-next-line no-control-regex
      expect(text.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      expect(text.stdout).toContain('b\\x1b[2Jx');
      expect(text.stdout).toContain('v\\x07\\x7fz');
      // eslint-disable-next-line no-control-regex
      expect(text.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);

      // A namespace name is a file name: ESC and a space are possible. One such, connected to the
      // bridge, is listed by check --all (escaped), and refused as --ns (exit 2, escaped).
      expect((await run(['ip', 'netns', 'add', oddNs])).exitCode).toBe(0);
      for (const argv of [['link', 'add', 'vq', 'type', 'veth', 'peer', 'name', 'vqp', 'netns', oddNs], ['link', 'set', 'vq', 'master', BRIDGE, 'up']]) {
        const r = await run(['ip', '-n', host, ...argv]);
        expect(r.exitCode, r.stderr).toBe(0);
      }
      const all = await runCli(['check', '--all', '--host-ns', host, '--target', TARGET, '--no-probe', '--json']);
      expect((JSON.parse(all.stdout) as { ns: string }[]).map((x) => x.ns)).toContain(oddNs);
      const refused = await runCli(['check', '--ns', oddNs, '--host-ns', host]);
      expect(refused.code).toBe(2);
      // eslint-disable-next-line no-control-regex
      expect(refused.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);

      // Every other way the names reach a terminal: Markdown, the --all summary (with that
      // namespace), the session's
      // report off a terminal, a fix (dry run, applied, as JSON) and its undo. A fault first, so
      // there is something to fix: no MASQUERADE.
      expect((await run(['iptables-nft', '-t', 'nat', '-F', 'POSTROUTING'], { ns: host })).exitCode).toBe(0);
      const stateDir = mkdtempSync(join(tmpdir(), 'ndt-hostile-'));
      const env = { NETDOCTOR_STATE_DIR: stateDir };
      try {
        const outputs: [string, string[]][] = [
          ['markdown', [...args, '--format', 'markdown']],
          ['--all', ['check', '--all', '--host-ns', host, '--target', TARGET]],
          ['--all markdown', ['check', '--all', '--host-ns', host, '--target', TARGET, '--format', 'markdown']],
          ['--all --json', ['check', '--all', '--host-ns', host, '--target', TARGET, '--json']],
          ['session (not a terminal)', ['--ns', lab.names.containerNs, '--host-ns', host, '--target', TARGET]],
          ['--fix --dry-run', [...args, '--fix', '--dry-run']],
          ['--fix --yes', [...args, '--fix', '--yes']],
          ['undo', ['undo', '--yes']],
          ['--fix --yes --json', [...args, '--fix', '--yes', '--json']],
          ['undo --json', ['undo', '--yes', '--json']],
        ];
        for (const [what, argv] of outputs) {
          const r = await cli(argv, env);
          expect(r.code, `${what}: ${r.stderr}`).not.toBe(null);
          // eslint-disable-next-line no-control-regex
          expect(r.stdout + r.stderr, what).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
          if (['markdown', '--all --json', 'session (not a terminal)', '--fix --yes --json'].includes(what)) expect(r.stdout, `${what} shows the bridge`).toMatch(/b\\(x|u00)1b\[2Jx/);
          // The --all summary names namespaces and their first failing step, not the bridge.
          if (what === '--all') expect(r.stdout, 'the --all summary shows the odd namespace, escaped').toMatch(/q\\x1b\[2Jx y/);
        }
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
      }
    } finally {
      await run(['ip', 'netns', 'del', oddNs]);
      await labDown(opts.prefix, ['--ns', opts.ns]);
    }
  });
});
