// "Who dropped it": nft tracing of the probe's packets. A temporary table of netdoctor's own,
// `ip netdoctor-trace-<pid>`, marks only the probe's echo requests and replies with
// `meta nftrace set 1` at prerouting (priority -350, before conntrack and every other chain);
// `nft -a monitor trace` then reports every chain and rule they meet, and the verdict that
// killed them. The table is deleted afterwards (also on SIGINT/SIGTERM); nothing else is
// touched. Tables left by a netdoctor that was killed outright are swept on the next run.
import { findDrop, parseTraceLine, staleTraceTables, TRACE_TABLE_PREFIX, type TraceLine } from '../../netfilter/nft-trace.js';
import type { TraceDrop, TraceInfo } from '../../model/capture.js';
import { isIPv4 } from '../../net/ipv4.js';
import { describeFailure, processAlive, run, runSync, spawnStreaming } from '../run.js';
import { legacyDrop } from '../../netfilter/legacy-counters.js';

let traces = 0;

/** Unique per trace (several namespaces may be diagnosed at once from one process). */
export function traceTableName(pid = process.pid, n = ++traces): string {
  return `${TRACE_TABLE_PREFIX}${pid}-${n}`;
}

// One set of signal handlers for every trace in flight: each registers a synchronous cleanup;
// on SIGINT/SIGTERM/SIGHUP they all run, then the signal does what it would have done.
const cleanups = new Map<number, () => void>();
let cleanupIds = 0;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const onSignal = (signal: NodeJS.Signals) => {
  for (const c of cleanups.values()) c();
  cleanups.clear();
  uninstall();
  process.kill(process.pid, signal);
};
function uninstall(): void {
  for (const sig of SIGNALS) process.off(sig, onSignal);
}
function onSignalCleanup(fn: () => void): number {
  if (cleanups.size === 0) for (const sig of SIGNALS) process.on(sig, onSignal);
  cleanups.set(++cleanupIds, fn);
  return cleanupIds;
}

/** The table, as `nft -f` input: only the probe's ICMP echo, in both directions. */
export function traceRuleset(table: string, nsAddress: string, target: string, echoId?: number): string {
  if (!isIPv4(nsAddress) || !isIPv4(target)) throw new Error('trace: not an IPv4 address');
  if (echoId !== undefined && !(Number.isInteger(echoId) && echoId >= 0 && echoId <= 0xffff)) throw new Error('trace: bad echo id');
  const own = echoId === undefined ? '' : ` icmp id ${echoId}`;
  return [
    `table ip ${table} {`,
    '  chain trace-prerouting {',
    '    type filter hook prerouting priority -350; policy accept;',
    `    ip saddr ${nsAddress} ip daddr ${target} icmp type echo-request${own} meta nftrace set 1`,
    `    ip saddr ${target} icmp type echo-reply meta nftrace set 1`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Delete trace tables whose netdoctor is gone (it was SIGKILLed mid-trace). */
async function sweepStale(ns: string | null): Promise<void> {
  const r = await run(['nft', 'list', 'tables', 'ip'], { ns, timeoutMs: 3000 });
  if (r.failed) return;
  await deleteStaleTraceTables(ns, [...r.stdout.matchAll(/^table ip (\S+)$/gm)].map((m) => m[1]!));
}

/**
 * Delete, of the `ip` tables named, the trace tables whose netdoctor is gone. Every active check
 * calls it with the tables its snapshot listed (no spawn unless there is one), so a table left by
 * a killed netdoctor goes with the next check, traced or not.
 */
export async function deleteStaleTraceTables(ns: string | null, ipTables: readonly string[]): Promise<string[]> {
  const stale = staleTraceTables(ipTables, processAlive);
  await Promise.all(stale.map((t) => run(['nft', 'delete', 'table', 'ip', t], { ns, timeoutMs: 3000 })));
  return stale;
}

const QUIET_MS = 60;
const LISTEN_TIMEOUT_MS = 3000;
const SETTLE_MAX_MS = 400;

/** Wait until `done()`, or until `count()` has not moved for QUIET_MS, at most SETTLE_MAX_MS. */
async function settle(done: () => boolean, count: () => number): Promise<void> {
  const start = performance.now();
  let last = count();
  let quietSince = performance.now();
  while (!done() && performance.now() - start < SETTLE_MAX_MS) {
    await new Promise((r) => setTimeout(r, 10));
    if (count() !== last) {
      last = count();
      quietSince = performance.now();
    } else if (performance.now() - quietSince >= QUIET_MS) return;
  }
}

export interface TraceOutcome {
  drop: TraceDrop | null;
  info: TraceInfo;
  lines: TraceLine[];
}

/**
 * Ping once more with tracing armed and say who dropped the packets. Called only when the
 * capture saw them die on this host, so a healthy check never adds the table. The ping is cut
 * short as soon as the drop shows. With `legacy`, iptables-legacy counters are compared around
 * the ping too (nft tracing cannot see those rules).
 */
export async function traceDrop(o: { hostNs: string | null; ns: string; nsAddress: string; target: string; legacy: boolean; echoId?: number }): Promise<TraceOutcome> {
  const { hostNs } = o;
  const table = traceTableName();
  const lines: TraceLine[] = [];
  let note: string | null = null;
  let created = false;
  let creating = false;

  // All events, not only traces: the monitor reporting our own table (or a chain we add to it)
  // is the proof that it listens, so the ping need not start before it does.
  // Like every child, it dies with netdoctor: a monitor whose netdoctor was SIGKILLed would wait for events forever.
  const monitor = spawnStreaming(['nft', '-a', 'monitor'], { ns: hostNs, timeoutMs: 20_000 });
  let listening: (() => void) | null = null;
  const ours = new RegExp(`^add (table|chain) ip ${table}\\b`);
  monitor.onLine((line) => {
    if (ours.test(line)) listening?.();
    const l = parseTraceLine(line);
    if (l) lines.push(l);
  });
  let monitorGone = false;
  void monitor.exited.then(() => (monitorGone = true));

  // Ctrl-C or a kill mid-trace must not leave the table behind.
  const cleanupId = onSignalCleanup(() => {
    // Also while `nft -f` may be adding it: deleting a table that is not there just fails.
    if (created || creating) runSync(['nft', 'delete', 'table', 'ip', table], { ns: hostNs, timeoutMs: 2000 });
    monitor.kill('SIGKILL');
  });

  try {
    const [, legacyBefore] = await Promise.all([sweepStale(hostNs).catch(() => undefined), o.legacy ? readLegacyCounters(hostNs) : null]);
    creating = true;
    const r = await run(['nft', '-f', '-'], { ns: hostNs, input: traceRuleset(table, o.nsAddress, o.target, o.echoId), timeoutMs: 3000 });
    if (r.failed) {
      note = r.spawnError === 'ENOENT' ? 'nft is not installed: cannot trace who dropped the packets' : `cannot add the trace table: ${describeFailure(r)}`;
    } else {
      created = true;
      // The monitor may have subscribed only after the table was added (it reads the ruleset
      // first): then poke it with empty chains in our table until it reports one.
      let heard = false;
      const heardP = new Promise<void>((resolve) => (listening = resolve)).then(() => (heard = true));
      const until = performance.now() + LISTEN_TIMEOUT_MS;
      for (let k = 0; !heard && !monitorGone && performance.now() < until; k++) {
        await Promise.race([heardP, monitor.exited, sleep(k === 0 ? 100 : 150)]);
        if (heard || monitorGone) break;
        await run(['nft', 'add', 'chain', 'ip', table, `listen-${k}`], { ns: hostNs, timeoutMs: 2000 });
      }
      listening = null;
      if (!heard) {
        note = monitor.stderr().trim().split('\n').pop() || `nft monitor did not start within ${LISTEN_TIMEOUT_MS / 1000} s`;
      }
    }
    // The ping: while the trace listens (or, without it, for the legacy counters).
    if (created && note === null) await pingUntil(o.ns, o.target, o.echoId, () => findDrop(lines, o.target) !== null);
    else if (o.legacy) await pingUntil(o.ns, o.target, o.echoId, () => false);
    if (created && note === null) await settle(() => findDrop(lines, o.target) !== null, () => lines.length);
    const legacyAfter = o.legacy ? await readLegacyCounters(hostNs) : null;
    const traced = note === null ? findDrop(lines, o.target) : null;
    const drop = traced ?? (legacyBefore && legacyAfter ? legacyDrop(legacyBefore, legacyAfter) : null);
    if (!drop && o.legacy && note === null) note = 'no nftables rule dropped the packets; iptables-legacy rules are not traced by nft, and no legacy DROP counter moved';
    else if (!drop && created && note === null) {
      // Said, so "drop": null is not read as "the trace did not work".
      note = lines.length
        ? 'nft tracing followed the packets and no nftables rule or chain policy dropped them: they died outside netfilter (routing: ip_forward, rp_filter or a missing route)'
        : "nft tracing saw none of the probe's packets";
    }
    return { drop, info: { ran: created, note, table }, lines };
  } finally {
    monitor.kill('SIGTERM');
    await monitor.exited;
    if (created || creating) {
      const d = await run(['nft', 'delete', 'table', 'ip', table], { ns: hostNs, timeoutMs: 3000 });
      if (d.failed && created) runSync(['nft', 'delete', 'table', 'ip', table], { ns: hostNs, timeoutMs: 3000 });
    }
    cleanups.delete(cleanupId);
    if (cleanups.size === 0) uninstall();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A short ping from the namespace (up to 3 echo requests, 0.2 s apart), cut short once `enough()`. */
async function pingUntil(ns: string, target: string, echoId: number | undefined, enough: () => boolean): Promise<void> {
  const id = echoId === undefined ? [] : ['-e', String(echoId)];
  const ping = spawnStreaming(['ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '1', ...id, target], { ns, timeoutMs: 3000 });
  let done = false;
  void ping.exited.then(() => (done = true));
  while (!done && !enough()) await Promise.race([ping.exited, sleep(10)]);
  if (!done) ping.kill('SIGTERM');
  ping.closeStdin();
  await ping.exited;
}

/** `iptables-legacy-save -c`: lists only the tables the kernel already has, so it creates none. */
export async function readLegacyCounters(ns: string | null): Promise<string | null> {
  const r = await run(['iptables-legacy-save', '-c'], { ns, timeoutMs: 3000 });
  return r.failed ? null : r.stdout;
}
