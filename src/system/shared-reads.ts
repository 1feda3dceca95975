// The host side's facts for `check --all`, read ONCE and shared by every namespace's diagnosis:
// host links, addresses, routes, sysctls, the netfilter dump, rp_filter drops, tools, resolv.conf.
// The per-namespace host queries (route lookups, the bridge's neighbours, conntrack) are asked
// for all namespaces together by prefetch(): one `ip -4 -j -force -batch -` of every lookup,
// one conntrack dump. A diagnosis through this reader sees exactly the facts a lone `check`
// would read: each answer is parsed as the lone check parses its own.
import type { ConntrackFacts, ResolvConf } from '../model/snapshot.js';
import { forcedBatchComplete, hostLookupLines, hostLookupsFrom, splitForcedBatch, type ForcedAnswer, type HostLookups } from '../parse/ip-batch.js';
import { ipIn, run } from './run.js';
import { directHostReader, readConntrackAll, type HostQueries, type HostReader, type IpFacts } from './snapshot.js';

/** The host reads that answer many namespaces in one go. */
export interface BulkReads {
  /** One answer per line of an `ip -4 -j -force -batch -`, in order; null when ip did not answer them all. */
  batch(lines: readonly string[]): Promise<ForcedAnswer[] | null>;
  /** Every conntrack entry of the side. */
  conntrack(): Promise<ConntrackFacts>;
}

// Lines per `ip -batch` spawn: ip answers thousands a second; this only bounds one timeout.
const LINES_PER_BATCH = 1000;

export function directBulkReads(hostNs: string | null): BulkReads {
  return {
    async batch(lines) {
      const out: ForcedAnswer[] = [];
      for (let i = 0; i < lines.length; i += LINES_PER_BATCH) {
        const part = lines.slice(i, i + LINES_PER_BATCH);
        const input = `${part.join('\n')}\n`;
        const r = await run(ipIn(hostNs, '-4', '-j', '-force', '-batch', '-'), { input, timeoutMs: 5000 + part.length * 10 });
        if (r.spawnError || r.timedOut || !forcedBatchComplete(part.length, r.stdout, r.stderr)) return null;
        out.push(...splitForcedBatch(part.length, r.exitCode, r.stdout, r.stderr));
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

function once<T>(read: () => T): () => T {
  let done = false;
  let v: T;
  return () => {
    if (!done) {
      v = read();
      done = true;
    }
    return v;
  };
}

/** The value for `key`, made on first use: every namespace asking the same shares one read. */
function cached<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

const lookupKey = (q: HostQueries['lookups']) => hostLookupLines(q).join('\n');

/**
 * `base` does the reading (the direct reads of a lone check), `bulk` the many-at-once reads;
 * both are parameters so the sharing itself is unit-tested.
 */
export function sharedHostReader(hostNs: string | null, base: HostReader = directHostReader(hostNs), bulk: BulkReads = directBulkReads(hostNs)): SharedHostReader {
  const ipByTarget = new Map<string, Recorded<IpFacts>>();
  const sysctls = once(() => record((e) => base.sysctls(e)));
  const ifSysctlsByKeys = new Map<string, Recorded<Record<string, string | null>>>();
  const answers = new Map<string, ForcedAnswer>();
  const lookups = new Map<string, Promise<HostLookups>>();
  let conntrackAll: Promise<ConntrackFacts> | null = null;
  const conntrackBySrc = new Map<string, Promise<ConntrackFacts>>();

  const reader: SharedHostReader = {
    namespaces: once(() => base.namespaces()),
    ip: (target, errors) => replay(cached(ipByTarget, target, () => record((e) => base.ip(target, e))), errors),
    sysctls: (errors) => replay(sysctls(), errors),
    interfaceSysctls(read, keys, errors) {
      // Namespaces on one host ask for the same keys: one record for them all (it is only read).
      return replay(cached(ifSysctlsByKeys, keys.join('\n'), () => record((e) => base.interfaceSysctls(read, keys, e))), errors);
    },
    netfilter: once(() => base.netfilter()),
    rpFilterDrops: once(() => base.rpFilterDrops()),
    tools: once(() => base.tools()),
    resolvConf: once((): ResolvConf | null => base.resolvConf()),
    lookups: (q) =>
      cached(lookups, lookupKey(q), () => {
        const lines = hostLookupLines(q);
        // Every line answered by the prefetched batch: parsed as a lone check's batch; else asked alone.
        return lines.every((l) => answers.has(l)) ? Promise.resolve(hostLookupsFrom(q, lines.map((l) => answers.get(l)))) : base.lookups(q);
      }),
    conntrack: (src) =>
      cached(conntrackBySrc, src, async () => {
        const all = conntrackAll ? await conntrackAll : null;
        // Unreadable as a whole: ask as a lone check would, so the reported failure is the same.
        if (!all || all.source === null) return base.conntrack(src);
        return { source: all.source, entries: all.entries.filter((e) => e.orig.src === src) };
      }),
    async prefetch(queries) {
      const lines = [...new Set(queries.flatMap((q) => hostLookupLines(q.lookups)))].filter((l) => !answers.has(l));
      if (queries.some((q) => q.conntrackSrc)) conntrackAll ??= bulk.conntrack();
      const [got] = await Promise.all([lines.length ? bulk.batch(lines) : null, conntrackAll]);
      got?.forEach((a, i) => answers.set(lines[i]!, a));
    },
  };
  return reader;
}
