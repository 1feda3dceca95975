// The lab's DNS for real: lab up starts a resolver in the lab internet and writes a marked
// /etc/netns resolv.conf; check's DNS probe gets a real answer from inside the container;
// lab down ends the resolver and removes only its own files.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { isLabResolver, writeLabResolvConf } from '../../src/lab/lab-dns.js';
import { processAlive, run, startDaemon } from '../../src/system/run.js';
import { TARGET, integrationSkipReason, labDown, labUp, randomLabOptions, runCli, withLab } from './helpers.js';

const RESPONDER = fileURLToPath(new URL('../../dist/lab/dns-responder.js', import.meta.url));

interface DnsReport {
  probes: { dns: { servers: { server: string; answered: boolean; rcode: string | null; error: string | null; waitedMs?: number | null }[] } };
  steps: { id: string; status: string; evidence: string[] }[];
}

const skip = integrationSkipReason();

async function resolverPids(ns: string): Promise<number[]> {
  const r = await run(['ip', 'netns', 'pids', ns]);
  const out: number[] = [];
  for (const p of r.stdout.split(/\s+/).filter(Boolean).map(Number)) if (await isLabResolver(p)) out.push(p);
  return out;
}

describe.skipIf(skip !== null)('lab DNS (real namespaces)', () => {
  it('healthy: a resolver answers a real query from the container; lab down leaves no process and no file', async () => {
    const opts = randomLabOptions();
    let pids: number[] = [];
    try {
      const lab = await labUp('healthy', opts);
      const file = `/etc/netns/${lab.names.containerNs}/resolv.conf`;
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n')[0]).toBe(`# netdoctor lab ${opts.prefix}: written by netdoctor lab up, removed by netdoctor lab down`);
      expect(text).toContain('nameserver 198.51.100.53');
      pids = await resolverPids(lab.names.inetNs);
      expect(pids).toHaveLength(1);
      const check = await runCli(['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--json']);
      const report = JSON.parse(check.stdout) as { probes: { dns: { servers: { server: string; answered: boolean; rcode: string }[] } } };
      expect(report.probes.dns.servers).toEqual([expect.objectContaining({ server: '198.51.100.53', answered: true, rcode: 'NOERROR' })]);
      await labDown(opts.prefix, ['--ns', opts.ns]);
      expect(existsSync(file)).toBe(false);
      expect(existsSync(`/etc/netns/${lab.names.containerNs}`)).toBe(false);
      for (const p of pids) expect(existsSync(`/proc/${p}`), `resolver ${p} ended`).toBe(false);
    } finally {
      await labDown(opts.prefix, ['--ns', opts.ns]);
    }
  });

  it('dns-host-stub writes the host side\'s file; lab down leaves a file that is not the lab\'s', async () => {
    const opts = randomLabOptions();
    const foreignDir = `/etc/netns/${opts.prefix}-${opts.ns}`;
    try {
      const lab = await labUp('dns-host-stub', opts);
      expect(readFileSync(`/etc/netns/${lab.names.hostNs}/resolv.conf`, 'utf8')).toContain('nameserver 127.0.0.53');
      expect(existsSync(`/etc/netns/${lab.names.containerNs}/resolv.conf`)).toBe(false);
      // Someone else's file for the container: lab down must not touch it.
      mkdirSync(foreignDir, { recursive: true });
      writeFileSync(`${foreignDir}/resolv.conf`, 'nameserver 192.0.2.53\n');
      await labDown(opts.prefix, ['--ns', opts.ns]);
      expect(existsSync(`/etc/netns/${lab.names.hostNs}`)).toBe(false);
      expect(readFileSync(`${foreignDir}/resolv.conf`, 'utf8')).toBe('nameserver 192.0.2.53\n');
    } finally {
      rmSync(foreignDir, { recursive: true, force: true });
      await labDown(opts.prefix, ['--ns', opts.ns]);
    }
  });

  it('no-masquerade: once the ping gets no reply, the resolver beyond the same path is not waited out, and the report says so', async () => {
    await withLab('no-masquerade', randomLabOptions(), async (lab) => {
      const check = await runCli(['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--json']);
      expect(check.code).toBe(1);
      const report = JSON.parse(check.stdout) as DnsReport;
      const [server] = report.probes.dns.servers;
      expect(server).toMatchObject({ server: '198.51.100.53', answered: false, error: 'abandoned' });
      // It was out for about as long as the ping waited (its 1 s deadline), not its own 1.5 s.
      expect(server!.waitedMs).toBeGreaterThan(300);
      expect(server!.waitedMs).toBeLessThan(1500);
      const step = report.steps.find((x) => x.id === 'ns.dns')!;
      expect(step.status).toBe('skip');
      expect(step.evidence.join('\n')).toMatch(/not waited for longer: it is reached the same way as the target, and the ping got no reply either/);
    });
  });

  it('no-masquerade with a second resolver on the bridge: the host\'s answers, only the internet one is abandoned', async () => {
    const opts = randomLabOptions();
    let pid: number | null = null;
    try {
      await withLab('no-masquerade', opts, async (lab) => {
        const bridgeIp = lab.addresses.bridgeIp;
        writeLabResolvConf(opts.prefix, lab.names.containerNs, ['198.51.100.53', bridgeIp]);
        pid = (await startDaemon([process.execPath, RESPONDER, bridgeIp, TARGET], { ns: lab.names.hostNs, readyTimeoutMs: 15_000, env: { NETDOCTOR_LAB_NS: lab.names.hostNs } })).pid;
        const check = await runCli(['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--json']);
        expect(check.code).toBe(1);
        const report = JSON.parse(check.stdout) as DnsReport;
        expect(report.probes.dns.servers).toEqual([
          expect.objectContaining({ server: '198.51.100.53', answered: false, error: 'abandoned' }),
          expect.objectContaining({ server: bridgeIp, answered: true, rcode: 'NOERROR' }),
        ]);
        expect(report.steps.find((x) => x.id === 'ns.dns')?.status).toBe('pass');
      });
    } finally {
      // lab down stops a lab responder it finds in the lab's namespaces: it may be gone already.
      if (pid !== null && processAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
