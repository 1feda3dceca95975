// The frame fits the terminal (80x24 and up), follows resizes, and carries no colour under
// NO_COLOR. ink-testing-library's stdout is 100 columns without rows; the tests give it a
// size and emit 'resize' the way a terminal does.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Checklist, windowFor } from '../../src/ui/Checklist.js';
import { App } from '../../src/ui/App.js';
import { COLOR_THEME, PLAIN_THEME, themeFor, ThemeContext } from '../../src/ui/theme.js';
import { fakeActions, liveSequence } from './fake-actions.js';
import { frameWhere, stripAnsi } from './helpers.js';

let current: ReturnType<typeof render> | null = null;
afterEach(() => {
  current?.unmount();
  current = null;
});

function resize(stdout: object, columns: number, rows: number) {
  Object.defineProperty(stdout, 'columns', { configurable: true, get: () => columns });
  Object.defineProperty(stdout, 'rows', { configurable: true, get: () => rows });
  (stdout as { emit(e: string): void }).emit('resize');
}

const target = { ns: 'box7', hostNs: 'hostside', bridge: null, target: '198.51.100.8' };

describe('layout', () => {
  it('windowFor keeps the focus in view and says what is hidden', () => {
    expect(windowFor(10, 12, 3)).toEqual({ start: 0, end: 10 });
    const w = windowFor(23, 10, 20);
    expect(w.end - w.start).toBe(8);
    expect(20).toBeGreaterThanOrEqual(w.start);
    expect(20).toBeLessThan(w.end);
    expect(windowFor(23, 10, null)).toEqual({ start: 0, end: 8 });
  });

  it('the checklist shows "more above/below" when it does not fit', () => {
    const live = liveSequence('no-masquerade').at(-1)!;
    const { lastFrame } = render(<Checklist steps={live.steps} selected={null} focus={live.steps.findIndex((s) => s.id === 'host.masquerade')} diagnosisId="host.masquerade" height={6} />);
    const f = lastFrame()!;
    expect(f.split('\n')).toHaveLength(6);
    expect(f).toMatch(/↑ \d+ more above/);
    expect(f).toMatch(/↓ \d+ more below/);
    expect(f).toMatch(/> FAIL host\.masquerade/);
  });

  it('fits 80x24 and re-lays out on resize', async () => {
    const actions = fakeActions({ scenarios: ['no-masquerade'] });
    current = render(<App actions={actions} target={target} theme={PLAIN_THEME} />);
    resize(current.stdout, 80, 24);
    let f = await frameWhere(current.lastFrame, (x) => x.includes('Diagnosis host.masquerade') && x.includes('more above'), 'the 80x24 frame');
    let lines = f.split('\n');
    expect(lines.length).toBeLessThan(24);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(f).toMatch(/> FAIL host\.masquerade/);

    resize(current.stdout, 120, 45);
    f = await frameWhere(current.lastFrame, (x) => !x.includes('more above') && x.includes('Diagnosis'), 'the 120x45 frame');
    lines = f.split('\n');
    expect(lines.length).toBeLessThan(45);
    expect(f).toContain('netns.exists');
    expect(f).toContain('egress.ping');

    resize(current.stdout, 80, 24);
    f = await frameWhere(current.lastFrame, (x) => x.includes('more above'), 'back at 80x24');
    expect(f.split('\n').length).toBeLessThan(24);
  });

  it('NO_COLOR selects the plain theme; the plain theme draws no colour', async () => {
    expect(themeFor({ NO_COLOR: '1' })).toBe(PLAIN_THEME);
    expect(themeFor({ NO_COLOR: '' })).toBe(COLOR_THEME);
    expect(themeFor({})).toBe(COLOR_THEME);
    const live = liveSequence('no-masquerade').at(-1)!;
    // Ink's chalk is off without a terminal; force it on to see what each theme asks for.
    const chalk = (await import('chalk')).default;
    const level = chalk.level;
    chalk.level = 1;
    try {
      const draw = (theme: typeof PLAIN_THEME) =>
        render(
          <ThemeContext.Provider value={theme}>
            <Checklist steps={live.steps} selected={3} focus={live.steps.findIndex((s) => s.id === 'host.masquerade')} diagnosisId="host.masquerade" height={30} />
          </ThemeContext.Provider>,
        ).lastFrame()!;
      const colourCode = /\x1b\[(3[0-7]|9[0-7]|38;)/;
      expect(draw(COLOR_THEME)).toMatch(colourCode);
      const plain = draw(PLAIN_THEME);
      expect(plain).not.toMatch(colourCode);
      // Emphasis survives without colour: the selection is inverse, the text is all there.
      expect(plain).toContain('\x1b[7m');
      expect(stripAnsi(plain)).toMatch(/> FAIL host\.masquerade/);
    } finally {
      chalk.level = level;
    }
  });
});
