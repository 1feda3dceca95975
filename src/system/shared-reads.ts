// The host side's facts for `check --all`, read ONCE and shared by every namespace's diagnosis:
// host links, addresses, routes, sysctls, the netfilter dump, rp_filter drops, tools, resolv.conf.
// The per-namespace host queries (route lookups, conntrack, the bridge's neighbours) are asked
// for all namespaces together by prefetch(): one `ip -batch` of lookups, one conntrack dump.
// A diagnosis through this reader sees exactly the facts a lone `check` would read.
import type { ConntrackFacts, NeighbourFact, RouteLookup } from '../model/snapshot.js';
import { parseRouteGetBatch, routeGetBatch } from '../parse/route-batch.js';
import { ipIn, run } from './run.js';
import { directHostReader, readConntrackAll, type HostQueries, type HostReader, type IpFacts } from './snapshot.js';

/** The host reads that answer many namespaces in one go. */
export interface BulkReads {
  /** `ip route get` for every argument list, in order; null when they could not be matched up. */
  lookups(list: readonly (readonly string[])[]): Promise<RouteLookup[] | null>;
  /** Every conntrack entry of the side. */
  conntrack(): Promise<ConntrackFacts>;
}

// Lookups per `ip -batch` spawn: ip answers thousands a second; this only bounds one timeout.
const LOOKUPS_PER_BATCH = 1000;

export function directBulkReads(hostNs: string | null): BulkReads {
  return {
    async lookups(list) {
      const out: RouteLookup[] = [];
      for (let i = 0; i < list.length; i += LOOKUPS_PER_BATCH) {
        const batch = list.slice(i, i + LOOKUPS_PER_BATCH);
        const r = await run(ipIn(hostNs, '-force', '-j', '-batch', '-'), { input: routeGetBatch(batch), timeoutMs: 5000 + batch.length * 10 });
        const results = r.spawnError || r.timedOut ? null : parseRouteGetBatch(batch.length, r.stdout, r.stderr);
        if (!results) return null;
        out.push(...results);
      }
      return out;
    },
    conntrack: () => readConntrackAll(hostNs),
  };
}

export interface SharedHostReader extends HostReader {
  /** Answer these namespaces' host queries together: one spawn per kind of query. */
  prefetch(queries: HostQueries[]): Promise<void>;
}

/** A read with the error lines it produced, replayed to every caller (each snapshot lists them). */
interface Recorded<T> {
  value: Promise<T>;
  errors: string[];
}

function record<T>(read: (errors: string[]) => Promise<T>): Recorded<T> {
  const errors: string[] = [];
  return { value: read(errors), errors };
}

async function replay<T>(r: Recorded<T>, errors: string[]): Promise<T> {
  const v = await r.value;
  errors.push(...r.errors);
  return v;
}

function once<T>(read: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= read());
}

/**
 * `base` does the reading (the direct reads of a lone check), `bulk` the many-at-once reads;
 * both are parameters so the sharing itself is unit-tested.
 */
export function sharedHostReader(hostNs: string | null, base: HostReader = directHostReader(hostNs), bulk: BulkReads = directBulkReads(hostNs)): SharedHostReader {
  const ipByTarget = new Map<string, Recorded<IpFacts>>();
  const sysctlByKey = new Map<string, Recorded<Record<string, string | null>>>();
  const sysctlByList = new Map<string, Recorded<Record<string, string | null>>>();
  const lookups = new Map<string, Promise<RouteLookup>>();
  const neighbours = new Map<string, Promise<NeighbourFact[] | null>>();
  let conntrackAll: Promise<ConntrackFacts> | null = null;
  const conntrackBySrc = new Map<string, Promise<ConntrackFacts>>();
  const keyOf = (args: readonly string[]) => args.join(' ');

  // Each key read once, whoever asks: the union of all namespaces' keys in one read (prefetch).
  async function readKeys(keys: string[], errors: string[]): Promise<Record<string, string | null>> {
    const missing = keys.filter((k) => !sysctlByKey.has(k));
    if (missing.length) {
      const r = record((e) => base.sysctls(missing, e));
      for (const k of missing) sysctlByKey.set(k, r);
    }
    const reads = [...new Set(keys.map((k) => sysctlByKey.get(k)!))];
    const values = await Promise.all(reads.map((r) => r.value));
    for (const r of reads) errors.push(...r.errors);
    const out: Record<string, string | null> = {};
    for (const k of keys) out[k] = values[reads.indexOf(sysctlByKey.get(k)!)]![k] ?? null;
    return out;
  }

  const reader: SharedHostReader = {
    namespaces: once(() => base.namespaces()),
    ip(target, errors) {
      let r = ipByTarget.get(target);
      if (!r) ipByTarget.set(target, (r = record((e) => base.ip(target, e))));
      return replay(r, errors);
    },
    sysctls(keys, errors) {
      // Namespaces on one host mostly ask for the same keys: one record for them all (read-only).
      const asked = keys.join('\n');
      let r = sysctlByList.get(asked);
      if (!r) sysctlByList.set(asked, (r = record((e) => readKeys(keys, e))));
      return replay(r, errors);
    },
    netfilter: once(() => base.netfilter()),
    rpFilterDrops: once(() => base.rpFilterDrops()),
    tools: once(() => base.tools()),
    resolvConf: once(() => base.resolvConf()),
    neighbours(dev) {
      let p = neighbours.get(dev);
      if (!p) neighbours.set(dev, (p = base.neighbours(dev)));
      return p;
    },
    lookup(args) {
      let p = lookups.get(keyOf(args));
      if (!p) lookups.set(keyOf(args), (p = base.lookup(args)));
      return p;
    },
    async conntrack(src) {
      let p = conntrackBySrc.get(src);
      if (!p) {
        p = (async () => {
          const all = conntrackAll ? await conntrackAll : null;
          // Unreadable as a whole: ask as a lone check would, so the reported failure is the same.
          if (!all || all.source === null) return base.conntrack(src);
          return { source: all.source, entries: all.entries.filter((e) => e.orig.src === src) };
        })();
        conntrackBySrc.set(src, p);
      }
      return p;
    },
    async prefetch(queries) {
      const wanted = [...new Map(queries.flatMap((q) => [q.forward, q.reply]).flatMap((a) => (a && !lookups.has(keyOf(a)) ? [[keyOf(a), a] as const] : []))).values()];
      if (queries.some((q) => q.conntrackSrc)) conntrackAll ??= bulk.conntrack();
      const sysctlKeys = [...new Set(queries.flatMap((q) => q.sysctlKeys))];
      await Promise.all([
        readKeys(sysctlKeys, []),
        conntrackAll,
        ...[...new Set(queries.flatMap((q) => (q.neighbours ? [q.neighbours] : [])))].map((dev) => reader.neighbours(dev)),
        (async () => {
          if (!wanted.length) return;
          // Not matched line for line (ip stopped early, or could not run): each is asked alone.
          const results = await bulk.lookups(wanted);
          if (results) wanted.forEach((args, i) => lookups.set(keyOf(args), Promise.resolve(results[i]!)));
        })(),
      ]);
    },
  };
  return reader;
}
