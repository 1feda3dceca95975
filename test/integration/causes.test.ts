// The causes beyond the tutorial (issue 7), in real labs with random names: netdoctor's own
// evidence names the cause, its fix (run exactly as printed, argv only) repairs the lab, and a
// real packet proves it.
import { describe, it, vi } from 'vitest';
import type { LabInfo } from '../../src/lab/lab.js';
import { run } from '../../src/system/run.js';
import { readConntrack } from '../../src/system/snapshot.js';
import { TARGET, integrationSkipReason, pingFromNs, randomLabOptions, runCli, withLab } from './helpers.js';

vi.setConfig({ maxConcurrency: 16 });

interface Step {
  id: string;
  status: string;
  summary: string;
  evidence: string[];
  fix: { commands: string[][]; undo: string[][] } | null;
}

async function check(lab: LabInfo, more: string[] = []): Promise<{ code: number | null; steps: Step[] }> {
  const r = await runCli(['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--json', ...more]);
  return { code: r.code, steps: (JSON.parse(r.stdout) as { steps: Step[] }).steps };
}

async function applyFix(step: Step | undefined): Promise<void> {
  if (!step?.fix) throw new Error(`no fix for ${step?.id}`);
  for (const argv of step.fix.commands) {
    const r = await run(argv, { timeoutMs: 10_000 });
    if (r.failed) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
  }
}

const skip = integrationSkipReason();

describe.skipIf(skip !== null).concurrent('causes beyond the tutorial, diagnosed and fixed in real labs', () => {
  it.concurrent('subnet overlap: a tun route takes the replies; the /32 fix brings them back', async ({ expect }) => {
    await withLab('subnet-overlap-vpn', randomLabOptions(), async (lab) => {
      const before = await check(lab);
      const s = before.steps.find((x) => x.id === 'host.subnet-overlap');
      expect(before.code).toBe(1);
      expect(s?.summary).toContain(`replies to ${lab.addresses.nsIp} go out vpn0, not to ${lab.names.bridge}`);
      expect(s?.evidence.join('\n')).toMatch(/vpn0 is a tun device/);
      await applyFix(s);
      expect(await pingFromNs(lab.names.containerNs)).toBe(true);
      expect((await check(lab)).code).toBe(0);
    });
  });

  it.concurrent('rp_filter: strict mode drops replies on the second uplink; loosening that one interface fixes it', async ({ expect }) => {
    await withLab('rp-filter-second-uplink', randomLabOptions(), async (lab) => {
      const before = await check(lab);
      const s = before.steps.find((x) => x.id === 'host.rp-filter');
      expect(s?.status).toBe('fail');
      expect(s?.evidence.join('\n')).toMatch(/IPReversePathFilter \(packets dropped by rp_filter\): \d+ -> \d+ while the probe ran/);
      expect(s?.summary).toMatch(/replies come back in on up2/);
      // Without the probe nothing shows which way the replies come back: a warning, exit 0.
      const passive = await check(lab, ['--no-probe']);
      expect(passive.code).toBe(0);
      expect(passive.steps.find((x) => x.id === 'host.rp-filter')?.status).toBe('warn');
      await applyFix(s);
      expect(await pingFromNs(lab.names.containerNs)).toBe(true);
      // Still two ways out and still all=1: only up2 changed.
      const after = await run(['sysctl', '-n', 'net.ipv4.conf.all.rp_filter'], { ns: lab.names.hostNs });
      expect(after.stdout.trim()).toBe('1');
      expect((await check(lab)).code).toBe(0);
    });
  });

  it.concurrent('rp_filter: a healthy host with a strict second uplink and a symmetric path is no fault, probed or not', async ({ expect }) => {
    await withLab('second-uplink-strict-rp-filter', randomLabOptions(), async (lab) => {
      const probed = await check(lab);
      expect(probed.code).toBe(0);
      expect(probed.steps.filter((x) => x.status === 'fail').map((x) => x.id)).toEqual([]);
      expect(probed.steps.find((x) => x.id === 'host.rp-filter')?.status).toBe('pass');
      const passive = await check(lab, ['--no-probe']);
      expect(passive.code).toBe(0);
      expect(passive.steps.filter((x) => x.status === 'fail').map((x) => x.id)).toEqual([]);
      const s = passive.steps.find((x) => x.id === 'host.rp-filter');
      expect(s?.status).toBe('warn');
      expect(s?.summary).toMatch(/^strict rp_filter on up2: replies that come back in there would be dropped/);
      expect(s?.evidence.join('\n')).toMatch(/up2 \(another way out: default via \S+ dev up2\).*effective 1 \(strict\)/);
      // The text and Markdown reports agree: exit 0, no FAIL line.
      const base = ['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET, '--no-probe'];
      for (const format of [[], ['--format', 'markdown']]) {
        const r = await runCli([...base, ...format]);
        expect(r.code, r.stdout).toBe(0);
        expect(r.stdout).toMatch(/strict rp\\?_filter on up2/);
        expect(r.stdout).not.toMatch(/\bFAIL\b|❌|✗/);
      }
    });
  });

  it.concurrent('br_netfilter: the second container is cut off by FORWARD; the physdev accept in DOCKER-USER reconnects it', async ({ expect }) => {
    await withLab('br-netfilter-bridged-drop', randomLabOptions(), async (lab) => {
      const peer = lab.containers[0]!;
      expect(await pingFromNs(lab.names.containerNs, peer.ip)).toBe(false);
      expect(await pingFromNs(lab.names.containerNs)).toBe(true);
      const before = await check(lab);
      expect(before.code).toBe(0);
      const s = before.steps.find((x) => x.id === 'host.br-netfilter');
      expect(s?.status).toBe('warn');
      expect(s?.evidence.join('\n')).toContain('net.bridge.bridge-nf-call-iptables = 1');
      expect(s?.evidence.join('\n')).toContain(`ports of ${lab.names.bridge}: ${lab.names.vethHost} (this namespace's) and 1 other: ${peer.vethHost}`);
      expect(s?.fix?.commands[0]).toContain('DOCKER-USER');
      expect(s?.summary).toContain("FORWARD chain (Docker's) (policy drop)");
      expect(s?.evidence).toContain('owner: Docker (its chains here: DOCKER-USER)');
      await applyFix(s);
      expect(await pingFromNs(lab.names.containerNs, peer.ip)).toBe(true);
      expect((await check(lab)).steps.find((x) => x.id === 'host.br-netfilter')?.status).toBe('pass');
    });
  });

  it.concurrent('conntrack: the UDP flow from before NAT stays un-NATed until its entry is deleted', async ({ expect }) => {
    await withLab('stale-conntrack-udp', randomLabOptions(), async (lab) => {
      expect(lab.processes.map((p) => p.role).sort()).toEqual(['udp-echo', 'udp-sender']);
      const before = await check(lab);
      const s = before.steps.find((x) => x.id === 'host.conntrack');
      expect(s?.status).toBe('warn');
      expect(s?.evidence.join('\n')).toMatch(new RegExp(`udp ${lab.addresses.nsIp.replaceAll('.', '\\.')}:40053 -> ${TARGET.replaceAll('.', '\\.')}:5300: .*\\(not NATed\\)`));
      await applyFix(s);
      // The sender's next datagram starts a fresh entry, masqueraded, and the echo answers it.
      await expect
        .poll(async () => {
          const ct = await readConntrack(lab.names.hostNs, lab.addresses.nsIp);
          const flow = ct.source ? ct.entries.find((e) => e.protocol === 'udp' && e.orig.sport === 40053) : undefined;
          return flow ? `${flow.reply.dst}${flow.flags.includes('UNREPLIED') ? ' unreplied' : ''}` : 'none';
        }, { timeout: 5000, interval: 100 })
        .toBe(lab.addresses.uplinkIp);
      expect((await check(lab)).steps.find((x) => x.id === 'host.conntrack')?.status).toBe('pass');
    });
  });

  // Each remaining cause, in its own lab with random names: the step, the owner or cause named in
  // the evidence (the same line in text, --json and Markdown), and a fix that never touches a
  // chain policy and goes where the owner expects it.
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const named: { scenario: string; step: string; status: string; evidence: (lab: LabInfo) => RegExp[]; fix?: (lab: LabInfo) => RegExp }[] = [
    {
      scenario: 'docker-forward-drop',
      step: 'host.forward',
      status: 'fail',
      evidence: () => [/^owner: Docker \(its chains here: DOCKER, DOCKER-ISOLATION-STAGE-1, DOCKER-ISOLATION-STAGE-2, DOCKER-USER\)$/],
      fix: (lab) => new RegExp(`^ip netns exec ${esc(lab.names.hostNs)} iptables-nft -I DOCKER-USER -i ${esc(lab.names.bridge)} -o ${esc(lab.names.uplink)} `),
    },
    {
      scenario: 'docker-legacy-forward-drop',
      step: 'host.forward',
      status: 'fail',
      evidence: (lab) => [new RegExp(`^out \\S+ -> 198\\.51\\.100\\.8 \\(${esc(lab.names.bridge)} -> ${esc(lab.names.uplink)}\\): iptables-legacy ip filter FORWARD: policy drop$`), /^owner: Docker /],
      fix: (lab) => new RegExp(`^ip netns exec ${esc(lab.names.hostNs)} iptables-legacy -I DOCKER-USER `),
    },
    {
      scenario: 'ufw-forward-drop',
      step: 'host.forward',
      status: 'fail',
      evidence: () => [/^tcp 443 out: iptables-nft ip filter FORWARD: policy drop$/, /^owner: ufw \(its chains here: .*ufw-before-forward/],
      fix: (lab) => new RegExp(`^ip netns exec ${esc(lab.names.hostNs)} ufw route allow in on ${esc(lab.names.bridge)} out on ${esc(lab.names.uplink)} from `),
    },
    {
      scenario: 'firewalld-forward-reject',
      step: 'host.forward',
      status: 'fail',
      evidence: () => [/^tcp 443 out: nft inet firewalld filter_FORWARD: reject by rule/, /^owner: firewalld /],
      fix: (lab) => new RegExp(`^ip netns exec ${esc(lab.names.hostNs)} firewall-cmd --zone=trusted --add-interface=${esc(lab.names.bridge)}$`),
    },
    {
      scenario: 'dns-host-stub',
      step: 'ns.dns',
      status: 'warn',
      evidence: (lab) => [new RegExp(`^/etc/netns/${esc(lab.names.hostNs)}/resolv\\.conf: nameserver 127\\.0\\.0\\.53$`), new RegExp(`^/etc/netns/${esc(lab.names.containerNs)}/resolv\\.conf: absent, so ${esc(lab.names.containerNs)} inherits`)],
    },
    {
      scenario: 'dns-resolver-unanswered',
      step: 'ns.dns',
      status: 'warn',
      evidence: (lab) => [new RegExp(`^/etc/netns/${esc(lab.names.containerNs)}/resolv\\.conf: nameserver 198\\.51\\.100\\.53$`)],
    },
    {
      scenario: 'path-mtu-blackhole',
      step: 'path.mtu',
      status: 'warn',
      evidence: (lab) => [new RegExp(`^ping -M do from ${esc(lab.names.containerNs)} to 198\\.51\\.100\\.8, by packet size: 1500: no answer, .*1420: no answer, 1400: answered`)],
      fix: (lab) => new RegExp(`^ip -n ${esc(lab.names.containerNs)} link set dev ${esc(lab.names.vethNs)} mtu 1400$`),
    },
    {
      scenario: 'iptables-legacy-and-nft',
      step: 'host.netfilter-backends',
      status: 'warn',
      evidence: (lab) => [new RegExp(`^iptables-legacy ip filter FORWARD: 2 rules: .*-i ${esc(lab.names.bridge)} -o ${esc(lab.names.uplink)} -j ACCEPT`), /^iptables-nft ip nat POSTROUTING: 1 rule: "-A POSTROUTING -s \S+ -j MASQUERADE"$/],
    },
  ];
  for (const c of named) {
    it.concurrent(`${c.scenario}: ${c.step} ${c.status}s and names its cause, in text, --json and Markdown`, async ({ expect }) => {
      await withLab(c.scenario, randomLabOptions(), async (lab) => {
        const base = ['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET];
        const json = await runCli([...base, '--json']);
        const report = JSON.parse(json.stdout) as { steps: Step[] };
        const s = report.steps.find((x) => x.id === c.step)!;
        expect(s.status, s.summary).toBe(c.status);
        for (const re of c.evidence(lab)) expect(s.evidence.some((l) => re.test(l)), `${re} in\n${s.evidence.join('\n')}`).toBe(true);
        const lines = (s.fix?.commands ?? []).map((a) => a.join(' '));
        if (c.fix) expect(lines.some((l) => c.fix!(lab).test(l)), lines.join('\n')).toBe(true);
        // Never a policy change, never a flush.
        expect(lines.filter((l) => / -P | -F |flush/.test(l))).toEqual([]);
        const line = s.evidence.find((l) => c.evidence(lab)[0]!.test(l))!;
        const text = await runCli(base);
        expect(text.stdout).toContain(line);
        const md = await runCli([...base, '--format', 'markdown']);
        // Markdown puts evidence in a fenced block, verbatim.
        expect(md.stdout).toContain(line);
        expect([text.code, md.code]).toEqual([json.code, json.code]);
      });
    });
  }

  it.concurrent('lab down stops the lab\'s background programs', async ({ expect }) => {
    let pids: number[] = [];
    await withLab('stale-conntrack-udp', randomLabOptions(), async (lab) => {
      pids = lab.processes.map((p) => p.pid);
      for (const pid of pids) expect(() => process.kill(pid, 0)).not.toThrow();
    });
    await expect
      .poll(() => pids.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      }), { timeout: 5000 })
      .toEqual([]);
  });
});
