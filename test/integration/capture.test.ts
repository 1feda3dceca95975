// The packet-path probe in real labs (random names and subnets): what the capture counted on
// the bridge and the uplink, the verdict and the step it implicates, graceful degradation, and
// that nothing is left behind: no worker process in the lab, no open handle in a long-lived caller.
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CaptureReport } from '../../src/model/capture.js';
import { run, spawnStreaming } from '../../src/system/run.js';
import { CLI, TARGET, integrationSkipReason, randomLabOptions, withLab } from './helpers.js';
import type { LabInfo } from '../../src/lab/lab.js';

const skip = integrationSkipReason();

/** Pids of the processes whose network namespace is `ns` (by the nsfs inode). */
function processesIn(ns: string): number[] {
  const ino = statSync(`/run/netns/${ns}`).ino;
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readlinkSync(`/proc/${d}/ns/net`) === `net:[${ino}]`) pids.push(Number(d));
    } catch {
      /* gone, or a kernel thread */
    }
  }
  return pids;
}

/** The processes still in `ns` after waiting up to 2 s for them to go (the kernel reaps killed children a moment later). */
async function processesLeftIn(ns: string): Promise<number[]> {
  let left = processesIn(ns);
  for (let i = 0; i < 100 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 20));
    left = processesIn(ns);
  }
  return left;
}

/** A process's command line, for a failure message. */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return String(pid);
  }
}

async function check(lab: LabInfo, extra: string[] = [], env?: Record<string, string>, o: { allowTables?: string[] } = {}) {
  const r = await run(['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--json', ...extra], { timeoutMs: 60_000, env });
  let report: { diagnosis: { step: string } | null; egress: string; probes: { ping: { transmitted: number } | null; capture: CaptureReport | null } };
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`check did not print JSON (exit ${r.exitCode}): ${r.stderr}`);
  }
  // Nothing the check started may outlive it: no worker (or anything else) left in the lab's host side.
  expect(processesIn(lab.names.hostNs), 'processes left in the lab host namespace').toEqual([]);
  const tables = await run(['nft', 'list', 'tables'], { ns: lab.names.hostNs });
  const left = tables.stdout.split('\n').filter((t) => /netdoctor-trace/.test(t) && !(o.allowTables ?? []).some((a) => t.endsWith(` ${a}`)));
  expect(left).toEqual([]);
  return { code: r.exitCode, report, capture: report.probes.capture!, stderr: r.stderr };
}

describe.skipIf(skip !== null)('capture: the packet path in real labs', () => {
  it('healthy: the uplink shows the translated source and the replies come back through the bridge', async () => {
    const opts = randomLabOptions();
    await withLab('healthy', opts, async (lab) => {
      const { code, capture } = await check(lab);
      expect(code).toBe(0);
      expect(capture).toMatchObject({ available: true, verdict: 'ok', step: null, agreement: 'healthy', drop: null });
      expect(capture.bridge).toMatchObject({ interface: opts.bridge, sources: [lab.addresses.nsIp], replyDestinations: [lab.addresses.nsIp] });
      expect(capture.uplink).toMatchObject({ interface: opts.uplink, sources: [lab.addresses.uplinkIp], replyDestinations: [lab.addresses.uplinkIp] });
      expect(capture.bridge!.requests).toBeGreaterThanOrEqual(1);
      expect(capture.bridge!.replies).toBeGreaterThanOrEqual(1);
      expect(capture.uplink!.replies).toBe(capture.bridge!.replies);
    });
  });

  it('no MASQUERADE: the uplink shows the private source and no replies; implicates host.masquerade', async () => {
    const opts = randomLabOptions();
    await withLab('no-masquerade', opts, async (lab) => {
      const { code, capture, report } = await check(lab);
      expect(code).toBe(1);
      expect(report.diagnosis?.step).toBe('host.masquerade');
      expect(capture).toMatchObject({ available: true, verdict: 'leaves-untranslated', step: 'host.masquerade', agreement: 'confirms' });
      // Every echo request ping sent crossed both interfaces, untranslated.
      const sent = report.probes.ping!.transmitted;
      expect(sent).toBeGreaterThanOrEqual(2);
      expect(capture.bridge).toMatchObject({ interface: opts.bridge, requests: sent, replies: 0, sources: [lab.addresses.nsIp] });
      expect(capture.uplink).toMatchObject({ interface: opts.uplink, requests: sent, replies: 0, sources: [lab.addresses.nsIp] });
    });
  });

  it("another ping from the same namespace is not counted as the probe's own", async () => {
    await withLab('no-masquerade', randomLabOptions(), async (lab) => {
      const noise = run(['ping', '-n', '-q', '-c', '12', '-i', '0.2', TARGET], { ns: lab.names.containerNs, timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 300));
      const { capture, report } = await check(lab);
      await noise;
      const sent = report.probes.ping!.transmitted;
      expect(capture.bridge!.requests).toBe(sent);
      expect(capture.uplink!.requests).toBe(sent);
    });
  });

  it('the text report draws the path with the counts and the untranslated source', async () => {
    const opts = randomLabOptions();
    await withLab('no-masquerade', opts, async (lab) => {
      const r = await run(['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET], { timeoutMs: 60_000 });
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain(`Packet path (captured while pinging ${TARGET})`);
      const sent = Number(/(\d+) requests, 0 replies/.exec(r.stdout)?.[1]);
      expect(sent).toBeGreaterThanOrEqual(2);
      expect(r.stdout).toMatch(new RegExp(`bridge +${opts.bridge} +${sent} requests, 0 replies +source ${lab.addresses.nsIp.replace(/\./g, '\\.')}\\n`));
      expect(r.stdout).toMatch(new RegExp(`uplink +${opts.uplink} +${sent} requests, 0 replies +source ${lab.addresses.nsIp.replace(/\./g, '\\.')} \\(not translated\\)`));
      expect(r.stdout).toMatch(/Verdict: .*\n?.*\(implicates host\.masquerade\)/);
    });
  });

  // Who dropped it: [scenario, implicated step, the drop (null: none in netfilter)].
  const notForwarded: [string, string, Record<string, unknown> | null][] = [
    ['ip-forward-off', 'host.ip-forward', null],
    ['forward-policy-drop', 'host.forward', { source: 'nft-trace', family: 'ip', table: 'filter', chain: 'FORWARD', kind: 'policy', verdict: 'drop', owner: null, direction: 'request' }],
    ['forward-reject-rule', 'host.forward', { source: 'nft-trace', family: 'ip', table: 'filter', chain: 'FORWARD', kind: 'rule', verdict: 'reject' }],
    ['nft-forward-policy-drop', 'host.forward', { source: 'nft-trace', family: 'inet', table: 'filter', chain: 'forward', kind: 'policy', verdict: 'drop' }],
    ['nft-forward-drop-rule', 'host.forward', { source: 'nft-trace', family: 'inet', table: 'filter', chain: 'forward', kind: 'rule', verdict: 'drop' }],
    ['docker-forward-drop', 'host.forward', { source: 'nft-trace', table: 'filter', chain: 'FORWARD', kind: 'policy', owner: 'docker' }],
    ['docker-legacy-forward-drop', 'host.forward', { source: 'iptables-legacy-counters', table: 'filter', chain: 'FORWARD', kind: 'policy', verdict: 'drop', owner: 'docker' }],
  ];
  for (const [scenario, step, drop] of notForwarded) {
    it(`${scenario}: seen on the bridge, never on the uplink; implicates ${step}; ${drop ? `dropped by ${drop.kind} in ${drop.chain}` : 'no netfilter drop'}`, async () => {
      const opts = randomLabOptions();
      await withLab(scenario, opts, async (lab) => {
        const { code, capture, report } = await check(lab);
        expect(code).toBe(1);
        expect(capture).toMatchObject({ available: true, verdict: 'not-forwarded', step });
        expect(capture.bridge).toMatchObject({ requests: report.probes.ping!.transmitted, replies: 0, sources: [lab.addresses.nsIp] });
        expect(capture.uplink).toMatchObject({ interface: opts.uplink, requests: 0, replies: 0, sources: [] });
        if (drop) {
          expect(capture.drop).toMatchObject(drop);
          if (drop.kind === 'rule') expect(capture.drop!.rule).toContain(lab.addresses.subnet);
          if (drop.source === 'nft-trace') expect(capture.trace).toMatchObject({ ran: true, note: null });
          expect(capture.trace!.table).toMatch(/^netdoctor-trace-\d+-\d+$/);
        } else {
          expect(capture.drop).toBeNull();
          // Traced, and said so: null is not "the trace did not work".
          expect(capture.trace).toMatchObject({ ran: true });
          expect(capture.trace!.note).toMatch(/no nftables rule or chain policy dropped them: they died outside netfilter/);
        }
      });
    });
  }

  it('a drop rule shows in the text report: who dropped it, and the rule', async () => {
    const opts = randomLabOptions();
    await withLab('forward-reject-rule', opts, async (lab) => {
      const r = await run(['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET], { timeoutMs: 60_000 });
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(/\| forward, NAT +X dropped: a reject rule \(handle \d+\) in ip filter FORWARD/);
      expect(r.stdout).toMatch(new RegExp(`Rule: ip saddr ${lab.addresses.subnet.replace(/[./]/g, '\\$&')} counter reject`));
    });
  });

  it('healthy: no trace at all (no table is ever added); --no-trace leaves it out when broken', async () => {
    await withLab('healthy', randomLabOptions(), async (lab) => {
      expect((await check(lab)).capture).toMatchObject({ verdict: 'ok', drop: null, trace: null });
    });
    await withLab('forward-policy-drop', randomLabOptions(), async (lab) => {
      const untraced = await check(lab, ['--no-trace']);
      expect(untraced.capture).toMatchObject({ verdict: 'not-forwarded', drop: null, trace: null });
    });
  });

  it('a trace table left by a netdoctor that was killed outright is swept; a live one is left alone', async () => {
    await withLab('forward-policy-drop', randomLabOptions(), async (lab) => {
      const ns = lab.names.hostNs;
      // A pid that is surely not running, and this test process (alive).
      let dead = 4_000_000;
      while (existsSync(`/proc/${dead}`)) dead--;
      for (const name of [`netdoctor-trace-${dead}-1`, `netdoctor-trace-${process.pid}-77`]) {
        expect((await run(['nft', 'add', 'table', 'ip', name], { ns })).exitCode).toBe(0);
      }
      const { capture } = await check(lab, [], undefined, { allowTables: [`netdoctor-trace-${process.pid}-77`] });
      expect(capture.drop).toMatchObject({ chain: 'FORWARD', kind: 'policy' });
      const tables = (await run(['nft', 'list', 'tables'], { ns })).stdout;
      expect(tables).not.toContain(`netdoctor-trace-${dead}-1`);
      expect(tables).toContain(`netdoctor-trace-${process.pid}-77`);
      await run(['nft', 'delete', 'table', 'ip', `netdoctor-trace-${process.pid}-77`], { ns });
    });
  });

  it('SIGKILL mid-capture: the worker dies with netdoctor (pdeathsig), nothing stays in the host namespace', async () => {
    await withLab('no-masquerade', randomLabOptions(), async (lab) => {
      const ns = lab.names.hostNs;
      const proc = spawnStreaming(['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', ns, '--target', TARGET, '--json'], { timeoutMs: 30_000 });
      // Wait for the worker to be running in the host namespace, then kill netdoctor outright.
      let started = false;
      for (let i = 0; i < 300 && !started; i++) {
        started = processesIn(ns).some((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker.js');
          } catch {
            return false;
          }
        });
        if (!started) await new Promise((r) => setTimeout(r, 10));
      }
      expect(started, 'the capture worker started').toBe(true);
      proc.kill('SIGKILL');
      await proc.exited;
      const left = await processesLeftIn(ns);
      expect(left).toEqual([]);
    });
  });

  it('SIGINT mid-trace: the trace table and the worker are gone, nothing else touched', async () => {
    await withLab('forward-policy-drop', randomLabOptions(), async (lab) => {
      const ns = lab.names.hostNs;
      const before = (await run(['nft', '-s', 'list', 'ruleset'], { ns })).stdout;
      const proc = spawnStreaming(['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', ns, '--target', TARGET, '--json'], { timeoutMs: 30_000 });
      // Wait until the table is there (the ping then runs for a second), then interrupt.
      let seen = false;
      for (let i = 0; i < 600 && !seen; i++) {
        seen = /netdoctor-trace-/.test((await run(['nft', 'list', 'tables'], { ns })).stdout);
        if (!seen) await new Promise((r) => setTimeout(r, 10));
      }
      expect(seen, 'the trace table appeared').toBe(true);
      proc.kill('SIGINT');
      const exited = await proc.exited;
      expect(exited.exitCode === 130 || exited.signal === 'SIGINT', `exit ${exited.exitCode} ${exited.signal}`).toBe(true);
      expect((await run(['nft', '-s', 'list', 'ruleset'], { ns })).stdout).toBe(before);
      // The worker dies with its parent (pdeathsig, stdin closing): give the kernel a moment.
      const left = await processesLeftIn(ns);
      expect(left.map(cmdline)).toEqual([]);
    });
  });

  it('without the pcap addon the capture is unavailable with reason and remedy; the diagnosis still runs', async () => {
    await withLab('no-masquerade', randomLabOptions(), async (lab) => {
      const { code, capture, report } = await check(lab, [], { NETDOCTOR_PCAP_MODULE: '/nonexistent/pcap-addon' });
      expect(code).toBe(1);
      expect(report.diagnosis?.step).toBe('host.masquerade');
      expect(report.egress).toBe('broken');
      expect(capture).toMatchObject({ available: false, verdict: null, bridge: null });
      expect(capture.reason).toMatch(/pcap addon cannot be loaded/);
      expect(capture.remedy).toMatch(/setup\.sh/);
    });
  });

  it('--no-capture and --no-probe: no capture at all', async () => {
    await withLab('healthy', randomLabOptions(), async (lab) => {
      expect((await check(lab, ['--no-capture'])).report.probes.capture).toBeNull();
      expect((await check(lab, ['--no-probe'])).report.probes.capture).toBeNull();
    });
  });

  it('capturePath in a long-lived process: live packets, the worker gone, no file descriptor leaked', async () => {
    const opts = randomLabOptions();
    await withLab('healthy', opts, async (lab) => {
      // The built client, so it finds its built worker next to it.
      const client = (await import(new URL('../../dist/system/capture/client.js', import.meta.url).href)) as typeof import('../../src/system/capture/client.js');
      const fds = () => readdirSync('/proc/self/fd').length;
      const before = fds();
      for (let i = 0; i < 3; i++) {
        const live: string[] = [];
        const outcome = await client.capturePath({
          hostNs: lab.names.hostNs,
          bridge: opts.bridge,
          uplink: opts.uplink,
          nsAddress: lab.addresses.nsIp,
          target: TARGET,
          onPacket: (p) => live.push(`${p.role} ${p.type} ${p.source}`),
          during: () => run(['ping', '-c', '1', '-W', '1', TARGET], { ns: lab.names.containerNs }),
        });
        expect(outcome.available).toBe(true);
        expect(live).toContain(`bridge echo-request ${lab.addresses.nsIp}`);
        expect(live).toContain(`uplink echo-request ${lab.addresses.uplinkIp}`);
        expect(live).toContain(`uplink echo-reply ${TARGET}`);
        expect(processesIn(lab.names.hostNs)).toEqual([]);
      }
      expect(fds()).toBeLessThanOrEqual(before);
    });
  });
});

// Where the capture and the inspection see different things, both are shown with which to
// believe; drops outside the FORWARD path; replies that come back by another way out.
describe.skipIf(skip !== null)('capture: the verdict against the inspection', () => {
  const text = (lab: LabInfo) => run(['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET], { timeoutMs: 60_000 });

  it('a source NAT to an address the host does not have: the inspection finds nothing, the capture implicates host.masquerade', async () => {
    const opts = randomLabOptions();
    await withLab('healthy', opts, async (lab) => {
      // 192.0.2.77: a documentation address nothing routes back to this host.
      const snat = ['iptables-nft', '-t', 'nat', '-I', 'POSTROUTING', '-s', lab.addresses.subnet, '-o', opts.uplink, '-j', 'SNAT', '--to-source', '192.0.2.77'];
      expect((await run(snat, { ns: lab.names.hostNs })).exitCode).toBe(0);
      const { code, capture, report } = await check(lab);
      expect(code).toBe(1);
      expect(report.diagnosis?.step).toBe('egress.ping');
      const sent = report.probes.ping!.transmitted;
      expect(capture).toMatchObject({ verdict: 'no-answer-upstream', step: 'host.masquerade', agreement: 'differs' });
      expect(capture.uplink).toMatchObject({ interface: opts.uplink, requests: sent, replies: 0, sources: ['192.0.2.77'] });
      expect(capture.advice).toMatch(/believe the capture and look at host\.masquerade/);
      const r = await text(lab);
      expect(r.stdout).toMatch(/Verdict: echo requests left \S+ as 192\.0\.2\.77, an address this host does not have/);
      expect(r.stdout).toMatch(/The capture and the inspection differ: the inspection found nothing wrong/);
      expect(r.stdout).toMatch(/\nDiagnosis egress\.ping: /);
    });
  });

  it('a reply dropped in raw PREROUTING: seen on the uplink, never on the bridge; the rule is named, against an inspection that found nothing', async () => {
    const opts = randomLabOptions();
    await withLab('healthy', opts, async (lab) => {
      const drop = ['iptables-nft', '-t', 'raw', '-A', 'PREROUTING', '-s', TARGET, '-p', 'icmp', '--icmp-type', 'echo-reply', '-j', 'DROP'];
      expect((await run(drop, { ns: lab.names.hostNs })).exitCode).toBe(0);
      const { code, capture, report } = await check(lab);
      expect(code).toBe(1);
      expect(report.diagnosis?.step).toBe('egress.ping');
      const sent = report.probes.ping!.transmitted;
      expect(capture).toMatchObject({ verdict: 'reply-not-returned', agreement: 'differs' });
      expect(capture.bridge).toMatchObject({ requests: sent, replies: 0 });
      expect(capture.uplink).toMatchObject({ requests: sent, replies: sent, sources: [lab.addresses.uplinkIp] });
      expect(capture.drop).toMatchObject({ source: 'nft-trace', family: 'ip', table: 'raw', chain: 'PREROUTING', kind: 'rule', verdict: 'drop', direction: 'reply' });
      expect(capture.drop!.rule).toContain(`ip saddr ${TARGET}`);
    });
  });

  it('ufw lets the ping through and drops TCP/UDP: the capture sees the ping work, the inspection blames host.forward, and both are right', async () => {
    await withLab('ufw-forward-drop', randomLabOptions(), async (lab) => {
      const { code, capture, report } = await check(lab);
      expect(code).toBe(1);
      expect(report.diagnosis?.step).toBe('host.forward');
      expect(capture).toMatchObject({ verdict: 'ok', step: null, agreement: 'beyond-ping' });
      expect(capture.advice).toMatch(/believe both/);
      const r = await text(lab);
      expect(r.stdout).toMatch(/The capture and the inspection watch different traffic: the capture follows only the ping/);
      expect(r.stdout).not.toMatch(/does not block egress right now/);
    });
  });

  it('rp-filter-second-uplink: the replies come back on the second uplink, watched too: implicates host.rp-filter', async () => {
    const opts = randomLabOptions();
    await withLab('rp-filter-second-uplink', opts, async (lab) => {
      const addLink = lab.extra.find((a) => a.includes('link') && a.includes('add') && a.includes('veth'))!;
      const uplink2 = addLink[addLink.indexOf('add') + 1]!;
      const { code, capture, report } = await check(lab);
      expect(code).toBe(1);
      expect(report.diagnosis?.step).toBe('host.rp-filter');
      const sent = report.probes.ping!.transmitted;
      expect(capture).toMatchObject({ verdict: 'reply-not-returned', step: 'host.rp-filter', agreement: 'confirms', drop: null });
      expect(capture.uplink).toMatchObject({ interface: opts.uplink, requests: sent, replies: 0 });
      expect(capture.elsewhere).toEqual([{ interface: uplink2, requests: 0, replies: sent, sources: [], replyDestinations: [lab.addresses.uplinkIp] }]);
      expect(capture.summary).toContain(`came back in on ${uplink2}, not on ${opts.uplink}`);
      const r = await text(lab);
      expect(r.stdout).toMatch(new RegExp(`also out +${uplink2} +0 requests, ${sent} repl`));
    });
  });

  it('SIGKILL mid-trace: nothing of it keeps running, and the next check (the lab healthy by then) removes the table', async () => {
    await withLab('forward-policy-drop', randomLabOptions(), async (lab) => {
      const ns = lab.names.hostNs;
      const proc = spawnStreaming(['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', ns, '--target', TARGET, '--json'], { timeoutMs: 30_000 });
      let seen = false;
      for (let i = 0; i < 600 && !seen; i++) {
        seen = /netdoctor-trace-/.test((await run(['nft', 'list', 'tables'], { ns })).stdout);
        if (!seen) await new Promise((r) => setTimeout(r, 10));
      }
      expect(seen, 'the trace table appeared').toBe(true);
      proc.kill('SIGKILL');
      await proc.exited;
      // `nft monitor` (and the worker) die with netdoctor, not whenever an event next wakes them.
      const left = await processesLeftIn(ns);
      expect(left.map(cmdline)).toEqual([]);
      expect((await run(['nft', 'list', 'tables'], { ns })).stdout).toMatch(/netdoctor-trace-/);
      // Healthy now: this check traces nothing, and still sweeps the dead netdoctor's table (check() asserts none is left).
      expect((await run(['iptables-nft', '-P', 'FORWARD', 'ACCEPT'], { ns })).exitCode).toBe(0);
      const { code, capture } = await check(lab);
      expect(code).toBe(0);
      expect(capture).toMatchObject({ verdict: 'ok', trace: null });
    });
  });
});

describe.skipIf(skip !== null)('capture: nothing outlives a check', () => {
  it('SIGTERM mid-capture: exit 143; no worker, DNS worker or anything else of it left in the lab', async () => {
    await withLab('no-masquerade', randomLabOptions(), async (lab) => {
      const ns = lab.names.hostNs;
      const proc = spawnStreaming(['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', ns, '--target', TARGET, '--json'], { timeoutMs: 30_000 });
      const running = (pids: number[], what: string) =>
        pids.some((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(what);
          } catch {
            return false;
          }
        });
      // Both workers up: the capture worker on the host side, the DNS worker in the container.
      for (let i = 0; i < 500 && !(running(processesIn(ns), 'worker.js') && running(processesIn(lab.names.containerNs), 'dns-query-worker')); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(running(processesIn(ns), 'worker.js'), 'the capture worker started').toBe(true);
      proc.kill('SIGTERM');
      const exited = await proc.exited;
      expect(exited.exitCode === 143 || exited.signal === 'SIGTERM', `exit ${exited.exitCode} ${exited.signal}`).toBe(true);
      // The workers die with netdoctor (pdeathsig), not when they next notice it is gone.
      const left = () => [...processesIn(ns), ...processesIn(lab.names.containerNs)];
      await new Promise((r) => setTimeout(r, 150));
      expect(running(left(), 'worker'), 'a worker still running 150 ms after netdoctor died').toBe(false);
      // The probe's own ping ends by itself within a second.
      for (let i = 0; i < 75 && left().length; i++) await new Promise((r) => setTimeout(r, 20));
      expect(left().map((pid) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { return String(pid); } })).toEqual([]);
      expect((await run(['nft', 'list', 'tables'], { ns })).stdout).not.toMatch(/netdoctor-trace/);
    });
  });

  it('runDiagnosis again and again in one process, trace included: no file descriptor, child or table left', async () => {
    await withLab('forward-policy-drop', randomLabOptions(), async (lab) => {
      // The built module, so it finds its built workers next to it.
      const { runDiagnosis } = (await import(new URL('../../dist/diagnosis/run-diagnosis.js', import.meta.url).href)) as typeof import('../../src/diagnosis/run-diagnosis.js');
      const fds = () => readdirSync('/proc/self/fd').length;
      const children = () => (readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim() || '').split(/\s+/).filter(Boolean);
      const settle = async () => {
        for (let i = 0; i < 100 && children().length; i++) await new Promise((r) => setTimeout(r, 20));
      };
      await settle();
      const before = fds();
      for (let i = 0; i < 3; i++) {
        const d = await runDiagnosis({ ns: lab.names.containerNs, hostNs: lab.names.hostNs, bridge: null, target: TARGET }, { probe: true });
        expect(d.report.probes.capture).toMatchObject({ verdict: 'not-forwarded', drop: { chain: 'FORWARD', kind: 'policy' }, trace: { ran: true } });
        expect(processesIn(lab.names.hostNs)).toEqual([]);
        expect((await run(['nft', 'list', 'tables'], { ns: lab.names.hostNs })).stdout).not.toMatch(/netdoctor-trace/);
      }
      await settle();
      expect(children()).toEqual([]);
      expect(fds()).toBeLessThanOrEqual(before);
    });
  });
});
