// Live probes that send packets: only ever from inside the namespace being diagnosed.
import type { PingResult } from '../model/result.js';
import { parsePing } from '../parse/ping.js';
import { run } from './run.js';

/**
 * A short real ping from inside the namespace: an echo request every 0.2 s until the first
 * reply, for at most 1 s (-c 1 with a -w deadline). A working path answers in milliseconds;
 * a broken one costs the full second.
 */
export async function pingFromNamespace(ns: string, target: string): Promise<PingResult> {
  const r = await run(['ping', '-n', '-q', '-c', '1', '-i', '0.2', '-w', '1', target], { ns, timeoutMs: 4000 });
  if (r.spawnError === 'ENOENT') {
    return { target, ran: false, transmitted: 0, received: 0, error: 'ping is not installed (iputils-ping)', rttMs: null, durationMs: r.durationMs };
  }
  const parsed = parsePing(r.stdout, r.stderr);
  // `ip netns exec` itself failing (namespace gone) is not a ping result.
  const entered = !/Cannot open network namespace|No such file or directory/.test(r.stderr) || parsed.transmitted > 0;
  return { target, ran: entered, ...parsed, durationMs: r.durationMs };
}
