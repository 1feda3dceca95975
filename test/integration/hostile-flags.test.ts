// Every name-taking flag of every command, given hostile values through the built CLI: exit 2,
// one clean line on stderr (no raw control character), nothing run through a shell, nothing
// created. The pure validators have property tests; this proves each command really uses them.
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'vitest';
import { integrationSkipReason, runCli, uniquePrefix } from './helpers.js';

const skip = integrationSkipReason();
const canary = `/tmp/ndpwn-${process.pid}-${Date.now()}`;
// Shell tricks, a path, C0 and C1 (8-bit CSI) control characters, a space, non-ASCII, a leading '-'.
const VALUES = [`$(touch ${canary})`, `a;touch ${canary}`, '../../etc/x', 'x\x1b[2Jy', 'x\u009b31my', 'sp ace', 'é', '-rf'];

const prefix = uniquePrefix();
const COMMANDS: { name: string; args: (v: string) => string[] }[] = [
  { name: 'lab up --prefix', args: (v) => ['lab', 'up', 'healthy', '--prefix', v] },
  { name: 'lab up --ns', args: (v) => ['lab', 'up', 'healthy', '--prefix', prefix, '--ns', v] },
  { name: 'lab up --bridge', args: (v) => ['lab', 'up', 'healthy', '--prefix', prefix, '--bridge', v] },
  { name: 'lab up --uplink', args: (v) => ['lab', 'up', 'healthy', '--prefix', prefix, '--uplink', v] },
  { name: 'lab up --subnet', args: (v) => ['lab', 'up', 'healthy', '--prefix', prefix, '--subnet', v] },
  { name: 'lab up SCENARIO', args: (v) => ['lab', 'up', v, '--prefix', prefix] },
  { name: 'lab down --prefix', args: (v) => ['lab', 'down', '--prefix', v] },
  { name: 'lab shell --prefix', args: (v) => ['lab', 'shell', '--prefix', v] },
  { name: 'lab exec --prefix', args: (v) => ['lab', 'exec', '--prefix', v, '--', 'true'] },
  { name: 'learn --prefix', args: (v) => ['learn', '--prefix', v] },
  { name: 'check --ns', args: (v) => ['check', '--ns', v] },
  { name: 'check --host-ns', args: (v) => ['check', '--ns', 'x', '--host-ns', v] },
  { name: 'check --bridge', args: (v) => ['check', '--ns', 'x', '--bridge', v] },
  { name: 'check --target', args: (v) => ['check', '--ns', 'x', '--target', v] },
  { name: 'lab up --veth-host', args: (v) => ['lab', 'up', 'healthy', '--prefix', prefix, '--veth-host', v] },
  { name: 'lab up --veth-ns', args: (v) => ['lab', 'up', 'healthy', '--prefix', prefix, '--veth-ns', v] },
  { name: 'lab up --containers', args: (v) => ['lab', 'up', 'healthy', '--prefix', prefix, '--containers', v] },
  { name: 'lab down --ns', args: (v) => ['lab', 'down', '--prefix', prefix, '--ns', v] },
  { name: 'check --pid', args: (v) => ['check', '--pid', v] },
  { name: 'check --all --jobs', args: (v) => ['check', '--all', '--jobs', v] },
  { name: 'check --fix --trial', args: (v) => ['check', '--ns', 'x', '--fix', '--trial', v] },
  { name: 'check --format', args: (v) => ['check', '--ns', 'x', '--format', v] },
  { name: 'check --from-snapshot', args: (v) => ['check', '--from-snapshot', v] },
  { name: 'session --ns', args: (v) => ['--ns', v] },
  { name: 'learn --challenge', args: (v) => ['learn', '--challenge', v] },
  // The value as an option's name, a command, a subcommand: quoted back in the message.
  { name: 'check --VALUE (unknown option)', args: (v) => ['check', `--${v}`] },
  { name: 'COMMAND', args: (v) => [v] },
  { name: 'lab SUBCOMMAND', args: (v) => ['lab', v] },
];

describe.skipIf(skip !== null).concurrent('hostile values for every name flag (built CLI)', () => {
  for (const cmd of COMMANDS) {
    it(cmd.name, async ({ expect }) => {
      for (const v of VALUES) {
        const r = await runCli(cmd.args(v));
        const what = `${cmd.name} ${JSON.stringify(v)}`;
        expect(r.code, `${what}: ${r.stderr}`).toBe(2);
        expect(r.stdout, what).toBe('');
        expect(r.stderr.trimEnd().split('\n'), `${what}: one line`).toHaveLength(1);
        // eslint-disable-next-line no-control-regex
        expect(r.stderr, what).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
        expect(existsSync(canary), `${what}: nothing ran through a shell`).toBe(false);
      }
      expect(readdirSync('/run/netns').filter((n) => n.startsWith(prefix)), 'nothing was created').toEqual([]);
    });
  }
});
