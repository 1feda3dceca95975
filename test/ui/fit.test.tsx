// At 80x24 nothing the user needs is cut off: the keys line keeps `q quit`, the header keeps
// the target, the help and the prompts wrap instead of truncating, and a y/n question stays on
// screen however many commands come before it. Found by trying the session in tmux at 80x24.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/ui/App.js';
import { commandLines, footerText, helpLines, summaryLines } from '../../src/ui/panels.js';
import { PLAIN_THEME } from '../../src/ui/theme.js';
import type { SessionTarget } from '../../src/session/types.js';
import { fakeActions, liveSequence } from './fake-actions.js';
import { frameWhere, stripAnsi } from './helpers.js';

let current: ReturnType<typeof render> | null = null;
afterEach(() => {
  current?.unmount();
  current = null;
});

function sized(stdout: object, columns: number, rows: number) {
  Object.defineProperty(stdout, 'columns', { configurable: true, get: () => columns });
  Object.defineProperty(stdout, 'rows', { configurable: true, get: () => rows });
  (stdout as { emit(e: string): void }).emit('resize');
}

// Names as long as real ones get: the header must still show where the ping goes.
const target: SessionTarget = { ns: 'zq5-appbox', hostNs: 'zq5-host', bridge: 'lanbr9', target: '198.51.100.8' };

const fitsIn = (frame: string, columns: number) => {
  for (const l of stripAnsi(frame).split('\n')) expect([...l].length, l).toBeLessThanOrEqual(columns);
};

describe('the session at 80x24 cuts nothing the user needs', () => {
  it('the keys line keeps ? and q at any width; all of it from 85 columns', () => {
    expect(footerText(120)).toBe('j/k move  Enter detail  f fix  a fix all  u undo  r re-run  c capture  ? keys  q quit');
    const at80 = footerText(80);
    expect(at80.length).toBeLessThanOrEqual(80);
    for (const k of ['j/k', 'Enter', 'f fix', 'a all', 'u undo', 'r rerun', 'c capture', '? keys', 'q quit']) expect(at80).toContain(k);
    const at40 = footerText(40);
    expect(at40.length).toBeLessThanOrEqual(40);
    expect(at40).toMatch(/\? keys {2}q quit$/);
  });

  it('the frame: header with the target, keys line with q quit, every line within 80 columns', async () => {
    current = render(<App actions={fakeActions({ scenarios: ['no-masquerade'] })} target={target} theme={PLAIN_THEME} />);
    sized(current.stdout, 80, 24);
    const f = await frameWhere(current.lastFrame, (x) => x.includes('Diagnosis host.masquerade') && x.includes('q quit'), 'the diagnosis at 80x24');
    const header = f.split('\n')[0]!;
    expect(header).toContain('netdoctor zq5-appbox to 198.51.100.8');
    fitsIn(f, 80);
    expect(f.split('\n').length).toBeLessThan(24);
  });

  it('host.masquerade: the diagnosis hints at c to see the private source on the uplink', () => {
    const live = liveSequence('no-masquerade').at(-1)!;
    const text = summaryLines(live, false, 80).map((l) => l.text).join('\n');
    expect(text).toMatch(/c: capture while pinging, to see the private source leave the uplink/);
    // Only where the capture would show it: a healthy report has no hint.
    const healthy = summaryLines(liveSequence('healthy').at(-1)!, false, 80).map((l) => l.text).join('\n');
    expect(healthy).not.toContain('c: ');
  });

  it('under the diagnosis: the fix when there is one, else that there is none (never both)', () => {
    const text = (id: string) => summaryLines(liveSequence(id).at(-1)!, false, 80).map((l) => l.text).join('\n');
    for (const id of ['no-masquerade', 'ip-forward-off', 'bridge-down']) {
      expect(text(id), id).toMatch(/^ {2}f: /m);
      expect(text(id), id).not.toContain('No automatic fix');
    }
    // Every passive step passes, the ping fails: nothing to fix automatically.
    expect(text('healthy+noreply')).toContain('No automatic fix for this step');
    expect(text('healthy+noreply')).not.toMatch(/^ {2}f: /m);
  });

  it('the cut explanation under the diagnosis says it goes on', () => {
    const live = liveSequence('no-masquerade').at(-1)!;
    const why = summaryLines(live, false, 80).filter((l) => l.tone === 'dim' && /^ {2}\S/.test(l.text));
    expect(why).toHaveLength(2);
    expect(why[1]!.text).toMatch(/ …$/);
    for (const l of why) expect(l.text.length).toBeLessThanOrEqual(80);
  });

  it('help: every description whole, wrapped under itself, within 80 columns', () => {
    const lines = helpLines(80).map((l) => l.text);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
    const text = lines.join(' ').replace(/\s+/g, ' ');
    expect(text).toContain('fix the selected step (or the diagnosis): shows the commands, asks');
    expect(text).toContain('the packet path with counts; c again closes it');
  });

  it('a long command breaks with a backslash; continuation lines sit deeper than the first', () => {
    const argv = ['ip', 'netns', 'exec', 'zq5-host', 'iptables-nft', '-t', 'nat', '-I', 'POSTROUTING', '-s', '10.77.3.0/24', '-o', 'wan7', '-m', 'comment', '--comment', 'netdoctor', '-j', 'MASQUERADE'];
    const lines = commandLines(argv, 80, 'accent').map((l) => l.text);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0]).toMatch(/^ {4}ip netns exec .* \\$/);
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {6}\S/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines.map((l) => l.replace(/ \\$/, '').trim()).join(' ')).toBe(argv.join(' '));
  });

  it('fix everything with many commands: the long question wraps and [y/N] stays on screen', async () => {
    const plan = liveSequence('no-masquerade').at(-1)!.steps.find((s) => s.id === 'host.masquerade')!.fix!;
    const base = fakeActions({ scenarios: ['no-masquerade'] });
    let asked = false;
    const actions = {
      ...base,
      async fixAll(confirm: Parameters<typeof base.fixAll>[0]) {
        // Eight fixes: more commands than 24 rows can show.
        const offers = Array.from({ length: 8 }, (_, i) => ({ stepId: `step.${i}`, plan }));
        asked = true;
        await confirm(offers, 'Fix everything? netdoctor applies these in order, re-checking after each (later fixes may change), asking no more.');
        return { changed: false, message: 'not applied' };
      },
    };
    current = render(<App actions={actions} target={target} theme={PLAIN_THEME} />);
    sized(current.stdout, 80, 24);
    await frameWhere(current.lastFrame, (x) => x.includes('Diagnosis host.masquerade'), 'the diagnosis');
    current.stdin.write('a');
    const f = await frameWhere(current.lastFrame, (x) => x.includes('[y/N]'), 'the question');
    expect(asked).toBe(true);
    expect(f).toContain('more lines');
    expect(f.replace(/\s+/g, ' ')).toContain('(later fixes may change), asking no more. [y/N]');
    fitsIn(f, 80);
    expect(f.split('\n').length).toBeLessThan(24);
  });
});
