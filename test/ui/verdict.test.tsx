// The diagnosis is on screen as soon as it is final: once the ping is back, while the DNS
// query (a warn-only step) may still wait out its timeout. A key pressed then waits for the
// check to finish instead of being refused. Real recorded reports, judged by the real core.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { judgeLive, type FactStage } from '../../src/diagnosis/live.js';
import { preFrame } from '../../src/session/preframe.js';
import type { LiveReport, SessionActions } from '../../src/session/types.js';
import { App } from '../../src/ui/App.js';
import { PLAIN_THEME } from '../../src/ui/theme.js';
import { fakeActions, fakeCapture, loadSnapshot } from './fake-actions.js';
import { frameWhere } from './helpers.js';

let current: ReturnType<typeof render> | null = null;
afterEach(() => {
  current?.unmount();
  current = null;
});

const target = { ns: 'zq5-appbox', hostNs: 'zq5-host', bridge: null, target: '198.51.100.8' };

function stages(id: string): { pinged: LiveReport; done: LiveReport } {
  const { snapshot, ping, dns } = loadSnapshot(id);
  const at = (s: FactStage[]) => judgeLive(snapshot, ping, new Set(s), dns ?? null);
  return { pinged: at(['links', 'rules', 'ping']), done: at(['links', 'rules', 'ping', 'dns']) };
}

/** Diagnoses up to the ping, then waits for `release` (the DNS answer) to finish. */
function dnsSlowActions(capture?: ReturnType<typeof fakeCapture>) {
  const base = fakeActions({ scenarios: ['no-masquerade'], capture });
  let release: () => void = () => undefined;
  const { pinged, done } = stages('no-masquerade');
  const actions: SessionActions = {
    ...base,
    async diagnose(onUpdate) {
      await base.diagnose(() => undefined); // the fake's bookkeeping: which report f then fixes
      onUpdate(pinged);
      await new Promise<void>((r) => (release = r));
      onUpdate(done);
      return done;
    },
  };
  return { actions, calls: base.calls, release: () => release() };
}

/** Renders the session and waits until the diagnosis shows while ns.dns is still checking. */
async function renderEarly(capture?: ReturnType<typeof fakeCapture>) {
  const slow = dnsSlowActions(capture);
  const r = render(<App actions={slow.actions} target={target} theme={PLAIN_THEME} />);
  current = r;
  await frameWhere(r.lastFrame, (x) => x.includes('still checking ns.dns'), 'the early diagnosis');
  return { ...slow, r };
}

describe('the diagnosis before the DNS answer', () => {
  it('shows the diagnosis with its evidence while ns.dns is still checking', async () => {
    const { actions, release } = dnsSlowActions();
    current = render(<App actions={actions} target={target} theme={PLAIN_THEME} />);
    const f = await frameWhere(current.lastFrame, (x) => x.includes('Diagnosis host.masquerade'), 'the early diagnosis');
    expect(f).toMatch(/> FAIL host\.masquerade/);
    expect(f).toContain('no MASQUERADE or SNAT rule');
    expect(f).toContain('Egress: broken (still checking ns.dns)');
    release();
    const after = await frameWhere(current.lastFrame, (x) => x.includes('Egress: broken') && !x.includes('still checking'), 'the finished check');
    expect(after).toContain('Diagnosis host.masquerade');
  });

  it('f pressed before the DNS answer waits for the check, then asks', async () => {
    const { calls, release, r } = await renderEarly();
    r.stdin.write('f');
    await frameWhere(r.lastFrame, (x) => x.includes('finishing the check, then fixing host.masquerade…'), 'waiting for the check');
    expect(r.lastFrame()).not.toContain('[y/N]');
    expect(calls).toEqual(['diagnose no-masquerade']);
    release();
    await frameWhere(r.lastFrame, (x) => x.includes('Apply these commands? [y/N]'), 'the prompt');
    expect(calls).toEqual(['diagnose no-masquerade', 'fix host.masquerade']);
    expect(r.lastFrame()).not.toContain('wait:');
  });

  it('c pressed before the DNS answer opens the panel and captures once the check is done', async () => {
    const capture = fakeCapture();
    const { release, r } = await renderEarly(capture);
    r.stdin.write('c');
    await frameWhere(r.lastFrame, (x) => x.includes('Starting the capture…'), 'the panel, waiting');
    expect(capture.started).toBe(0);
    release();
    await frameWhere(r.lastFrame, () => capture.started === 1, 'the capture started');
  });

  it('c, then c again before the check is done: no capture starts', async () => {
    const capture = fakeCapture();
    const { release, r } = await renderEarly(capture);
    r.stdin.write('c');
    await frameWhere(r.lastFrame, (x) => x.includes('Starting the capture…'), 'the panel, waiting');
    r.stdin.write('c');
    await frameWhere(r.lastFrame, (x) => x.includes('Diagnosis host.masquerade'), 'back in the list');
    release();
    await frameWhere(r.lastFrame, (x) => !x.includes('still checking'), 'the finished check');
    await new Promise((done) => setTimeout(done, 50));
    expect(capture.started).toBe(0);
  });

  it('the first frame (before Ink) shows the diagnosis as soon as it is final', () => {
    const { pinged } = stages('no-masquerade');
    const f = preFrame('zq5-appbox', 80, 24, pinged.steps, pinged.verdict ?? null);
    expect(f).toMatch(/^Diagnosis host\.masquerade: nothing masquerades/m);
    for (const l of f.split('\n')) expect([...l].length).toBeLessThanOrEqual(79);
    expect(f.split('\n').length).toBeLessThan(24);
    // Not before it is final.
    const { snapshot, ping } = loadSnapshot('no-masquerade');
    const rules = judgeLive(snapshot, ping, new Set<FactStage>(['links', 'rules']));
    expect(preFrame('zq5-appbox', 80, 24, rules.steps, rules.verdict ?? null)).not.toContain('Diagnosis');
  });
});

describe('keys in one chunk while the check finishes', () => {
  it('"jj" then Enter: each key acts on what the one before did (two steps down, that detail)', async () => {
    const { actions, release } = dnsSlowActions();
    current = render(<App actions={actions} target={target} theme={PLAIN_THEME} />);
    await frameWhere(current.lastFrame, (x) => x.includes('still checking ns.dns'), 'the early diagnosis');
    const ids = stages('no-masquerade').done.steps.map((s) => s.id);
    const two = ids[ids.indexOf('host.masquerade') + 2]!;
    current.stdin.write('jj\r');
    await frameWhere(current.lastFrame, (x) => x.includes('What was read:'), 'a detail');
    expect(current.lastFrame()).toContain(`${two}: `);
    release();
  });
});
