// Live probes that send packets: only ever from inside the namespace being diagnosed.
import type { PingResult } from '../model/result.js';
import { parsePing } from '../parse/ping.js';
import { run } from './run.js';

/**
 * A short real ping from inside the namespace: an echo request every 0.2 s until the first
 * reply, for at most 1 s (-c 1 with a -w deadline). A working path answers in milliseconds;
 * a broken one costs the full second.
 */
export async function pingFromNamespace(ns: string, target: string, opts: { echoId?: number; single?: boolean } = {}): Promise<PingResult> {
  // echoId: the ICMP echo identifier (ping -e), so the capture can tell this ping's packets
  // from any other ping to the same target. An iputils without -e gets the plain ping.
  // single: exactly one echo request, its reply awaited 1 s: the tutorial's `ping -c 1` (learn).
  const base = opts.single ? ['ping', '-n', '-q', '-c', '1', '-W', '1'] : ['ping', '-n', '-q', '-c', '1', '-i', '0.2', '-w', '1'];
  let r = await run(opts.echoId === undefined ? [...base, target] : [...base, '-e', String(opts.echoId), target], { ns, timeoutMs: 4000 });
  if (opts.echoId !== undefined && /invalid option|usage/i.test(r.stderr) && !/transmitted/.test(r.stdout)) {
    r = await run([...base, target], { ns, timeoutMs: 4000 });
  }
  if (r.spawnError === 'ENOENT') {
    return { target, ran: false, transmitted: 0, received: 0, error: 'ping is not installed (iputils-ping)', rttMs: null, durationMs: r.durationMs };
  }
  const parsed = parsePing(r.stdout, r.stderr);
  // `ip netns exec` itself failing (namespace gone) is not a ping result.
  const entered = !/Cannot open network namespace|No such file or directory/.test(r.stderr) || parsed.transmitted > 0;
  return { target, ran: entered, ...parsed, durationMs: r.durationMs };
}
