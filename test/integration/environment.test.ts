// Environment faults: netdoctor on a machine that lacks a tool, hangs in one, or is run without
// root. Each gives a clear message and a stable exit code (README "Environment faults"). Tools
// are taken away with NETDOCTOR_PATH: a directory of symlinks to every tool netdoctor runs,
// except the one under test (the sbin directories netdoctor otherwise adds would bring it back).
import { chmodSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { LabInfo } from '../../src/lab/lab.js';
import { run } from '../../src/system/run.js';
import { CLI, TARGET, integrationSkipReason, labDown, labUp, randomLabOptions, type TestLabOptions } from './helpers.js';

const TOOLS = ['ip', 'nft', 'iptables-nft-save', 'iptables-legacy-save', 'ping', 'sysctl', 'cat'];

async function whereIs(tool: string): Promise<string> {
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const r = await run(['test', '-x', join(dir, tool)]);
    if (r.exitCode === 0) return join(dir, tool);
  }
  throw new Error(`${tool} is not installed on this machine`);
}

const dirs: string[] = [];

/** A directory holding every tool but `without`, plus `fakes` (name -> shell script). */
async function toolDir(without: string[], fakes: Record<string, string> = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'nd-tools-'));
  dirs.push(dir);
  for (const t of TOOLS.filter((x) => !without.includes(x) && !(x in fakes))) symlinkSync(await whereIs(t), join(dir, t));
  for (const [name, script] of Object.entries(fakes)) {
    writeFileSync(join(dir, name), script);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

interface Step {
  id: string;
  status: string;
  summary: string;
  evidence: string[];
}
interface Report {
  steps: Step[];
  diagnosis: { step: string } | null;
  egress: string;
}

const skip = integrationSkipReason();

describe.skipIf(skip !== null).concurrent('environment faults', () => {
  let opts: TestLabOptions;
  let lab: LabInfo;
  beforeAll(async () => {
    opts = randomLabOptions();
    lab = await labUp('healthy', opts);
  });
  afterAll(async () => {
    if (opts) await labDown(opts.prefix, ['--ns', opts.ns]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function check(toolsDir: string, extra: string[] = []) {
    const started = performance.now();
    const r = await run(['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--json', ...extra], {
      env: { NETDOCTOR_PATH: toolsDir },
      timeoutMs: 60_000,
    });
    let report: Report | null = null;
    try {
      report = JSON.parse(r.stdout) as Report;
    } catch {
      report = null;
    }
    const step = (id: string) => report?.steps.find((s) => s.id === id);
    return { ...r, report, step, seconds: (performance.now() - started) / 1000 };
  }

  it('every tool present (the control): healthy, exit 0, no warning', async ({ expect }) => {
    const r = await check(await toolDir([]));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.report?.egress).toBe('ok');
    expect(r.stderr).not.toMatch(/warning/);
  });

  it('ip missing: exit 3, says to install iproute2, no report', async ({ expect }) => {
    const r = await check(await toolDir(['ip']));
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/`ip` \(iproute2\) is not installed/);
    expect(r.stderr).toMatch(/apt-get install iproute2/);
    expect(r.stdout).toBe('');
  });

  it('nft missing: degraded with a warning; iptables-nft-save still shows the nf_tables rules, so the verdict stands', async ({ expect }) => {
    const r = await check(await toolDir(['nft']));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: nft is not installed: nft rules were not inspected/);
    expect(r.step('host.masquerade')?.status).toBe('pass');
    expect(r.step('host.masquerade')?.evidence.join('\n')).toMatch(/nft: not installed, not inspected/);
  });

  it('iptables missing (iptables-nft-save and iptables-legacy-save): degraded with a warning; nft reads the same tables', async ({ expect }) => {
    const r = await check(await toolDir(['iptables-nft-save', 'iptables-legacy-save']));
    expect(r.stderr).toMatch(/warning: iptables-nft-save is not installed/);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.step('host.masquerade')?.status).toBe('pass');
  });

  it('nft and iptables both missing: the firewall steps are errors, exit 3', async ({ expect }) => {
    const r = await check(await toolDir(['nft', 'iptables-nft-save', 'iptables-legacy-save']), ['--no-probe']);
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.step('host.forward')?.status).toBe('error');
    expect(r.step('host.forward')?.summary).toMatch(/neither nft nor iptables-nft-save is installed/);
    expect(r.step('host.masquerade')?.status).toBe('error');
    expect(r.report?.diagnosis).toBeNull();
  });

  it('ping missing: degraded: not probed, egress unknown, a warning, exit from the passive steps', async ({ expect }) => {
    const r = await check(await toolDir(['ping']));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.report?.egress).toBe('unknown');
    expect(r.step('egress.ping')?.status).toBe('skip');
    expect(r.step('egress.ping')?.summary).toMatch(/ping is not installed/);
    expect(r.stderr).toMatch(/warning: not probed: ping is not installed/);
  });

  it('sysctl missing (a --host-ns is read through it): host.ip-forward is an error, not "forwarding is off"', async ({ expect }) => {
    const r = await check(await toolDir(['sysctl']), ['--no-probe']);
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.step('host.ip-forward')?.status).toBe('error');
    expect(r.step('host.ip-forward')?.summary).toMatch(/cannot read net\.ipv4\.ip_forward/);
    expect(r.stderr).toMatch(/sysctl: not installed/);
  });

  it('a tool that hangs (nft): killed at its timeout, the run ends in seconds with an error result, nothing left running', async ({ expect }) => {
    // A hung nft is one process that never answers: `exec` makes the script that process.
    const marker = `${Math.floor(100000 + Math.random() * 800000)}.25`;
    const r = await check(await toolDir([], { nft: `#!/bin/sh\nexec /bin/sleep ${marker}\n` }), ['--no-probe']);
    expect(r.seconds).toBeLessThan(30);
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.step('host.forward')?.status).toBe('error');
    expect(r.step('host.forward')?.summary).toMatch(/nft could not be read .*timed out/);
    expect(r.stderr).toMatch(/warning: nft rules could not be read: .*timed out/);
    const left = await run(['pgrep', '-f', `sleep ${marker}`]);
    expect(left.stdout.trim(), 'the hung nft was killed').toBe('');
  });

  it('ip missing: lab up exits 3, says ip is not installed, leaves nothing; lab down and undo of nothing exit 0', async ({ expect }) => {
    const dir = await toolDir(['ip']);
    const p = `${opts.prefix}i`;
    const stateDir = mkdtempSync(join(tmpdir(), 'nd-noip-'));
    dirs.push(stateDir);
    const env = { NETDOCTOR_PATH: dir, NETDOCTOR_STATE_DIR: stateDir };
    const up = await run(['node', CLI, 'lab', 'up', 'healthy', '--prefix', p], { env, timeoutMs: 60_000 });
    expect(up.exitCode, up.stderr).toBe(3);
    expect(up.stderr).toMatch(/ip: not installed/);
    expect(up.stderr).toMatch(/everything the lab had created was removed again/);
    expect(readdirSync('/run/netns').filter((n) => n.startsWith(`${p}-`))).toEqual([]);
    for (const args of [['lab', 'down', '--prefix', p], ['undo', '--yes']]) {
      const r = await run(['node', CLI, ...args], { env, timeoutMs: 60_000 });
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });

  it('not root: every command that needs root exits 3, says so and how, before touching anything', async ({ expect }) => {
    const p = `${opts.prefix}x`;
    const stateDir = mkdtempSync(join(tmpdir(), 'nd-noroot-'));
    dirs.push(stateDir);
    const commands = [
      ['lab', 'up', 'healthy', '--prefix', p],
      ['lab', 'down', '--prefix', p],
      ['lab', 'exec', '--prefix', p, '--', 'true'],
      ['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs],
      ['check', '--all'],
      ['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--fix', '--yes'],
      ['undo', '--yes'],
      ['confirm'],
      ['--ns', lab.names.containerNs],
      ['learn'],
    ];
    for (const args of commands) {
      const r = await run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'node', CLI, ...args], { env: { NETDOCTOR_STATE_DIR: stateDir } });
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stderr, args.join(' ')).toMatch(/needs root/);
      expect(r.stderr, args.join(' ')).toMatch(/sudo/);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    expect(readdirSync('/run/netns').filter((n) => n.startsWith(p)), 'nothing was created').toEqual([]);
  });
});
