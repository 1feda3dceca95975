// The learn watcher: runs INSIDE a lab world (started by watch.ts through nsenter), so "the
// host" is the world's host namespace and `ns0` is the learner's. It takes a snapshot every
// POLL_MS and writes one JSON line whenever the world changed; when ns0 exists it pings
// 198.51.100.8 after each change (and retries a failing ping now and then), with the packet
// counters of br0 and eth0 around the ping. It exits when its stdin closes.
import { createInterface } from 'node:readline';
import type { NetSnapshot } from '../model/snapshot.js';
import type { PingResult } from '../model/result.js';
import { parsePing } from '../parse/ping.js';
import { readLinkCounters } from '../system/link-stats.js';
import { run } from '../system/run.js';
import { takeSnapshot } from '../system/snapshot.js';
import { TUTORIAL_ADDRESSES, TUTORIAL_NAMES } from './lesson.js';
import { fingerprint } from './judge.js';
import type { PathEvidence, WatchMessage } from './types.js';

const POLL_MS = Number(process.env.NETDOCTOR_LEARN_POLL_MS ?? 150);
const RETRY_PING_MS = 2500;
const target = TUTORIAL_ADDRESSES.target;
const { ns, bridge, uplink } = TUTORIAL_NAMES;

function emit(m: WatchMessage): void {
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

async function pingOnce(): Promise<{ ping: PingResult; path: PathEvidence | null }> {
  const before = await readLinkCounters([bridge, uplink]);
  const r = await run(['ping', '-n', '-c', '1', '-W', '1', target], { ns, timeoutMs: 4000 });
  const parsed = parsePing(r.stdout, r.stderr);
  const ping: PingResult = { target, ran: r.spawnError === null, ...parsed, durationMs: r.durationMs };
  // Replies may trail the ping's exit by a hair; counters are read right after.
  const after = await readLinkCounters([bridge, uplink]);
  const hop = (name: string, reqOf: 'rxPackets' | 'txPackets', repOf: 'rxPackets' | 'txPackets') => {
    const b = before[name];
    const a = after[name];
    return a && b ? { interface: name, requests: Math.max(0, a[reqOf] - b[reqOf]), replies: Math.max(0, a[repOf] - b[repOf]), sources: [] } : null;
  };
  const path: PathEvidence | null = ping.error ? null : { source: 'counters', bridge: hop(bridge, 'rxPackets', 'txPackets'), uplink: hop(uplink, 'txPackets', 'rxPackets') };
  return { ping, path };
}

function hasDefaultRoute(s: NetSnapshot): boolean {
  return !!s.container?.routes.some((r) => r.dst === 'default');
}

const ONCE = process.argv.includes('--once');

/** --once: one snapshot, and one ping when ns0 exists; then exit (for `learn --json`). */
async function once(): Promise<void> {
  const snap = await takeSnapshot({ ns, hostNs: null, bridge, target });
  emit({ type: 'snapshot', seq: 1, snapshot: snap });
  if (snap.container) {
    const { ping, path } = await pingOnce();
    emit({ type: 'ping', seq: 1, ping, path });
  }
}

async function main(): Promise<void> {
  if (ONCE) {
    await once();
    return;
  }
  let stopped = false;
  const rl = createInterface({ input: process.stdin });
  let forcePing = false;
  rl.on('line', (line) => {
    if (line.trim() === 'ping') forcePing = true;
  });
  rl.on('close', () => {
    stopped = true;
  });

  let seq = 0;
  let lastPrint = '';
  let pingedAt = null as { seq: number; at: number; ok: boolean } | null;
  let pinging = false;
  let latest: NetSnapshot | null = null;

  while (!stopped) {
    try {
      const snap = await takeSnapshot({ ns, hostNs: null, bridge, target });
      const print = fingerprint(snap);
      if (print !== lastPrint) {
        lastPrint = print;
        seq++;
        emit({ type: 'snapshot', seq, snapshot: snap });
      }
      latest = snap;
      const due =
        latest.container !== null &&
        !pinging &&
        (forcePing ||
          !pingedAt ||
          pingedAt.seq !== seq ||
          (!pingedAt.ok && hasDefaultRoute(latest) && Date.now() - pingedAt.at > RETRY_PING_MS));
      if (due) {
        forcePing = false;
        pinging = true;
        const at = seq;
        void pingOnce().then(
          ({ ping, path }) => {
            pinging = false;
            pingedAt = { seq: at, at: Date.now(), ok: ping.received > 0 };
            if (!stopped) emit({ type: 'ping', seq: at, ping, path });
          },
          (err: unknown) => {
            pinging = false;
            pingedAt = { seq: at, at: Date.now(), ok: false };
            emit({ type: 'error', message: `ping: ${(err as Error).message}` });
          },
        );
      }
    } catch (err) {
      emit({ type: 'error', message: (err as Error).message });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  process.exit(0);
}

void main();
