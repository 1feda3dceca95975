// Without --ns: choose a namespace, or take the offered sandbox lab when there is none.
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Chooser, type Choice } from '../../src/ui/Chooser.js';
import { PLAIN_THEME } from '../../src/ui/theme.js';
import { frameWhere, KEY } from './helpers.js';

function choose(namespaces: string[]) {
  const picked: Choice[] = [];
  const r = render(<Chooser namespaces={namespaces} labScenario="no-masquerade" theme={PLAIN_THEME} onChoose={(c) => picked.push(c)} />);
  return { ...r, picked };
}

describe('chooser', () => {
  it('lists the namespaces and the lab; j and Enter choose', async () => {
    const { lastFrame, stdin, picked } = choose(['alpha', 'beta\x1b[31m']);
    const f = lastFrame()!;
    expect(f).toContain('Which namespace');
    expect(f).toContain('> alpha');
    // A hostile name is shown escaped, never interpreted.
    expect(f).toContain('beta\\x1b[31m');
    expect(f).toContain("netdoctor's sandbox lab");
    stdin.write('j');
    await frameWhere(lastFrame, (x) => x.includes('> beta'), 'beta selected');
    stdin.write(KEY.enter);
    await frameWhere(lastFrame, () => picked.length === 1, 'a choice');
    expect(picked).toEqual([{ kind: 'ns', ns: 'beta\x1b[31m' }]);
  });

  it('the lab is the last entry', async () => {
    const { lastFrame, stdin, picked } = choose(['alpha']);
    stdin.write(KEY.down);
    await frameWhere(lastFrame, (x) => x.includes("> netdoctor's sandbox lab"), 'the lab selected');
    stdin.write(KEY.enter);
    await frameWhere(lastFrame, () => picked.length === 1, 'a choice');
    expect(picked).toEqual([{ kind: 'lab' }]);
  });

  it('with no namespace of the user own, offers the lab: y builds it, n and q do not', async () => {
    for (const [key, want] of [['y', { kind: 'lab' }], ['n', null], ['q', null]] as const) {
      const { lastFrame, stdin, picked, unmount } = choose([]);
      expect(lastFrame()).toContain('No network namespace of your own');
      expect(lastFrame()).toContain('Build the lab? [Y/n]');
      stdin.write(key);
      await frameWhere(lastFrame, () => picked.length === 1, `the answer to ${key}`);
      expect(picked[0]).toEqual(want);
      unmount();
    }
  });
});
