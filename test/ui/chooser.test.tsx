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

  it('keys that arrive as one chunk ("j" then Enter, typed fast) are taken one by one', async () => {
    const { lastFrame, stdin, picked } = choose(['alpha', 'beta', 'gamma']);
    stdin.write('jj\r');
    await frameWhere(lastFrame, () => picked.length === 1, 'a choice');
    expect(picked).toEqual([{ kind: 'ns', ns: 'gamma' }]);
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

describe('chooser with many namespaces and labs that are up', () => {
  function sized(stdout: object, columns: number, rows: number) {
    Object.defineProperty(stdout, 'columns', { configurable: true, get: () => columns });
    Object.defineProperty(stdout, 'rows', { configurable: true, get: () => rows });
    (stdout as { emit(e: string): void }).emit('resize');
  }

  it('200 namespaces at 80x24: the list scrolls with the cursor and never outgrows the terminal', async () => {
    const many = Array.from({ length: 200 }, (_, i) => `tenant-${String(i).padStart(3, '0')}`);
    const picked: Choice[] = [];
    const r = render(<Chooser namespaces={many} labScenario="no-masquerade" theme={PLAIN_THEME} onChoose={(c) => picked.push(c)} />);
    sized(r.stdout, 80, 24);
    let f = await frameWhere(r.lastFrame, (x) => x.includes('more below'), 'the first page');
    expect(f.split('\n').length).toBeLessThan(24);
    expect(f).toContain('> tenant-000');
    expect(f).not.toContain('tenant-150');
    for (let i = 0; i < 150; i++) r.stdin.write('j');
    f = await frameWhere(r.lastFrame, (x) => x.includes('> tenant-150'), 'tenant-150 under the cursor');
    expect(f.split('\n').length).toBeLessThan(24);
    expect(f).toMatch(/↑ \d+ more above/);
    expect(f).toMatch(/↓ \d+ more below/);
    for (const l of f.split('\n')) expect([...l].length).toBeLessThanOrEqual(80);
    r.stdin.write(KEY.enter);
    await frameWhere(r.lastFrame, () => picked.length === 1, 'a choice');
    expect(picked).toEqual([{ kind: 'ns', ns: 'tenant-150' }]);
    r.unmount();
  });

  it('a container of a lab that is up is listed (not the lab offer) and chosen with its host side and target', async () => {
    const labs = [{ ns: 'zq5-appbox', hostNs: 'zq5-host', target: '198.51.100.8', lab: 'zq5', scenario: 'no-masquerade' }];
    const picked: Choice[] = [];
    const r = render(<Chooser namespaces={[]} labs={labs} labScenario="no-masquerade" theme={PLAIN_THEME} onChoose={(c) => picked.push(c)} />);
    const f = r.lastFrame()!;
    expect(f).toContain('Which namespace');
    expect(f).not.toContain('Build the lab?');
    expect(f).toContain('> zq5-appbox  (lab zq5: no-masquerade)');
    expect(f).toContain("netdoctor's sandbox lab");
    r.stdin.write(KEY.enter);
    await frameWhere(r.lastFrame, () => picked.length === 1, 'a choice');
    expect(picked).toEqual([{ kind: 'lab-container', ns: 'zq5-appbox', hostNs: 'zq5-host', target: '198.51.100.8' }]);
    r.unmount();
  });
});
