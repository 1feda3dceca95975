// `ip -j -d -batch -` with "addr show", "route show", "route get TARGET": one side's links,
// IPv4 routes and route lookup from ONE spawn. Pure: parsed from the recorded output.
//
// ip prints one JSON array per command, one per line (JSON strings cannot hold a raw newline),
// and stops at the first command that fails, so the lookup goes last: when the lookup fails,
// the lines before it are still whole and its error is on stderr.
import type { LinkFact, NeighbourFact, RouteFact, RouteLookup } from '../model/snapshot.js';
import { parseLinks, parseNeighbours, parseRouteGet, parseRoutes } from './ip-json.js';

/** The batch to feed ip on stdin (target: an IPv4 address, validated by the caller). */
export function ipFactsBatch(target: string): string {
  return `addr show\nroute show\nroute get ${target}\n`;
}

/** One side's `ip -batch` output, as read (alone, or split from a batch of many: netns-exec-batch.ts). */
export interface SideOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface IpBatchFacts {
  links: LinkFact[];
  routes: RouteFact[];
  lookup: RouteLookup;
  /** False when even the links could not be read (the namespace could not be entered). */
  ok: boolean;
  /** Problems parsing what was read. */
  errors: string[];
}

export function parseIpFactsBatch(exitCode: number | null, stdout: string, stderr: string): IpBatchFacts {
  const [linksJson, routesJson, lookupJson] = stdout.split('\n').filter((l) => l.trim());
  const errors: string[] = [];
  if (linksJson === undefined || routesJson === undefined) {
    const why = lastLine(stderr) ?? `exit ${exitCode}`;
    return { links: [], routes: [], lookup: { ok: false, error: why }, ok: false, errors };
  }
  const safe = <T>(what: string, f: () => T, empty: T): T => {
    try {
      return f();
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
      return empty;
    }
  };
  const lookup = lookupJson !== undefined ? parseRouteGet(0, lookupJson, '') : parseRouteGet(exitCode === 0 ? 1 : exitCode, '', withoutBatchTrailer(stderr));
  if (lookup.ok && lookup.type === 'unicast') delete lookup.type;
  return {
    links: safe('links', () => parseLinks(linksJson), []),
    routes: safe('routes', () => parseRoutes(routesJson), []).map(withoutDetailDefaults),
    lookup,
    ok: true,
    errors,
  };
}

/** `ip -d` also prints the defaults plain `ip` omits (type unicast, protocol boot, scope global): drop them, so facts read either way are the same. */
function withoutDetailDefaults(route: RouteFact): RouteFact {
  const r = { ...route };
  if (r.type === 'unicast') delete r.type;
  if (r.protocol === 'boot') delete r.protocol;
  if (r.scope === 'global') delete r.scope;
  return r;
}

/** ip -batch's stderr without its own "Command failed -:N" trailer. */
function withoutBatchTrailer(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !/^Command failed /.test(l))
    .join('\n');
}

function lastLine(text: string): string | undefined {
  return withoutBatchTrailer(text).trim().split('\n').filter(Boolean).pop();
}

/** One command's answer in an `ip -force -batch -` run: its JSON line, or why it failed. */
export type ForcedAnswer = { ok: true; json: string } | { ok: false; error: string };

/**
 * Splits the output of `ip -j -force -batch -` fed `count` commands into one answer per command.
 * With -force ip runs every line: a command that succeeded prints one JSON line on stdout; one
 * that failed prints its error on stderr followed by "Command failed -:N" (N: its line). A run
 * that ended early (ip exited, killed) leaves the remaining commands without an answer: failed,
 * with ip's last words.
 */
export function splitForcedBatch(count: number, exitCode: number | null, stdout: string, stderr: string): ForcedAnswer[] {
  const failed = new Map<number, string>();
  let pending: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^Command failed -:(\d+)$/.exec(line);
    if (m) {
      failed.set(Number(m[1]), pending.filter(Boolean).pop() ?? 'failed');
      pending = [];
    } else pending.push(line);
  }
  const lines = stdout.split('\n').filter((l) => l.trim());
  const leftover = pending.filter(Boolean).pop() ?? (exitCode === null ? 'ip did not finish' : `exit ${exitCode}`);
  const answers: ForcedAnswer[] = [];
  for (let n = 1; n <= count; n++) {
    const error = failed.get(n);
    if (error !== undefined) answers.push({ ok: false, error });
    else {
      const json = lines.shift();
      answers.push(json === undefined ? { ok: false, error: leftover } : { ok: true, json });
    }
  }
  return answers;
}

/** The host side's second-stage queries (they need the topology the first stage revealed). */
export interface HostLookupQueries {
  /** `route get TARGET from NS_IP iif BRIDGE` arguments: how the host forwards the namespace's packets. */
  forward: string[] | null;
  /** `route get NS_IP` arguments: the way replies take back. */
  reply: string[] | null;
  /** `neigh show dev BRIDGE`: addresses in use on the bridge. */
  neighDev: string | null;
}

export interface HostLookups {
  forward: RouteLookup | null;
  reply: RouteLookup | null;
  neighbours: NeighbourFact[] | null;
}

/** The lines of the batch, in order: forward lookup, reply lookup, neighbours (those asked). */
export function hostLookupLines(q: HostLookupQueries): string[] {
  return [q.forward && `route get ${q.forward.join(' ')}`, q.reply && `route get ${q.reply.join(' ')}`, q.neighDev && `neigh show dev ${q.neighDev}`].filter((l): l is string => !!l);
}

/** The batch for `ip -4 -j -force -batch -` (names and addresses validated by the caller), or null: nothing to ask. */
export function hostLookupsBatch(q: HostLookupQueries): string | null {
  const lines = hostLookupLines(q);
  return lines.length ? `${lines.join('\n')}\n` : null;
}

/** Each answer as the single-command queries read it: a lookup's error, or neighbours null when unreadable. */
export function parseHostLookups(q: HostLookupQueries, exitCode: number | null, stdout: string, stderr: string): HostLookups {
  return hostLookupsFrom(q, splitForcedBatch(hostLookupLines(q).length, exitCode, stdout, stderr));
}

/** The lookups from their answers, one per line of hostLookupLines(q) (check --all asks many at once). */
export function hostLookupsFrom(q: HostLookupQueries, answers: readonly (ForcedAnswer | undefined)[]): HostLookups {
  const lookupOf = (a: ForcedAnswer | undefined): RouteLookup => (a?.ok ? parseRouteGet(0, a.json, '') : parseRouteGet(1, '', a?.error ?? 'failed'));
  let i = 0;
  const forward = q.forward ? lookupOf(answers[i++]) : null;
  const reply = q.reply ? lookupOf(answers[i++]) : null;
  let neighbours: NeighbourFact[] | null = null;
  if (q.neighDev) {
    const a = answers[i++];
    try {
      neighbours = a?.ok ? parseNeighbours(a.json, q.neighDev) : null;
    } catch {
      neighbours = null;
    }
  }
  return { forward, reply, neighbours };
}

/** True when every line of an `ip -force -batch` run was answered (it did not stop early). */
export function forcedBatchComplete(count: number, stdout: string, stderr: string): boolean {
  const answered = stdout.split('\n').filter((l) => l.trim()).length + stderr.split('\n').filter((l) => /^Command failed -:\d+$/.test(l)).length;
  return answered === count;
}
