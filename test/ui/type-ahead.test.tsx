// Keys typed before Ink listened reach the app as one chunk: they must act as the key presses
// they were, in order (the terminal held them; see src/commands/tty-keys.ts).
import { render } from 'ink-testing-library';
import type { Key } from 'ink';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/ui/App.js';
import { splitKeys } from '../../src/ui/hooks/type-ahead.js';
import { PLAIN_THEME } from '../../src/ui/theme.js';
import { fakeActions } from './fake-actions.js';
import { frameWhere } from './helpers.js';

const NONE = { upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false } as Key;

describe('splitKeys', () => {
  it('leaves single keys and escape sequences alone', () => {
    expect(splitKeys('j', NONE)).toEqual([['j', NONE]]);
    expect(splitKeys('\x1b[A', { ...NONE, upArrow: true })).toEqual([['\x1b[A', { ...NONE, upArrow: true }]]);
    expect(splitKeys('', NONE)).toEqual([['', NONE]]);
  });
  it('splits a typed-ahead chunk into its key presses, control bytes as Ink reports them', () => {
    const keys = splitKeys('jK\r\x03\x7f', NONE);
    expect(keys.map(([i]) => i)).toEqual(['j', 'K', '', 'c', '']);
    expect(keys[1]![1].shift).toBe(true);
    expect(keys[2]![1].return).toBe(true);
    expect(keys[3]![1].ctrl).toBe(true);
    expect(keys[4]![1].backspace).toBe(true);
  });
});

describe('the app with keys typed ahead', () => {
  let current: ReturnType<typeof render> | null = null;
  afterEach(() => {
    current?.unmount();
    current = null;
  });

  it('acts on each key of one chunk: unknown keys ignored, ? opens the help', async () => {
    const actions = fakeActions({ scenarios: ['no-masquerade'] });
    current = render(<App actions={actions} target={{ ns: 'box7', hostNs: null, bridge: null, target: '198.51.100.8' }} theme={PLAIN_THEME} />);
    await frameWhere(current.lastFrame, (f) => f.includes('Diagnosis host.masquerade'), 'the diagnosis');
    current.stdin.write('zx?');
    const help = await frameWhere(current.lastFrame, (f) => f.includes('Any key closes this help.'), 'the help');
    expect(help).not.toContain('zx');
  });

  it('moves once per key: "jj" selects two steps on', async () => {
    const actions = fakeActions({ scenarios: ['healthy'] });
    current = render(<App actions={actions} target={{ ns: 'box7', hostNs: null, bridge: null, target: '198.51.100.8' }} theme={PLAIN_THEME} />);
    await frameWhere(current.lastFrame, (f) => f.includes('Healthy'), 'healthy');
    // Healthy, nothing focused: the first j selects the first step, the second moves to the next.
    current.stdin.write('jj');
    const f = await frameWhere(current.lastFrame, (x) => /\*/.test(x), 'a selection');
    expect(f.split('\n').filter((l) => l.includes('*')).join('\n')).toMatch(/bridge\.exists/);
  });
});
