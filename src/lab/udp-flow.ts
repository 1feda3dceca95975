// The lab's long-lived UDP flow (scenario "background": ["udp-flow"]): a responder in the
// internet namespace and a sender in the container that never stops, like a DNS or VPN client.
// Started before the scenario's own commands, so a MASQUERADE added by them comes too late for
// the flow's conntrack entry. The lab records the pids and `lab down` stops them.
import { distFile } from '../dist-path.js';
import { spawnBackground, type BackgroundProcess } from '../system/run.js';
import { readConntrack } from '../system/snapshot.js';
import type { LabConfig } from './topology.js';

export const UDP_FLOW_PORT = 5300;
export const UDP_FLOW_SPORT = 40053;

const WORKER = distFile('lab/udp-flow-worker.js');

export interface LabProcess extends BackgroundProcess {
  role: string;
  ns: string;
}

/** The argv of both sides (pure; for `lab up --json` and tests). */
export function udpFlowArgv(config: LabConfig): { echo: { ns: string; argv: string[] }; send: { ns: string; argv: string[] } } {
  const n = config.names;
  const a = config.addresses;
  return {
    echo: { ns: n.inetNs, argv: [process.execPath, WORKER, 'echo', a.target, String(UDP_FLOW_PORT), n.inetNs] },
    send: { ns: n.containerNs, argv: [process.execPath, WORKER, 'send', a.target, String(UDP_FLOW_PORT), String(UDP_FLOW_SPORT), n.containerNs] },
  };
}

const TRACKED_TIMEOUT_MS = 10_000;

/**
 * Start the responder, then the sender; `onStarted` records each at once (for cleanup on
 * failure). Returns once the host side tracks the flow: the first datagram may wait in the
 * container for ARP, and whatever the scenario does next must come after the entry exists.
 */
export async function startUdpFlow(config: LabConfig, onStarted: (p: LabProcess) => void | Promise<void>): Promise<void> {
  const { echo, send } = udpFlowArgv(config);
  for (const [role, side] of [['udp-echo', echo], ['udp-sender', send]] as const) {
    const p = await spawnBackground(side.argv, { ns: side.ns, readyTimeoutMs: 15_000 });
    await onStarted({ ...p, role, ns: side.ns });
  }
  const deadline = performance.now() + TRACKED_TIMEOUT_MS;
  for (;;) {
    const ct = await readConntrack(config.names.hostNs, config.addresses.nsIp);
    if (ct.source === null) throw new Error(`udp-flow: cannot read connection tracking in ${config.names.hostNs}: ${ct.error}`);
    if (ct.entries.some((e) => e.protocol === 'udp' && e.orig.sport === UDP_FLOW_SPORT)) return;
    if (performance.now() > deadline) throw new Error(`udp-flow: ${config.names.hostNs} still tracks no UDP flow from ${config.addresses.nsIp} after ${TRACKED_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
