// check --all at scale, for real: 150 containers on one lab bridge (past the ~130 namespaces at
// which the kernel's nsid dump used to stop), four of them broken in different ways. Every
// namespace is found; each one's result equals what a lone `check` of it says; the host side is
// read once for all of them and the namespaces in a few batches: a few dozen commands in all.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import type { LabInfo } from '../../src/lab/lab.js';
import { run } from '../../src/system/run.js';
import { CLI, TARGET, integrationSkipReason, randomLabOptions } from './helpers.js';

interface AllEntry {
  ns: string;
  report: { diagnosis: { step: string } | null };
}

const CONTAINERS = 150;
const skip = integrationSkipReason();

async function must(argv: string[]): Promise<void> {
  const r = await run(argv);
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr.trim()}`);
}

describe.skipIf(skip !== null)('check --all at scale', () => {
  it(`finds all ${CONTAINERS} namespaces, judges each as a lone check would, in a few dozen commands`, { timeout: 240_000 }, async ({ expect }) => {
    const opts = { ...randomLabOptions(), subnet: `10.${1 + Math.floor(Math.random() * 250)}.0.0/16` };
    const dir = mkdtempSync(join(tmpdir(), 'ndt-scale-'));
    const up = await run(
      ['node', CLI, 'lab', 'up', 'healthy', '--json', '--containers', String(CONTAINERS), '--prefix', opts.prefix, '--ns', opts.ns, '--subnet', opts.subnet, '--bridge', opts.bridge, '--veth-host', opts.vethHost, '--uplink', opts.uplink],
      { timeoutMs: 120_000 },
    );
    try {
      expect(up.exitCode, up.stderr).toBe(0);
      const lab = JSON.parse(up.stdout) as LabInfo & { containers: { ns: string; vethHost: string; vethNs: string; ip: string }[] };
      const host = lab.names.hostNs;
      const [noRoute, vethDown, noAddress, forwardDrop, healthy] = lab.containers;
      // Four faults, each in one namespace: its own side, its veth on the host, and a host
      // firewall rule that drops only its traffic (judged from the one shared netfilter read).
      await must(['ip', '-n', noRoute!.ns, 'route', 'del', 'default']);
      await must(['ip', '-n', host, 'link', 'set', vethDown!.vethHost, 'down']);
      await must(['ip', '-n', noAddress!.ns, 'addr', 'flush', 'dev', noAddress!.vethNs]);
      await must(['ip', 'netns', 'exec', host, 'iptables', '-I', 'FORWARD', '-s', forwardDrop!.ip, '-j', 'DROP']);
      const expected = new Map<string, string | null>([
        [noRoute!.ns, 'ns.default-route'],
        [vethDown!.ns, 'veth.up'],
        [noAddress!.ns, 'ns.address'],
        [forwardDrop!.ns, 'host.forward'],
      ]);

      const log = join(dir, 'spawns');
      const all = await run(['node', CLI, 'check', '--all', '--host-ns', host, '--target', TARGET, '--no-probe', '--json'], { timeoutMs: 120_000, env: { NETDOCTOR_SPAWN_LOG: log } });
      expect(all.exitCode, all.stderr).toBe(1);
      const results = JSON.parse(all.stdout) as AllEntry[];
      // As people count them (creation order here): P-c, P-c-2 ... P-c-150, not P-c-10 before P-c-2.
      const names = [lab.names.containerNs, ...lab.containers.map((c) => c.ns)];
      expect(results.map((e) => e.ns)).toEqual(names);
      for (const e of results) expect(e.report.diagnosis?.step ?? null, e.ns).toBe(expected.get(e.ns) ?? null);

      // The host side once, the namespaces in a few batches (a lone check starts ~12 processes):
      // a few dozen commands in all, however many namespaces.
      const spawns = readFileSync(log, 'utf8').trim().split('\n');
      expect(spawns.length).toBeLessThanOrEqual(40);
      expect(spawns.filter((l) => l.includes('"iptables-nft-save"'))).toHaveLength(1);
      expect(spawns.filter((l) => l.startsWith('["ip","-force","-batch","-"]')).length).toBeGreaterThanOrEqual(1);

      // Each faulty namespace, a healthy one and the lab's own: the same report from a lone check.
      const byNs = new Map(results.map((e) => [e.ns, e.report]));
      await Promise.all(
        [...expected.keys(), healthy!.ns, lab.names.containerNs].map(async (ns) => {
          const one = await run(['node', CLI, 'check', '--ns', ns, '--host-ns', host, '--target', TARGET, '--no-probe', '--json'], { timeoutMs: 60_000 });
          expect(one.exitCode, one.stderr).toBe(expected.has(ns) ? 1 : 0);
          expect(byNs.get(ns), ns).toEqual(JSON.parse(one.stdout));
        }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await run(['node', CLI, 'lab', 'down', '--prefix', opts.prefix, '--ns', opts.ns], { timeoutMs: 120_000 });
    }
  });
});
