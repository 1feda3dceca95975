// The packet path panel: the core's path state in (built by the pure reducer from packet
// summaries recorded in real labs), the frame out, at 80x24 and under NO_COLOR.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/ui/App.js';
import { PathPanel } from '../../src/ui/PathPanel.js';
import { COLOR_THEME, themeFor, ThemeContext } from '../../src/ui/theme.js';
import { initialPath, pathView, reducePath, type PathEvent, type PathState } from '../../src/session/path.js';
import type { PathView } from '../../src/session/types.js';
import { recordedPackets, RECORDED_WHERE, type CaptureFixture } from '../support/capture-fixtures.js';
import { fakeActions, fakeCapture } from './fake-actions.js';
import { frameWhere } from './helpers.js';

const NO_COLOR = themeFor({ NO_COLOR: '1' });

/** The path after the first `n` recorded packets (all of them, ping over, when n is omitted). */
function stateAfter(name: CaptureFixture, n?: number, passive = RECORDED_WHERE[name].passive): PathState {
  const where = { ...RECORDED_WHERE[name], passive };
  const packets = recordedPackets(name);
  const events: PathEvent[] = [{ type: 'capturing', interfaces: [where.bridge, where.hostVeth!, where.uplink!, ...(where.others ?? [])] }, ...packets.slice(0, n).map((packet): PathEvent => ({ type: 'packet', packet }))];
  if (n === undefined) events.push({ type: 'ping-done', transmitted: 3, received: name === 'healthy' ? 3 : 0, error: null }, { type: 'finished', by: 'done' });
  return events.reduce(reducePath, initialPath(where));
}

let current: ReturnType<typeof render> | null = null;
afterEach(() => {
  current?.unmount();
  current = null;
});

function panel(path: PathView, theme = NO_COLOR) {
  current = render(
    <ThemeContext.Provider value={theme}>
      <PathPanel path={path} width={80} height={20} />
    </ThemeContext.Provider>,
  );
  return current;
}

function fits(frame: string, rows: number) {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(rows);
  for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
}

describe('the packet path panel', () => {
  it('draws every hop with its counts, the NAT rewrite missing, and the verdict naming the step', () => {
    const f = panel(pathView(stateAfter('no-masquerade', undefined, 'egress.ping'))).lastFrame()!;
    fits(f, 20);
    expect(f).not.toContain('\x1b['); // NO_COLOR: no colour codes at all
    expect(f).toMatch(/3\s+0\s+namespace ndtrecA-box\s+src 10\.66\.0\.2 via vcq/);
    expect(f).toMatch(/3\s+0\s+veth vhq/);
    expect(f).toMatch(/3\s+0\s+bridge brq\s+src 10\.66\.0\.2/);
    expect(f).toMatch(/forward \(routing, FORWARD\)\s+passed/);
    // Where it goes wrong is marked in the text, not only in colour.
    expect(f).toMatch(/X\s+NAT \(POSTROUTING\)\s+none: the source stays 10\.66\.0\.2/);
    expect(f).toMatch(/3\s+0\s+uplink upq\s+src 10\.66\.0\.2 \(not translated\)/);
    expect(f).toContain('source 10.66.0.2 before NAT, 10.66.0.2 after (not translated)');
    expect(f).toMatch(/Verdict: echo requests left upq with the private source 10\.66\.0\.2/);
    expect(f).toContain('Implicates host.masquerade');
    expect(f).toMatch(/believe the capture and look at\s+host\.masquerade/);
  });

  it('redraws the counts as packets arrive (state in, frame out)', () => {
    const counts: string[] = [];
    const { rerender, lastFrame } = panel(pathView(stateAfter('no-masquerade', 0)));
    expect(lastFrame()).toContain('capturing while pinging 198.51.100.8');
    for (const n of [1, 3, 6, 9]) {
      rerender(
        <ThemeContext.Provider value={NO_COLOR}>
          <PathPanel path={pathView(stateAfter('no-masquerade', n))} width={80} height={20} />
        </ThemeContext.Provider>,
      );
      const f = lastFrame()!;
      counts.push(['veth vhq', 'bridge brq', 'uplink upq'].map((l) => new RegExp(`(\\d+)\\s+\\d+\\s+${l}`).exec(f)![1]).join('/'));
      expect(f).not.toContain('Verdict');
    }
    expect(counts).toEqual(['1/0/0', '1/1/1', '2/2/2', '3/3/3']);
  });

  it('healthy: the source translated to the uplink address, replies counted back', () => {
    const f = panel(pathView(stateAfter('healthy')), COLOR_THEME).lastFrame()!;
    fits(f, 20);
    expect(f).toMatch(/3\s+3\s+uplink upw\s+src 203\.0\.113\.2 \(after NAT\)/);
    expect(f).toMatch(/NAT \(POSTROUTING\)\s+10\.67\.0\.2 -> 203\.0\.113\.2/);
    expect(f).toContain('source 10.67.0.2 before NAT, 203.0.113.2 after');
    expect(f).not.toMatch(/^X/m);
    expect(f).not.toContain('Implicates');
  });

  it('who dropped it, when the trace says so', () => {
    const s = [
      { type: 'tracing' },
      { type: 'traced', drop: { source: 'nft-trace', family: 'ip', table: 'filter', chain: 'FORWARD', kind: 'rule', verdict: 'drop', rule: 'ip saddr 10.68.0.0/24 drop', handle: 4, owner: null, direction: 'request', summary: 'a drop rule (handle 4) in ip filter FORWARD' }, info: { ran: true, note: null, table: 't' } },
      { type: 'finished', by: 'done' },
    ].reduce((st, ev) => reducePath(st, ev as PathEvent), (() => {
      const where = RECORDED_WHERE['forward-policy-drop'];
      const evs: PathEvent[] = [{ type: 'capturing', interfaces: [where.bridge, where.hostVeth!, where.uplink!] }, ...recordedPackets('forward-policy-drop').map((packet): PathEvent => ({ type: 'packet', packet })), { type: 'ping-done', transmitted: 3, received: 0, error: null }];
      return evs.reduce(reducePath, initialPath(where));
    })());
    const f = panel(pathView(s)).lastFrame()!;
    fits(f, 20);
    expect(f).toMatch(/X\s+forward \(routing, FORWARD\)\s+dropped: a drop rule \(handle 4\)/);
    expect(f).toMatch(/X\s+0\s+0\s+uplink upc/);
    expect(f).toContain('Implicates host.forward');
    expect(f).toContain('Dropped by: a drop rule (handle 4) in ip filter FORWARD');
    expect(f).toContain('Rule: ip saddr 10.68.0.0/24 drop');
  });

  it('replies back by another way out: an "also out" row marked where they died, and the verdict naming rp_filter', () => {
    const f = panel(pathView(stateAfter('rp-filter-second-uplink'))).lastFrame()!;
    fits(f, 20);
    expect(f).toMatch(/3\s+0\s+uplink upr\s+src 203\.0\.113\.2 \(after NAT\)/);
    expect(f).toMatch(/X\s+0\s+3\s+also out up2\s+replies came back here/);
    expect(f).toMatch(/came back in on up2, not on upr/);
    expect(f).toContain('Implicates host.rp-filter');
  });

  it('unavailable: the reason and the remedy', () => {
    const s = reducePath(initialPath(RECORDED_WHERE.healthy), { type: 'unavailable', reason: 'the pcap addon cannot be loaded (Cannot find module)', remedy: 'run scripts/setup.sh' });
    const f = panel(pathView(s)).lastFrame()!;
    expect(f).toContain('unavailable: the pcap addon cannot be loaded (Cannot find module)');
    expect(f).toContain('Remedy: run scripts/setup.sh');
  });

  it('inside the app at 80x24 under NO_COLOR: the panel fits and carries no colour', async () => {
    const capture = fakeCapture();
    current = render(<App actions={fakeActions({ scenarios: ['no-masquerade'], capture })} target={{ ns: 'ndtrecA-box', hostNs: 'ndtrecA-host', bridge: null, target: '198.51.100.8' }} theme={NO_COLOR} />);
    Object.defineProperty(current.stdout, 'columns', { configurable: true, get: () => 80 });
    Object.defineProperty(current.stdout, 'rows', { configurable: true, get: () => 24 });
    (current.stdout as unknown as { emit(e: string): void }).emit('resize');
    await frameWhere(current.lastFrame, (f) => f.includes('Diagnosis host.masquerade'), 'the diagnosis');
    current.stdin.write('c');
    await frameWhere(current.lastFrame, (f) => f.includes('Starting the capture'), 'the capture starting');
    capture.push(pathView(stateAfter('no-masquerade', undefined, 'host.masquerade')));
    const f = await frameWhere(current.lastFrame, (x) => x.includes('Implicates host.masquerade'), 'the verdict');
    fits(f, 23);
    expect(f).not.toContain('\x1b[');
    expect(f).toContain('The capture confirms the diagnosis (host.masquerade)');
  });
});
