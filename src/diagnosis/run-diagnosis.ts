// One diagnosis, end to end: gather facts and probe (ping, DNS query, then the path MTU), then judge.
// This is the seam between the system side and the pure core that commands and the UI use.
import type { CapturedPacket, CaptureOutcome, CaptureReport } from '../model/capture.js';
import type { NetSnapshot } from '../model/snapshot.js';
import type { DnsProbeResult, MtuProbeResult, PingResult, Report } from '../model/result.js';
import { namespaceIdentity, namespaceResolvConf, readRpFilterDrops, takeSnapshot, type SnapshotInput } from '../system/snapshot.js';
import { startDnsProbe, type DnsProbe } from '../system/dns-probe.js';
import { mtuProbeFromNamespace } from '../system/mtu-probe.js';
import { pingFromNamespace } from '../system/probe.js';
import { startCapture, type CaptureHandle } from '../system/capture/client.js';
import { stage } from '../system/stage-clock.js';
import { deleteStaleTraceTables, traceDrop, type TraceOutcome } from '../system/capture/trace.js';
import { TRACE_TABLE_PREFIX } from '../netfilter/nft-trace.js';
import { diagnose } from './diagnose.js';
import { beyondTargetPath, pingGotNoReply } from './dns-path.js';
import { captureReport, countHops, judgePath, otherWaysOut, unavailable, type CaptureWhere } from './path-verdict.js';
import { resolveTopology, type Topology } from './topology.js';
import { judgeLive, type FactStage, type LiveReport } from './live.js';

export interface Diagnosed {
  snapshot: NetSnapshot;
  ping: PingResult | null;
  dns: DnsProbeResult | null;
  mtu: MtuProbeResult | null;
  report: Report;
}

export interface DiagnosisOptions {
  /** Ping from inside the namespace. */
  probe: boolean;
  /** Watch the ping on the bridge and the uplink (default: whenever probing). */
  capture?: boolean;
  /** Called for every packet the capture sees, as it is seen (live UIs). */
  onPacket?: (packet: CapturedPacket) => void;
  /** With the capture: trace who drops the packets (a temporary nft table; default on). */
  trace?: boolean;
  /** The facts, already gathered (`check --all` takes every namespace's together); not with capture. */
  snapshot?: NetSnapshot;
}

export async function runDiagnosis(input: SnapshotInput, opts: DiagnosisOptions): Promise<Diagnosed> {
  if (opts.probe && opts.capture !== false) {
    if (opts.snapshot) throw new Error('runDiagnosis: a snapshot taken beforehand cannot be captured against');
    return runWithCapture(input, opts);
  }
  // rp_filter drops show only in a counter: read it before the first echo request can leave.
  const rpBefore = opts.probe ? await readRpFilterDrops(input.hostNs) : null;
  // The DNS probe asks the resolvers the namespace is configured with, as its programs would;
  // its worker is a Node process, the slowest to start, so it goes first, then the ping.
  const dns = opts.probe ? probeDns(input) : null;
  const pingP = opts.probe ? pingFromNamespace(input.ns, input.target) : Promise.resolve(null);
  const [snapshot, ping] = await Promise.all([opts.snapshot ?? takeSnapshot(input), pingP]);
  await countRpFilterDrops(snapshot, ping, input.hostNs, rpBefore);
  return judge(snapshot, ping, null, dns, opts.probe);
}

/** Did rp_filter drop anything while the probe ran? (The counter is per namespace.) */
async function countRpFilterDrops(snapshot: NetSnapshot, ping: PingResult | null, hostNs: string | null, before: number | null): Promise<void> {
  if (ping?.ran && snapshot.rpFilterDrops) snapshot.rpFilterDrops = { before, after: await readRpFilterDrops(hostNs) };
}

async function judge(
  snapshot: NetSnapshot,
  ping: PingResult | null,
  capture: ((passive: Report) => CaptureReport) | null,
  dnsProbe: DnsProbe | null,
  probe: boolean,
): Promise<Diagnosed> {
  // A namespace that does not exist was not probed, whatever ping said about entering it.
  const judgedPing = snapshot.container ? ping : ping && { ...ping, ran: false, error: `namespace ${snapshot.input.ns} does not exist` };
  if (judgedPing && !judgedPing.ran && snapshot.container && judgedPing.error) snapshot.errors.push(`not probed: ${judgedPing.error}`);
  // The MTU probe needs only the ping: it runs while the DNS query may still wait for answers.
  const [mtu, dnsRaw] = await Promise.all([probe ? probeMtu(snapshot, judgedPing) : null, dnsAfterPing(dnsProbe, snapshot, judgedPing)]);
  stage('DNS and MTU probes done');
  const dns = snapshot.container ? dnsRaw : null;
  const report = diagnose(snapshot, judgedPing, dns, mtu);
  if (capture) report.probes.capture = capture(report);
  return { snapshot, ping: judgedPing, dns, mtu, report };
}

/** The path MTU, measured only once a plain ping gets through (otherwise nothing would). */
async function probeMtu(snapshot: NetSnapshot, ping: PingResult | null): Promise<MtuProbeResult | null> {
  if (!snapshot.container || !ping?.ran || ping.received === 0) return null;
  const veth = resolveTopology(snapshot).nsVeth;
  if (!veth?.mtu) return null;
  return mtuProbeFromNamespace(snapshot.input.ns, snapshot.input.target, veth.mtu);
}

/**
 * Starts at once, before anything else is awaited: the worker is a Node process, the slowest
 * probe to start, and its query then runs alongside the ping.
 */
function probeDns(input: SnapshotInput): DnsProbe | null {
  if (!namespaceIdentity(input.ns)) return null;
  const conf = namespaceResolvConf(input.ns, input.hostNs);
  if (!conf || !conf.nameservers.length) return null;
  return startDnsProbe(input.ns, conf.nameservers);
}

/**
 * The DNS result, once the ping is in (a silent resolver is judged only then). When the ping got
 * no reply and every resolver still silent is reached the same way as the target, its timeout is
 * a foregone conclusion (ns.dns then defers to the diagnosis anyway): stop waiting, and say so,
 * instead of waiting it out. Otherwise each resolver gets its full 1.5 s; one on the host or on
 * the namespace's own link can answer while the internet cannot.
 */
export function dnsAfterPing(probe: DnsProbe | null, snapshot: NetSnapshot, ping: PingResult | null): Promise<DnsProbeResult | null> {
  if (!probe) return Promise.resolve(null);
  const pending = probe.pending();
  if (pingGotNoReply(ping) && pending.length && pending.every((s) => beyondTargetPath(snapshot, s))) probe.abandon();
  else probe.wait();
  return probe.result;
}

/**
 * Capture needs the interfaces: the worker starts at once (node and the pcap addon take a moment
 * to load) and is handed them the moment the links are read, while the rest of the facts are
 * gathered. The ping starts once the facts are complete and the worker captures; the worker is
 * stopped the moment the ping returns.
 */
async function runWithCapture(input: SnapshotInput, opts: DiagnosisOptions): Promise<Diagnosed> {
  stage('capture worker starting');
  const handle = startCapture(input.hostNs, { timeoutMs: 8000, onPacket: opts.onPacket });
  // UDP to the resolvers: the capture counts only our echo requests and replies.
  const dns = probeDns(input);
  stage('DNS worker starting');
  // Our own echo identifier: another ping from the same namespace (a second netdoctor, the
  // user) is not counted as ours.
  const echoId = 1 + Math.floor(Math.random() * 0xfffe);
  // Set the moment the links are read (a holder: TypeScript does not follow the callback).
  const early: { target: ReturnType<typeof captureWhere>; ready: ReturnType<CaptureHandle['configure']> | null; rpBefore: Promise<number | null> | null } = {
    target: { where: null, missing: 'the links could not be read' },
    ready: null,
    rpBefore: null,
  };
  let sweeping: Promise<unknown> | null = null;
  try {
    const snapshot = await takeSnapshot(
      input,
      () => stage('snapshot: links in'),
      (partial, topo) => {
        stage('snapshot: topology known');
        early.target = captureWhere(partial, topo, input);
        if (early.target.where) early.ready = handle.configure({ ...early.target.where, echoId });
        // rp_filter drops show only in a counter: read it before the first echo request leaves.
        early.rpBefore = readRpFilterDrops(input.hostNs);
      },
    );
    stage('snapshot complete');
    // A trace table left by a netdoctor killed mid-trace goes now, whatever this check finds.
    const leftTables = snapshot.host.netfilter.tables.filter((t) => t.backend === 'nft' && t.family === 'ip' && t.name.startsWith(TRACE_TABLE_PREFIX));
    if (leftTables.length) sweeping = deleteStaleTraceTables(input.hostNs, leftTables.map((t) => t.name)).catch(() => []);
    const { target, ready } = early;
    if (!target.where || !ready) {
      const [ping] = await Promise.all([pingFromNamespace(input.ns, input.target), handle.stop()]);
      return judge(snapshot, ping, () => unavailable(`nothing to capture: ${target.missing ?? 'unknown'}`, 'fix the diagnosis first'), dns, true);
    }
    const where = target.where;
    const [configured, rpBefore] = await Promise.all([ready, early.rpBefore]);
    stage('capture ready; ping starting');
    const ping = await pingFromNamespace(input.ns, input.target, { echoId });
    stage('ping done');
    const [, outcome] = await Promise.all([countRpFilterDrops(snapshot, ping, input.hostNs, rpBefore ?? null), handle.stop()]);
    stage('capture stopped');

    // Who dropped it: only when the capture watched the packets die on this host.
    let traced: TraceOutcome | null = null;
    if (opts.trace !== false && ping.ran && ping.received === 0 && outcome.available && diedOnHost(outcome, where)) {
      const legacy = snapshot.host.netfilterSources.some((s) => s.source === 'iptables-legacy' && s.status === 'read');
      traced = await traceDrop({ hostNs: input.hostNs, ns: input.ns, nsAddress: where.nsAddress, target: input.target, legacy, echoId });
      stage('trace done');
    }
    return judge(
      snapshot,
      ping,
      (passive) =>
        configured.ok
          ? // The ping answered and a step still fails: only one about what a ping cannot test does then (diagnose()).
            captureReport(outcome, where, passive.diagnosis?.step ?? null, traced?.drop ?? null, traced?.info ?? null, passive.egress === 'ok' && passive.diagnosis !== null)
          : unavailable(configured.reason, configured.remedy, outcome.durationMs),
      dns,
      true,
    );
  } finally {
    await Promise.all([handle.stop(), sweeping]);
  }
}

/** What to watch (from the links alone), or why there is nothing to capture. */
function captureWhere(snap: NetSnapshot, topo: Topology, input: SnapshotInput): { where: CaptureWhere; missing: null } | { where: null; missing: string } {
  const nsAddress = topo.nsAddress?.ip ?? null;
  const missing = !snap.container
    ? `namespace ${input.ns} does not exist`
    : !topo.bridge.link
      ? `bridge ${topo.bridge.name} does not exist`
      : !nsAddress
        ? `${input.ns} has no IPv4 address to follow`
        : null;
  if (missing || !nsAddress) return { where: null, missing: missing ?? `${input.ns} has no IPv4 address to follow` };
  const uplink = topo.uplink?.name ?? null;
  return {
    where: {
      bridge: topo.bridge.name,
      uplink,
      nsAddress,
      target: input.target,
      others: otherWaysOut(snap.host.routes, uplink, topo.bridge.name),
      hostAddresses: snap.host.links.flatMap((l) => l.addrs.filter((a) => a.family === 'inet').map((a) => a.local)),
    },
    missing: null,
  };
}

/** The packets reached the bridge and then went missing here: not forwarded, or replies lost. */
function diedOnHost(outcome: Extract<CaptureOutcome, { available: true }>, where: CaptureWhere): boolean {
  const hops = countHops(outcome.packets, where.bridge, where.uplink, where.others);
  const { verdict } = judgePath({ ...hops, nsAddress: where.nsAddress, target: where.target, passive: null, drop: null });
  return verdict === 'not-forwarded' || verdict === 'reply-not-returned';
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
  // The ping and the DNS query are stages of their own, so the diagnosis is on screen once the
  // ping is back, while the DNS query may still wait out its timeout. The DNS worker starts
  // first: a Node process, the slowest probe to start.
  let pingDone = !opts.probe;
  let dnsDone = !opts.probe;
  let rulesIn = false;
  /** A probe finished: judged against a snapshot only once its links are in. */
  const probeIn = () => {
    if (!partial) return;
    const before = arrived.size;
    if (pingDone) arrived.add('ping');
    if (dnsDone) arrived.add('dns');
    // With everything in, the final update below follows instead.
    if (arrived.size !== before && !(rulesIn && arrived.has('ping') && arrived.has('dns'))) emit();
  };
  const dnsProbe = opts.probe ? probeDns(input) : null;
  const pingOnly = opts.probe ? pingFromNamespace(input.ns, input.target) : Promise.resolve(null);
  let snapshotIn!: (s: NetSnapshot) => void;
  const snapshotP = new Promise<NetSnapshot>((resolve) => (snapshotIn = resolve));
  // A silent resolver is judged once the ping is in (dnsAfterPing, against the snapshot); an
  // answer shows as soon as it comes.
  const dnsP = opts.probe
    ? Promise.race([dnsProbe ? dnsProbe.result : Promise.resolve(null), Promise.all([pingOnly, snapshotP]).then(([p, s]) => dnsAfterPing(dnsProbe, s, s.container ? p : null))]).then((d) => {
        dns = d;
        dnsDone = true;
        probeIn();
        return d;
      })
    : Promise.resolve(null);
  const pingP = pingOnly.then((p) => {
    ping = p;
    pingDone = true;
    probeIn();
    return p;
  });
  const snapshot = await takeSnapshot(input, (s) => {
    partial = s;
    arrived.add('links');
    if (pingDone) arrived.add('ping');
    if (dnsDone) arrived.add('dns');
    emit();
  });
  partial = snapshot;
  snapshotIn(snapshot);
  arrived.add('rules');
  rulesIn = true;
  if (!arrived.has('ping') || !arrived.has('dns')) emit(); // netfilter is in; a probe may still be waiting
  // The MTU probe needs only the ping (not the DNS query, which may wait for its answers).
  const judge = (p: PingResult | null) => (snapshot.container ? p : p && { ...p, ran: false, error: `namespace ${input.ns} does not exist` });
  const mtuP = opts.probe ? pingOnly.then((p) => probeMtu(snapshot, judge(p))) : null;
  const [p] = await Promise.all([pingP, dnsP]);
  const judgedPing = judge(p);
  const judgedDns = snapshot.container ? dns : null;
  const mtu = await mtuP;
  const report = diagnose(snapshot, judgedPing, judgedDns, mtu);
  onUpdate({ steps: report.steps, report, verdict: { diagnosis: report.diagnosis, egress: report.egress, target: report.target } });
  return { snapshot, ping: judgedPing, dns: judgedDns, mtu, report };
}
