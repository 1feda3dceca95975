// `check --all`: every namespace connected to the host side, one result each. Named namespaces
// are taken when the host side's veths lead to them; namespaces that only a process holds
// (containers) are entered through /proc/PID/ns/net and kept when their veth's peer is on the
// host side. The host side is read once for all of them (shared-reads.ts), the named
// namespaces a few to a spawn (netns-batch.ts), and the host's lookups for all namespaces in one
// batch: a few dozen commands in all, however many namespaces.
import { runDiagnosis } from '../diagnosis/run-diagnosis.js';
import { resolveTopology } from '../diagnosis/topology.js';
import { ipv4Addrs } from '../diagnosis/topology.js';
import type { NamespaceResult } from '../report/summary.js';
import { byNameNumeric, connectedNsids, scanNamespaces } from '../system/netns-scan.js';
import { procNetns } from '../system/run.js';
import { sharedHostReader } from '../system/shared-reads.js';
import { startSnapshot } from '../system/snapshot.js';
import { readNamedSides } from '../system/netns-batch.js';

export interface CheckAllOptions {
  hostNs: string | null;
  target: string;
  probe: boolean;
  jobs: number;
}

async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
    }),
  );
  return out;
}

export async function checkAll(o: CheckAllOptions): Promise<NamespaceResult[]> {
  const [candidates, peers] = await Promise.all([Promise.resolve(scanNamespaces(o.hostNs)), connectedNsids(o.hostNs)]);
  const connectedNames = new Set(peers ? [...peers.nsids].flatMap((id) => (peers.named.has(id) ? [peers.named.get(id)!] : [])) : []);
  // Peers without a name can only be found by entering each unnamed namespace.
  const unnamedPeers = !peers || [...peers.nsids].some((id) => !peers.named.has(id));
  const chosen = candidates
    .filter((c) => (c.name ? connectedNames.has(c.name) || !peers : unnamedPeers))
    .map((c) => ({ c, ns: c.name ?? procNetns(c.pid!) }));

  // Facts in two stages: every namespace's own, then the host side's answers for all of them at
  // once, then each snapshot is completed from those shared answers.
  const host = sharedHostReader(o.hostNs);
  const inputOf = (ns: string) => ({ ns, hostNs: o.hostNs, bridge: null, target: o.target });
  // Named namespaces' own sides, a few to a spawn (ip forks their readers); the rest read alone.
  const sides = await readNamedSides(chosen.flatMap(({ c }) => (c.name ? [c.name] : [])), o.target, o.jobs);
  const started = await pool(chosen, o.jobs, ({ ns }) => startSnapshot(inputOf(ns), host, sides.get(ns)));
  await host.prefetch(started.map((s) => s.queries));
  const snapshots = await Promise.all(started.map((s) => s.finish()));

  const results = await pool(chosen, o.jobs, async ({ c, ns }, i) => {
    // No packet capture per namespace: --all answers for many namespaces at once.
    const done = await runDiagnosis(inputOf(ns), { probe: o.probe, capture: false, snapshot: snapshots[i]! });
    return { c, ns, done };
  });
  return results
    .filter(({ c, done }) => {
      if (c.name && peers) return true;
      // Entered to find out: keep it only if one of its veths leads to the host side (a bridge
      // port, or a veth without an address there: not an uplink). Interface indexes repeat
      // across namespaces, so the host end must also lead to a namespace without a name.
      const topo = resolveTopology(done.snapshot);
      if (!topo.hostVeth || !(topo.hostVeth.master || ipv4Addrs(topo.hostVeth).length === 0)) return false;
      const nsid = peers?.vethNsid.get(topo.hostVeth.ifindex);
      return !peers || (nsid !== undefined && peers.nsids.has(nsid) && !peers.named.has(nsid));
    })
    .map(({ c, ns, done }) => ({ ns, pid: c.pid, report: done.report }))
    .sort((a, b) => byNameNumeric(a.ns, b.ns));
}
