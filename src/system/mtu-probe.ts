// The path MTU probe: don't-fragment pings of decreasing size from inside the namespace. A
// path that is narrower than the links (a VPN, a tunnel, a smaller hop) and does not say so
// (ICMP "fragmentation needed" lost or filtered) lets pings and small packets through while
// full-size ones vanish: TLS handshakes and downloads hang.
import type { MtuProbeResult } from '../model/result.js';
import { run } from './run.js';

/** Common path MTUs (PPPoE 1492, WireGuard 1420, IPv6 minimum 1280, IPv4 minimum 576 ...). */
const LADDER = [1500, 1492, 1480, 1460, 1450, 1440, 1420, 1400, 1380, 1360, 1280, 1200, 1000, 576];
// IPv4 header + ICMP header: `ping -s` counts only the payload.
const HEADERS = 28;

async function tryMtu(ns: string, target: string, mtu: number): Promise<{ mtu: number; ok: boolean; hint: number | null }> {
  const r = await run(['ping', '-n', '-M', 'do', '-s', String(mtu - HEADERS), '-c', '1', '-W', '1', target], { ns, timeoutMs: 4000 });
  const ok = /\b1 (?:packets )?received/.test(r.stdout);
  // "Frag needed and DF set (mtu = 1420)" or "local error: message too long, mtu=1420".
  const m = /mtu ?= ?(\d+)/.exec(`${r.stdout}\n${r.stderr}`);
  return { mtu, ok, hint: m ? Number(m[1]) : null };
}

export async function mtuProbeFromNamespace(ns: string, target: string, linkMtu: number): Promise<MtuProbeResult> {
  const started = performance.now();
  const full = await tryMtu(ns, target, linkMtu);
  const tried = [{ mtu: full.mtu, ok: full.ok }];
  let working: number | null = full.ok ? linkMtu : null;
  let hint = full.hint;
  if (!full.ok) {
    // All at once: each waits at most a second for its reply.
    const rest = await Promise.all(LADDER.filter((m) => m < linkMtu).map((m) => tryMtu(ns, target, m)));
    tried.push(...rest.map((r) => ({ mtu: r.mtu, ok: r.ok })));
    working = rest.filter((r) => r.ok).reduce<number | null>((best, r) => (best === null || r.mtu > best ? r.mtu : best), null);
    hint ??= rest.find((r) => r.hint !== null)?.hint ?? null;
    // One lost full-size reply on a busy machine is no narrow path: ask once more.
    if (working !== null && (await tryMtu(ns, target, linkMtu)).ok) {
      tried[0] = { mtu: linkMtu, ok: true };
      working = linkMtu;
    }
  }
  return { target, linkMtu, ran: true, fullSize: working === linkMtu, workingMtu: working, reportedMtu: hint, tried, durationMs: Math.round(performance.now() - started) };
}
