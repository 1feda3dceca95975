// Many `ip route get` lookups in ONE spawn (`ip -force -j -batch -`, one lookup a line), for
// `check --all`: the forwarding decision and the route back of every namespace. Pure.
//
// With -force ip carries on past a failed line: a lookup that succeeds prints one JSON line on
// stdout; one that fails prints its error on stderr followed by "Command failed -:N". A line ip
// cannot even parse ends the whole batch without that trailer; the counts then disagree and the
// caller asks one lookup at a time instead.
import type { RouteLookup } from '../model/snapshot.js';
import { parseRouteGet } from './ip-json.js';

/** The batch to feed ip on stdin (arguments validated by the caller). */
export function routeGetBatch(lookups: readonly (readonly string[])[]): string {
  return lookups.map((args) => `route get ${args.join(' ')}\n`).join('');
}

/** One result per lookup, in order; null when the output cannot be matched to the lines. */
export function parseRouteGetBatch(count: number, stdout: string, stderr: string): RouteLookup[] | null {
  const failed = new Map<number, string>();
  let block: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^Command failed -:(\d+)$/.exec(line);
    if (!m) {
      if (line.trim()) block.push(line);
      continue;
    }
    failed.set(Number(m[1]), block.join('\n'));
    block = [];
  }
  // Error text after the last trailer: a line that ended the batch.
  if (block.length) return null;
  const out = stdout.split('\n').filter((l) => l.trim());
  if (out.length !== count - failed.size || [...failed.keys()].some((n) => n < 1 || n > count)) return null;
  const results: RouteLookup[] = [];
  let next = 0;
  for (let n = 1; n <= count; n++) {
    const error = failed.get(n);
    results.push(error !== undefined ? parseRouteGet(1, '', error) : parseRouteGet(0, out[next++]!, ''));
  }
  return results;
}
