// The learn screen rendered with ink-testing-library from session views built on recorded worlds.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { LearnApp, LearnScreen } from '../../src/ui/learn/LearnApp.js';
import { LearnSession, type LearnView } from '../../src/learn/session.js';
import { newProgress } from '../../src/learn/progress.js';
import type { WatchMessage } from '../../src/learn/types.js';
import { observation, type Stage } from '../unit/learn/fixtures.js';

function viewAt(stages: Stage[]): LearnView {
  let push: (m: WatchMessage) => void = () => undefined;
  const s = new LearnSession('ndlearn', newProgress('ndlearn', new Date()), {
    now: () => new Date(),
    save: () => undefined,
    watch: (on) => {
      push = on;
      return { requestPing: () => undefined, stop: async () => undefined };
    },
    runInWorld: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
  });
  s.start();
  stages.forEach((stage, i) => {
    const o = observation(stage);
    push({ type: 'snapshot', seq: i + 1, snapshot: o.snapshot });
    if (o.ping) push({ type: 'ping', seq: i + 1, ping: o.ping, path: o.path });
  });
  return s.view();
}

describe('learn screen', () => {
  it('shows the current step with why and the command, ticks above, progress in the header', () => {
    const { lastFrame } = render(<LearnScreen view={viewAt(['empty', 'veth-not-moved'])} />);
    const f = lastFrame()!;
    expect(f).toContain('5/15 done');
    expect(f).toContain('▶ Step 6/15: Move one end into the namespace');
    expect(f).toContain('$ ip link set ceth0 netns ns0');
    expect(f).toContain('now: ceth0 is still on the host');
    expect(f).toContain('✓ 1/15 Create the container');
  });

  it('before the default route: "Network is unreachable", live', () => {
    const f = render(<LearnScreen view={viewAt(['no-default-route'])} />).lastFrame()!;
    expect(f).toContain('▶ Step 12/15: Add a default route via the bridge');
    expect(f).toContain('connect: Network is unreachable');
  });

  it('before the default route: the live capture saw nothing on br0', () => {
    const f = render(<LearnScreen view={viewAt(['no-default-route'])} />).lastFrame()!;
    expect(f).toContain('live capture of this ping on br0 and eth0');
    expect(f).toContain('br0 (bridge): 0 echo requests from ns0');
  });

  it('before NAT: 100% loss, and the live capture shows the private source leaving eth0 untranslated', () => {
    const f = render(<LearnScreen view={viewAt(['no-masquerade'])} />).lastFrame()!;
    expect(f).toContain('100% packet loss');
    expect(f).toContain('br0 (bridge): 1 echo request from 192.168.0.2');
    expect(f).toMatch(/eth0 \(uplink\): 1 echo request leaves from 192\.168\.0\.2 \(private,\s+untranslated\), 0 replies/);
  });

  it('without pcap: the counters, and the reason on screen', () => {
    const f = render(<LearnScreen view={viewAt(['no-masquerade-counters'])} />).lastFrame()!;
    expect(f).toContain('packet counters');
    expect(f).toMatch(/no live capture: the pcap addon cannot be\s+loaded/);
  });

  it('out of order: the first missing step stays current and the done ones ahead are named', () => {
    const f = render(<LearnScreen view={viewAt(['out-of-order'])} />).lastFrame()!;
    expect(f).toContain('▶ Step 1/15');
    expect(f).toContain('already done ahead: ip-forward, masquerade');
    expect(f).toContain('(out of order)');
  });

  it('Enter asks to run the step; q quits', () => {
    let runs = 0;
    let quits = 0;
    const { stdin } = render(<LearnApp view={viewAt(['empty'])} onRun={() => void runs++} onQuit={() => void quits++} />);
    stdin.write('\r');
    stdin.write('q');
    expect(runs).toBe(1);
    expect(quits).toBe(1);
  });

  it('complete: every step holds', () => {
    const f = render(<LearnScreen view={viewAt(['empty', 'complete'])} />).lastFrame()!;
    expect(f).toContain('15/15 done');
    expect(f).toContain('Every step holds');
    // The captured round trip: MASQUERADE's rewrite seen on eth0.
    expect(f).toMatch(/eth0 \(uplink\): 1 echo request leaves as 203\.0\.113\.2/);
    expect(f).toContain('1 reply back');
    // Nothing is left for Enter to run.
    expect(f).not.toContain('Enter: let netdoctor run this step');
    expect(f).toContain('q: quit');
  });
});
