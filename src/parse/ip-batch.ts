// `ip -j -d -batch -` with "addr show", "route show", "route get TARGET": one side's links,
// IPv4 routes and route lookup from ONE spawn. Pure: parsed from the recorded output.
//
// ip prints one JSON array per command, one per line (JSON strings cannot hold a raw newline),
// and stops at the first command that fails, so the lookup goes last: when the lookup fails,
// the lines before it are still whole and its error is on stderr.
import type { LinkFact, RouteFact, RouteLookup } from '../model/snapshot.js';
import { parseLinks, parseRouteGet, parseRoutes } from './ip-json.js';

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
