// The session bench's screen predicates, on screens as tmux capture-pane returns them.
import { describe, expect, it } from 'vitest';
import { currentLearnStep, plainArgv, showsCompleteChecklist, showsWholeChecklist } from '../../../bench/lib/terminal.js';

const ids = ['netns.exists', 'bridge.exists', 'host.forward', 'egress.ping'];

const done = `netdoctor c0 (host h, bridge br0, uplink eth0, target 198.51.100.8)
  ok   netns.exists            namespace c0 exists
> FAIL bridge.exists           bridge br0 does not exist
  skip host.forward            skipped: needs bridge.exists
  ERR  egress.ping             ping could not run

Egress: broken
j/k move  Enter detail  q quit
`;

const checking = `netdoctor c0
  ...  netns.exists       checking…
  ...  bridge.exists      checking…
  ...  host.forward       checking…
  ...  egress.ping        checking…

loading…`;

describe('session screen predicates', () => {
  it('sees the whole checklist as soon as every step is listed, judged or not', () => {
    expect(showsWholeChecklist(checking, ids)).toBe(true);
    expect(showsWholeChecklist(done, ids)).toBe(true);
    expect(showsWholeChecklist(checking.replace('host.forward', ''), ids)).toBe(false);
  });

  it('sees the checklist complete only when every step carries a verdict', () => {
    expect(showsCompleteChecklist(done, ids)).toBe(true);
    expect(showsCompleteChecklist(checking, ids)).toBe(false);
    expect(showsCompleteChecklist(done.replace('ERR  egress.ping', '...  egress.ping'), ids)).toBe(false);
  });

  it('does not take one step id for another that extends it', () => {
    const screen = '  ok   host.forward-extra   x\n  ...  host.forward   checking';
    expect(showsCompleteChecklist(screen, ['host.forward'])).toBe(false);
  });
});

describe('learn screen', () => {
  const screen = `netdoctor learn (lab ndbabcwxyz)   2/15 done
  ✓ 1/15 Create the container's network namespace
  ✓ 2/15 Create a bridge on the host

Step 3/15: Give the bridge an address
  Why: the bridge is the container's gateway.
  $ ip addr add 192.168.0.1/16 dev br0
`;

  it('finds the current step, the total and its command', () => {
    expect(currentLearnStep(screen)).toEqual({ step: 3, total: 15, command: 'ip addr add 192.168.0.1/16 dev br0' });
    expect(currentLearnStep('nothing here')).toBeNull();
    expect(currentLearnStep('Step 4/15: Ping\n no command')).toEqual({ step: 4, total: 15, command: null });
  });

  it('runs only plain commands verbatim, never shell syntax or a ping', () => {
    expect(plainArgv('ip addr add 192.168.0.1/16 dev br0')).toEqual(['ip', 'addr', 'add', '192.168.0.1/16', 'dev', 'br0']);
    expect(plainArgv('iptables -t nat -A POSTROUTING -s 192.168.0.0/16 -j MASQUERADE')).not.toBeNull();
    expect(plainArgv('ip netns exec ns0 ping -c 1 198.51.100.8')).toBeNull();
    expect(plainArgv('echo 1 > /proc/sys/net/ipv4/ip_forward')).toBeNull();
    expect(plainArgv('a; b')).toBeNull();
    expect(plainArgv('')).toBeNull();
  });
});
