// check --all, --pid and --format markdown against real labs. --all runs with the lab's host
// namespace as the host side (`ip netns exec P-host`), so it only ever sees namespaces attached
// to that lab, whatever other labs run on the machine at the same time.
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, it } from 'vitest';
import { run } from '../../src/system/run.js';
import { CLI, TARGET, integrationSkipReason, randomLabOptions, withLab } from './helpers.js';

interface AllEntry {
  ns: string;
  pid: number | null;
  report: { diagnosis: { step: string } | null; egress: string; steps: { id: string; status: string }[] };
}

async function checkAll(hostNs: string, ...args: string[]) {
  const r = await run(['ip', 'netns', 'exec', hostNs, 'node', CLI, 'check', '--all', '--target', TARGET, ...args], { timeoutMs: 60_000 });
  return r;
}

/** A process in a namespace of its own, like a container's: unnamed, held only by the process. */
function startProcess(argv: string[]): Promise<ChildProcess> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    child.once('error', reject);
  });
}

const skip = integrationSkipReason();

describe.skipIf(skip !== null).concurrent('check --all / --pid / --format markdown', () => {
  it.concurrent('--all finds every container on the lab bridge (and not the lab internet), one line each', async ({ expect }) => {
    const opts = randomLabOptions();
    const up = await run(['node', CLI, 'lab', 'up', 'healthy', '--json', '--containers', '11', '--prefix', opts.prefix, '--ns', opts.ns, '--subnet', opts.subnet, '--bridge', opts.bridge], { timeoutMs: 60_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    const lab = JSON.parse(up.stdout) as { names: { containerNs: string; hostNs: string; inetNs: string }; containers: { ns: string }[] };
    try {
      const r = await checkAll(lab.names.hostNs, '--json', '--jobs', '2');
      expect(r.exitCode, r.stderr).toBe(0);
      const all = JSON.parse(r.stdout) as AllEntry[];
      // As people count: P-c, P-c-2 ... P-c-11 (creation order), not P-c-10 before P-c-2.
      expect(all.map((e) => e.ns)).toEqual([lab.names.containerNs, ...lab.containers.map((c) => c.ns)]);
      for (const e of all) {
        expect(e.report.diagnosis, e.ns).toBeNull();
        expect(e.report.egress).toBe('ok');
        // Every container of a healthy lab is healthy without a warning (each has the lab's resolver).
        expect(e.report.steps.filter((s) => s.status === 'warn').map((s) => `${e.ns} ${s.id}`)).toEqual([]);
      }
      const text = await checkAll(lab.names.hostNs);
      expect(text.stdout).toMatch(new RegExp(`^${lab.names.containerNs}\\s+ok\\s+healthy$`, 'm'));
      expect(text.stdout).toContain('11 namespaces, 0 with a fault');
      const md = await checkAll(lab.names.hostNs, '--format', 'markdown');
      expect(md.stdout).toContain(`| \`${lab.names.containerNs}\` | ok | healthy |`);
    } finally {
      await run(['node', CLI, 'lab', 'down', '--prefix', opts.prefix, '--ns', opts.ns], { timeoutMs: 60_000 });
    }
  });

  it.concurrent('--all also finds a container namespace only a process holds, and exits 1 on a fault', async ({ expect }) => {
    await withLab('no-masquerade', randomLabOptions(), async (lab) => {
      // A "container" the way Docker makes one: an unnamed namespace, a veth to the bridge.
      const holder = await startProcess(['unshare', '--net', 'sleep', '120']);
      try {
        const pid = holder.pid!;
        await expect.poll(async () => (await run(['readlink', `/proc/${pid}/exe`])).stdout.trim()).toMatch(/sleep$/);
        const host = lab.names.hostNs;
        const peerIp = lab.addresses.nsIp.replace(/\d+$/, (d) => String(Number(d) + 2));
        for (const argv of [
          ['ip', '-n', host, 'link', 'add', 'vhpid', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(pid)],
          ['ip', '-n', host, 'link', 'set', 'vhpid', 'master', lab.names.bridge, 'up'],
          ['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', 'addr', 'add', `${peerIp}/${lab.addresses.prefixLen}`, 'dev', 'eth0'],
          ['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', 'link', 'set', 'eth0', 'up'],
          ['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', 'route', 'add', 'default', 'via', lab.addresses.bridgeIp],
        ]) {
          const r = await run(argv);
          expect(r.exitCode, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
        }
        const r = await checkAll(host, '--json');
        expect(r.exitCode, r.stderr).toBe(1);
        const all = JSON.parse(r.stdout) as AllEntry[];
        const byPid = all.find((e) => e.pid === pid);
        expect(byPid?.ns).toBe(`/proc/${pid}/ns/net`);
        expect(byPid?.report.diagnosis?.step).toBe('host.masquerade');
        expect(all.find((e) => e.ns === lab.names.containerNs)?.report.diagnosis?.step).toBe('host.masquerade');
        expect(all.map((e) => e.ns), JSON.stringify(all.map((e) => [e.ns, e.pid]))).toHaveLength(2);

        // --pid: the same namespace through its process; the fix enters it with nsenter.
        const one = await run(['node', CLI, 'check', '--pid', String(pid), '--host-ns', host, '--target', TARGET, '--json'], { timeoutMs: 60_000 });
        expect(one.exitCode).toBe(1);
        const report = JSON.parse(one.stdout) as { target: { ns: string; bridge: string }; diagnosis: { step: string } };
        expect(report.target).toMatchObject({ ns: `/proc/${pid}/ns/net`, bridge: lab.names.bridge });
        expect(report.diagnosis.step).toBe('host.masquerade');
      } finally {
        holder.kill('SIGKILL');
      }
    });
  });

  it.concurrent('--pid of a process in a lab namespace; markdown report; bad --pid refused', async ({ expect }) => {
    await withLab('no-default-route', randomLabOptions(), async (lab) => {
      const proc = await startProcess(['ip', 'netns', 'exec', lab.names.containerNs, 'sleep', '120']);
      try {
        const pid = proc.pid!;
        await expect.poll(async () => (await run(['readlink', `/proc/${pid}/exe`])).stdout.trim(), { timeout: 5000 }).toMatch(/sleep$/);
        const md = await run(['node', CLI, 'check', '--pid', String(pid), '--host-ns', lab.names.hostNs, '--target', TARGET, '--format', 'markdown'], { timeoutMs: 60_000 });
        expect(md.exitCode).toBe(1);
        expect(md.stdout).toMatch(new RegExp(`^### netdoctor: \`/proc/${pid}/ns/net\`: diagnosis \`ns\\.default-route\``));
        expect(md.stdout).toMatch(new RegExp(`\`\`\`sh\\nnsenter --net=/proc/${pid}/ns/net ip route (add|replace) default via ${lab.addresses.bridgeIp.replaceAll('.', '\\.')}`));
      } finally {
        proc.kill('SIGKILL');
      }
    });
    for (const [args, message] of [
      [['--pid', 'abc'], /--pid "abc": not a process id/],
      [['--pid', '999999999'], /--pid 999999999: no such process/],
      [['--pid', '1', '--ns', 'x'], /--pid and --ns/],
      [['--all', '--ns', 'x'], /do not combine it with --ns/],
      [['--format', 'yaml', '--ns', 'x'], /--format "yaml": one of text, json, markdown/],
      [['--jobs', '3', '--ns', 'x'], /--jobs goes with --all/],
    ] as const) {
      const r = await run(['node', CLI, 'check', ...args]);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
