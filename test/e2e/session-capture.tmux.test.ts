// End to end: the session's live capture in a real terminal (tmux, 80x24), against a lab whose
// packets leave unmasqueraded although every step netdoctor inspects passes: the tutorial's
// MASQUERADE rule is there, but a raw-table NOTRACK rule (in the lab's host namespace) keeps
// the namespace's packets out of connection tracking, and NAT only happens to tracked packets.
// So the diagnosis is the ping, the capture panel opens by itself, shows the requests on the
// bridge and on the uplink with the private source there, and names host.masquerade.
// Packets stay inside the lab's namespaces; the lab and the tmux server go even on failure.
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/system/run.js';
import { CLI, TARGET, integrationSkipReason, labDown, labUp, randomLabOptions } from '../integration/helpers.js';
import { Terminal } from './terminal.js';

const skip = integrationSkipReason();

/** Processes running in a namespace (the capture worker in the host side, a ping in the container). */
async function pidsIn(ns: string): Promise<string[]> {
  const r = await run(['ip', 'netns', 'pids', ns], { timeoutMs: 5000 });
  return r.stdout.split('\n').filter(Boolean);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
}

/** A row of the path panel ("      6    0  bridge brx   src 10.x"), not the header naming the bridge too. */
const row = (screen: string, label: string) => screen.split('\n').find((l) => /^\S?\s+(\d+|-)\s+(\d+|-)\s+\S/.test(l) && l.includes(` ${label} `)) ?? '';
const requests = (screen: string, label: string) => Number(/^\S?\s+(\d+)\s/.exec(row(screen, label))?.[1] ?? NaN);

describe.skipIf(skip !== null)('the session captures the packet path live in a real terminal', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it('opens the capture by itself, counts live, shows the private source on the uplink, stops its worker (also when killed)', async () => {
    const opts = randomLabOptions();
    cleanups.push(() => labDown(opts.prefix));
    const lab = await labUp('healthy', opts);
    const { hostNs, containerNs } = lab.names;
    const nsIp = lab.addresses.nsIp;
    const notrack = await run(['iptables-nft', '-t', 'raw', '-A', 'PREROUTING', '-s', lab.addresses.subnet, '-m', 'comment', '--comment', 'e2e: no conntrack, so no NAT', '-j', 'CT', '--notrack'], { ns: hostNs, timeoutMs: 10_000 });
    expect(notrack.failed, notrack.stderr).toBe(false);

    const term = new Terminal(`${opts.prefix}-cap`);
    cleanups.push(() => term.kill());
    await term.start(['node', CLI, '--ns', containerNs, '--host-ns', hostNs, '--target', TARGET]);

    // Nobody presses c: every inspected step passes, the ping fails, so the capture starts itself.
    const bridgeRow = `bridge ${opts.bridge}`;
    const uplinkRow = `uplink ${opts.uplink}`;
    const seen = new Set<number>();
    const done = await term.waitFor(
      'the capture verdict',
      (s) => {
        if (s.includes('capturing while pinging')) seen.add(requests(s, bridgeRow));
        return s.includes('Implicates host.masquerade');
      },
      40_000,
    );
    // The counts moved while the ping ran, not only at the end.
    const live = [...seen].filter((n) => n > 0 && n < 6);
    expect(live.length, `bridge counts seen while capturing: ${[...seen].join(', ')}`).toBeGreaterThanOrEqual(1);
    expect(done).toContain('Packet path: pinged');
    expect(requests(done, bridgeRow)).toBe(6);
    expect(requests(done, uplinkRow)).toBe(6);
    expect(row(done, bridgeRow)).toContain(`src ${nsIp}`);
    expect(row(done, uplinkRow)).toContain(`src ${nsIp} (not translated)`);
    expect(done).toMatch(/NAT \(POSTROUTING\)\s+none: the source stays/);
    expect(done).toContain(`source ${nsIp} before NAT, ${nsIp} after (not translated)`);
    expect(done).toMatch(/Verdict: echo requests left/);
    expect(done.replace(/\n\s*/g, ' ')).toContain('believe the capture and look at host.masquerade');
    for (const line of done.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    // Finished: the worker and the ping are gone.
    await until('the finished capture leaves no process in the lab', async () => (await pidsIn(hostNs)).length === 0 && (await pidsIn(containerNs)).length === 0);

    // c closes the panel; c again captures anew; c while it runs stops it, and its worker goes.
    await term.keys('c');
    await term.waitFor('the checklist', (s) => s.includes('Diagnosis egress.ping'));
    await term.keys('c');
    await term.waitFor('a new capture', (s) => s.includes('capturing while pinging'));
    expect((await pidsIn(hostNs)).length).toBeGreaterThan(0); // the capture worker
    await term.keys('c');
    await term.waitFor('the checklist again', (s) => s.includes('Diagnosis egress.ping'));
    await until('the stopped capture leaves no process in the lab', async () => (await pidsIn(hostNs)).length === 0 && (await pidsIn(containerNs)).length === 0, 5000);

    // Quit in the middle of a capture: nothing keeps running after netdoctor exits.
    await term.keys('c');
    await term.waitFor('a capture to quit from', (s) => s.includes('capturing while pinging'));
    await term.keys('q');
    await until('netdoctor exits', async () => !(await term.alive()), 10_000);
    expect(await pidsIn(hostNs)).toEqual([]);
    expect(await pidsIn(containerNs)).toEqual([]);

    // Even killed outright mid-capture, it leaves no worker and no ping behind (they die with it).
    await term.start(['node', CLI, '--ns', containerNs, '--host-ns', hostNs, '--target', TARGET]);
    await term.waitFor('the automatic capture running', (s) => s.includes('capturing while pinging') && requests(s, bridgeRow) > 0, 40_000);
    expect((await pidsIn(containerNs)).length).toBeGreaterThan(0); // the ping
    process.kill(await term.pid(), 'SIGKILL');
    await until('the killed capture leaves no process in the lab', async () => (await pidsIn(hostNs)).length === 0 && (await pidsIn(containerNs)).length === 0, 3000);
  });

  it('without the pcap addon the panel says so, with the remedy', async () => {
    const opts = randomLabOptions();
    cleanups.push(() => labDown(opts.prefix));
    const lab = await labUp('no-masquerade', opts);
    const term = new Terminal(`${opts.prefix}-nopcap`);
    cleanups.push(() => term.kill());
    await term.start(['NETDOCTOR_PCAP_MODULE=/nonexistent/pcap-addon', 'node', CLI, '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET]);
    await term.waitFor('the diagnosis', (s) => s.includes('Diagnosis host.masquerade'));
    await term.keys('c');
    const s = await term.waitFor('the capture unavailable', (x) => x.includes('Remedy:'), 20_000);
    expect(s).toContain('unavailable: the pcap addon cannot be loaded');
    expect(s.replace(/\n\s*/g, ' ')).toContain('Remedy: run scripts/setup.sh');
    await term.keys('q');
    await until('netdoctor exits', async () => !(await term.alive()), 10_000);
    expect(await pidsIn(lab.names.hostNs)).toEqual([]);
  });
});
