// Kernel-provided names with control characters: the kernel refuses only '/', ':' and
// whitespace in an interface name, so ESC, BEL and DEL are possible. A real lab gets a bridge
// and a veth end renamed to such names: `ip -j` then prints them raw (invalid JSON), and the
// diagnosis must still read every fact, keep the names exact in --json, and never print them
// raw to a terminal.
import { describe, it } from 'vitest';
import { run } from '../../src/system/run.js';
import { TARGET, integrationSkipReason, labUp, labDown, randomLabOptions, runCli } from './helpers.js';

const skip = integrationSkipReason();
const BRIDGE = 'b\x1b[2Jx'; // ESC [2J: "clear the screen"
const VETH = 'v\x07\x7fz'; // BEL and DEL

describe.skipIf(skip !== null)('control characters in kernel-provided names', () => {
  it('are read, kept exact in --json, and escaped in the text report', { timeout: 120_000 }, async ({ expect }) => {
    const opts = randomLabOptions();
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

      const text = await runCli(args);
      expect(text.code, text.stderr).toBe(0);
      // eslint-disable-next-line no-control-regex
      expect(text.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
      expect(text.stdout).toContain('b\\x1b[2Jx');
      expect(text.stdout).toContain('v\\x07\\x7fz');
      // eslint-disable-next-line no-control-regex
      expect(text.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    } finally {
      await labDown(opts.prefix, ['--ns', opts.ns]);
    }
  });
});
