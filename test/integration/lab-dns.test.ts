// The lab's DNS for real: lab up starts a resolver in the lab internet and writes a marked
// /etc/netns resolv.conf; check's DNS probe gets a real answer from inside the container;
// lab down ends the resolver and removes only its own files.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isLabResolver } from '../../src/lab/lab-dns.js';
import { run } from '../../src/system/run.js';
import { TARGET, integrationSkipReason, labDown, labUp, randomLabOptions, runCli } from './helpers.js';

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
});
