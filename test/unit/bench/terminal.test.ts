// The session bench's screen predicates, on screens as tmux capture-pane returns them.
import { describe, expect, it } from 'vitest';
import { showsCompleteChecklist, showsWholeChecklist } from '../../../bench/lib/terminal.js';

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
