// The learn watcher: runs INSIDE a lab world (started by watch.ts through nsenter), so "the
// host" is the world's host namespace and `ns0` is the learner's. It takes a snapshot every
// POLL_MS and writes one JSON line whenever the world changed; when ns0 exists it pings
// 198.51.100.8 after each change (and retries a failing ping now and then). Once ceth0 has an
// address and br0 exists, each ping runs under the live capture (the same worker as `check`,
// on br0 and eth0, narrowed to the ping's own echo id), so the learner sees the source leave
// untranslated before MASQUERADE and translated after; without pcap, the links' packet
// counters around the ping, with the reason. It exits when its stdin closes.
import { createInterface } from 'node:readline';
import type { NetSnapshot } from '../model/snapshot.js';
import type { PingResult } from '../model/result.js';
import { capturePath } from '../system/capture/client.js';
import { readLinkCounters } from '../system/link-stats.js';
import { pingFromNamespace } from '../system/probe.js';
import { takeSnapshot } from '../system/snapshot.js';
import { TUTORIAL_ADDRESSES, TUTORIAL_NAMES } from './lesson.js';
import { fingerprint } from './judge.js';
import { evidenceFromCapture, evidenceFromCounters, pathWhere } from './path.js';
import type { PathEvidence, WatchMessage } from './types.js';

const POLL_MS = Number(process.env.NETDOCTOR_LEARN_POLL_MS ?? 150);
const RETRY_PING_MS = 2500;
// The capture's budget: the ping takes at most ~1 s; the worker stops itself after this anyway.
const CAPTURE_MS = 4000;
const CAPTURE_PACKETS = 50;
// After the capture was unavailable (no pcap addon, say), counters for a while before trying again.
const CAPTURE_RETRY_MS = 30_000;
const target = TUTORIAL_ADDRESSES.target;
const { ns, bridge, uplink } = TUTORIAL_NAMES;

function emit(m: WatchMessage): void {
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

let captureOff: { reason: string; remedy: string; until: number } | null = null;

/** One ping from ns0 (the tutorial's `ping -c 1`), with what crossed br0 and eth0 meanwhile. */
async function pingOnce(snap: NetSnapshot): Promise<{ ping: PingResult; path: PathEvidence | null }> {
  const where = pathWhere(snap);
  if (where && (!captureOff || Date.now() >= captureOff.until)) {
    // Our own echo identifier: the learner's own pings (lab shell) are not counted as ours.
    const echoId = 1 + Math.floor(Math.random() * 0xfffe);
    const pinged: { ping: PingResult | null } = { ping: null };
    const outcome = await capturePath({
      hostNs: null,
      ...where,
      target,
      echoId,
      timeoutMs: CAPTURE_MS,
      maxPackets: CAPTURE_PACKETS,
      during: async () => {
        pinged.ping = await pingFromNamespace(ns, target, { echoId, single: true });
      },
    });
    const path = evidenceFromCapture(outcome, where);
    if ('source' in path && pinged.ping) {
      captureOff = null;
      return { ping: pinged.ping, path };
    }
    captureOff = 'unavailable' in path ? { ...path.unavailable, until: Date.now() + CAPTURE_RETRY_MS } : { reason: 'the capture did not run the ping', remedy: 'try again', until: Date.now() + CAPTURE_RETRY_MS };
    // The capture could not run the ping: counters below, with the reason.
  }
  const before = await readLinkCounters([bridge, uplink]);
  const ping = await pingFromNamespace(ns, target, { single: true });
  // Replies may trail the ping's exit by a hair; counters are read right after.
  const after = await readLinkCounters([bridge, uplink]);
  if (!where && ping.error) return { ping, path: null };
  const unavailable = where && captureOff ? { reason: captureOff.reason, remedy: captureOff.remedy } : null;
  return { ping, path: evidenceFromCounters(before, after, { bridge, uplink, nsAddress: where?.nsAddress ?? null, uplinkAddress: where?.uplinkAddress ?? null }, unavailable) };
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
    const { ping, path } = await pingOnce(snap);
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
        void pingOnce(latest).then(
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
