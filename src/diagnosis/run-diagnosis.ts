// One diagnosis, end to end: gather facts and probe concurrently, then judge.
// This is the seam between the system side and the pure core that commands and the UI use.
import type { NetSnapshot } from '../model/snapshot.js';
import type { DnsProbeResult, MtuProbeResult, PingResult, Report } from '../model/result.js';
import { namespaceIdentity, namespaceResolvConf, takeSnapshot, type SnapshotInput } from '../system/snapshot.js';
import { dnsProbeFromNamespace } from '../system/dns-probe.js';
import { pingFromNamespace } from '../system/probe.js';
import { mtuProbeFromNamespace } from '../system/mtu-probe.js';
import { resolveTopology } from './topology.js';
import { diagnose } from './diagnose.js';
import { judgeLive, type FactStage, type LiveReport } from './live.js';

export interface Diagnosed {
  snapshot: NetSnapshot;
  ping: PingResult | null;
  dns: DnsProbeResult | null;
  mtu: MtuProbeResult | null;
  report: Report;
}

export async function runDiagnosis(input: SnapshotInput, opts: { probe: boolean }): Promise<Diagnosed> {
  // The ping takes longest (up to ~1.2 s when nothing answers): start it first.
  const pingP = opts.probe ? pingFromNamespace(input.ns, input.target) : Promise.resolve(null);
  // The DNS probe asks the resolvers the namespace is configured with, as its programs would.
  const dnsP = opts.probe ? probeDns(input) : Promise.resolve(null);
  const [snapshot, ping, dnsRaw] = await Promise.all([takeSnapshot(input), pingP, dnsP]);
  const dns = snapshot.container ? dnsRaw : null;
  // A namespace that does not exist was not probed, whatever ping said about entering it.
  const judgedPing = snapshot.container ? ping : ping && { ...ping, ran: false, error: `namespace ${input.ns} does not exist` };
  if (judgedPing && !judgedPing.ran && snapshot.container && judgedPing.error) snapshot.errors.push(`not probed: ${judgedPing.error}`);
  const mtu = opts.probe ? await probeMtu(snapshot, judgedPing) : null;
  return { snapshot, ping: judgedPing, dns, mtu, report: diagnose(snapshot, judgedPing, dns, mtu) };
}

/** The path MTU, measured only once a plain ping gets through (otherwise nothing would). */
async function probeMtu(snapshot: NetSnapshot, ping: PingResult | null): Promise<MtuProbeResult | null> {
  if (!snapshot.container || !ping?.ran || ping.received === 0) return null;
  const veth = resolveTopology(snapshot).nsVeth;
  if (!veth?.mtu) return null;
  return mtuProbeFromNamespace(snapshot.input.ns, snapshot.input.target, veth.mtu);
}

async function probeDns(input: SnapshotInput): Promise<DnsProbeResult | null> {
  if (!(await namespaceIdentity(input.ns))) return null;
  const conf = await namespaceResolvConf(input.ns, input.hostNs);
  if (!conf || !conf.nameservers.length) return null;
  return dnsProbeFromNamespace(input.ns, conf.nameservers);
}

/**
 * The same diagnosis, reporting as it goes: `onUpdate` gets the checklist each time a stage
 * of facts arrives (first with every step running). Resolves with the same result as
 * runDiagnosis, and its last update is that full report.
 */
export async function runDiagnosisLive(input: SnapshotInput, opts: { probe: boolean }, onUpdate: (live: LiveReport) => void): Promise<Diagnosed> {
  const arrived = new Set<FactStage>();
  let partial: NetSnapshot | null = null;
  let ping: PingResult | null = null;
  let dns: DnsProbeResult | null = null;
  const emit = () => onUpdate(judgeLive(partial, ping, arrived, dns));
  emit();
  const probes = opts.probe ? Promise.all([pingFromNamespace(input.ns, input.target), probeDns(input)]) : Promise.resolve([null, null] as const);
  const pingP = probes.then(([p, d]) => {
    ping = p;
    dns = d;
    // Judged against a snapshot whose namespace is known to exist only once the links are in.
    if (partial && !arrived.has('ping')) {
      arrived.add('ping');
      if (!arrived.has('rules')) emit(); // with the rules in too, the final update follows
    }
    return p;
  });
  const snapshot = await takeSnapshot(input, (s) => {
    partial = s;
    arrived.add('links');
    if (ping || !opts.probe) arrived.add('ping');
    emit();
  });
  partial = snapshot;
  arrived.add('rules');
  if (!arrived.has('ping')) emit(); // netfilter is in; the ping may still be waiting for replies
  const p = await pingP;
  const judgedPing = snapshot.container ? p : p && { ...p, ran: false, error: `namespace ${input.ns} does not exist` };
  const judgedDns = snapshot.container ? dns : null;
  const mtu = opts.probe ? await probeMtu(snapshot, judgedPing) : null;
  const report = diagnose(snapshot, judgedPing, judgedDns, mtu);
  onUpdate({ steps: report.steps, report });
  return { snapshot, ping: judgedPing, dns: judgedDns, mtu, report };
}
