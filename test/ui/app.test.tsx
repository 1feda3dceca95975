// The session app, state in and frame out: fake actions over real recorded reports, keys in
// through stdin, assertions on what the user sees.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/ui/App.js';
import { PLAIN_THEME } from '../../src/ui/theme.js';
import type { SessionTarget } from '../../src/session/types.js';
import { fakeActions, fakeCapture, liveSequence, type FakeActions } from './fake-actions.js';

/** The step ids just before and just after `id` in a scenario's checklist (new steps may be inserted). */
function neighbours(scenario: string, id: string): [string, string] {
  const ids = liveSequence(scenario).at(-1)!.steps.map((s) => s.id);
  const i = ids.indexOf(id as (typeof ids)[number]);
  return [ids[i - 1]!, ids[i + 1]!];
}
import { frameWhere, KEY, tick } from './helpers.js';

const target: SessionTarget = { ns: 'box7', hostNs: 'hostside', bridge: null, target: '198.51.100.8' };
let current: ReturnType<typeof render> | null = null;

function start(actions: FakeActions) {
  current = render(<App actions={actions} target={target} theme={PLAIN_THEME} />);
  return current;
}

afterEach(() => {
  current?.unmount();
  current = null;
});

describe('session app', () => {
  it('fills the checklist in live, then highlights the diagnosis with its evidence and fix', async () => {
    const actions = fakeActions({ scenarios: ['no-masquerade'], hold: true });
    const { lastFrame } = start(actions);
    // While facts are still arriving: link steps judged, netfilter steps still running.
    const partial = await frameWhere(lastFrame, (f) => f.includes('Checking'), 'the running checklist');
    // (The list is windowed to the terminal: which rows show depends on how many steps exist.)
    expect(partial).toMatch(/\.\.\.\s+[a-z-]+\.[a-z-]+\s+checking…/);
    expect(partial).not.toContain('Diagnosis');
    actions.release();
    const done = await frameWhere(lastFrame, (f) => f.includes('Diagnosis host.masquerade'), 'the diagnosis');
    expect(done).toMatch(/> FAIL host\.masquerade/);
    expect(done).toContain('Evidence:');
    expect(done).toMatch(/no MASQUERADE or SNAT rule/);
    expect(done).toMatch(/f: Masquerade/);
    expect(done).toContain('Egress: broken');
  });

  it('moves with j/k and arrows, opens a step with Enter, goes back with Esc', async () => {
    const { lastFrame, stdin } = start(fakeActions({ scenarios: ['no-masquerade'] }));
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis host.masquerade'), 'the diagnosis');
    // Enter with nothing selected opens the diagnosis.
    stdin.write(KEY.enter);
    let f = await frameWhere(lastFrame, (x) => x.includes('What was read:'), 'the detail');
    expect(f).toContain('host.masquerade: ');
    expect(f).toContain('Why it matters:');
    expect(f).toMatch(/iptables-nft -t nat -I POSTROUTING/);
    expect(f).toContain('Undo:');
    stdin.write(KEY.escape);
    await frameWhere(lastFrame, (x) => x.includes('Diagnosis host.masquerade'), 'back to the list');
    await tick(); // a lone ESC followed at once by a key would read as Meta+key
    // The first move starts from the diagnosis; k goes up one step.
    const [before, after] = neighbours('no-masquerade', 'host.masquerade');
    stdin.write('k');
    f = await frameWhere(lastFrame, (x) => new RegExp(`\\* \\S+\\s+${before}`).test(x), `${before} selected`);
    stdin.write(KEY.down);
    stdin.write(KEY.down);
    await frameWhere(lastFrame, (x) => new RegExp(`\\* \\S+\\s+${after}`).test(x), `${after} selected`);
    stdin.write(KEY.enter);
    f = await frameWhere(lastFrame, (x) => x.includes(`${after}: `), `the ${after} detail`);
    expect(f).toContain('What was read:');
  });

  it('f shows the commands and asks; y applies and re-checks live', async () => {
    const actions = fakeActions({ scenarios: ['no-masquerade', 'healthy'] });
    const { lastFrame, stdin } = start(actions);
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis host.masquerade'), 'the diagnosis');
    stdin.write('f');
    const prompt = await frameWhere(lastFrame, (f) => f.includes('Apply these commands? [y/N]'), 'the fix prompt');
    expect(prompt).toMatch(/iptables-nft -t nat -I POSTROUTING -s 10\.77\.0\.0\/16/);
    // The whole command is shown, never cut off.
    expect(prompt.replace(/ \\\n\s+/g, ' ')).toContain('-m comment --comment netdoctor -j MASQUERADE');
    // Asking is not doing: the status line does not claim a fix is under way.
    expect(prompt).toContain('nothing changes until you answer');
    expect(prompt).not.toContain('fixing host.masquerade');
    stdin.write('y');
    const after = await frameWhere(lastFrame, (f) => f.includes('Healthy:'), 'the healthy re-check');
    expect(after).toContain('Egress: ok');
    expect(after).toMatch(/applied the fix for host\.masquerade/);
    expect(actions.calls).toEqual(['diagnose no-masquerade', 'fix host.masquerade', 'confirm true', 'diagnose healthy']);
  });

  it('f then n applies nothing and does not re-check', async () => {
    const actions = fakeActions({ scenarios: ['no-masquerade', 'healthy'] });
    const { lastFrame, stdin } = start(actions);
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis host.masquerade'), 'the diagnosis');
    stdin.write('f');
    await frameWhere(lastFrame, (f) => f.includes('[y/N]'), 'the prompt');
    stdin.write('n');
    await frameWhere(lastFrame, (f) => f.includes('not applied'), 'not applied');
    expect(lastFrame()).toContain('Diagnosis host.masquerade');
    expect(actions.calls).toEqual(['diagnose no-masquerade', 'fix host.masquerade', 'confirm false']);
  });

  it('f on a selected step without a fix says so', async () => {
    const actions = fakeActions({ scenarios: ['no-masquerade'] });
    const { lastFrame, stdin } = start(actions);
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis host.masquerade'), 'the diagnosis');
    // The step above the diagnosis passes: nothing to fix there.
    const [before] = neighbours('no-masquerade', 'host.masquerade');
    stdin.write('k');
    await frameWhere(lastFrame, (x) => new RegExp(`\\* ok\\s+${before}`).test(x), `${before} selected`);
    stdin.write('f');
    await frameWhere(lastFrame, (f) => f.includes(`${before}: no automatic fix`), 'no fix message');
    expect(actions.calls).toEqual(['diagnose no-masquerade']);
  });

  it('a, u and r drive fix-all, undo and re-run', async () => {
    const actions = fakeActions({ scenarios: ['no-masquerade', 'healthy', 'no-masquerade', 'no-masquerade'] });
    const { lastFrame, stdin } = start(actions);
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis host.masquerade'), 'the diagnosis');
    stdin.write('a');
    await frameWhere(lastFrame, (f) => f.includes('Fix everything? [y/N]'), 'the fix-all prompt');
    stdin.write('y');
    await frameWhere(lastFrame, (f) => f.includes('Healthy:'), 'healthy after fix-all');
    stdin.write('u');
    await frameWhere(lastFrame, (f) => f.includes('Undo these fixes? [y/N]'), 'the undo prompt');
    stdin.write('y');
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis host.masquerade'), 'broken again after undo');
    stdin.write('r');
    await frameWhere(lastFrame, () => actions.calls.length === 6, 'the re-run');
    expect(actions.calls).toEqual(['diagnose no-masquerade', 'fixAll', 'diagnose healthy', 'undo', 'diagnose no-masquerade', 'diagnose no-masquerade']);
  });

  it('? shows the keys; any key closes them', async () => {
    const { lastFrame, stdin } = start(fakeActions({ scenarios: ['healthy'] }));
    await frameWhere(lastFrame, (f) => f.includes('Healthy:'), 'healthy');
    stdin.write('?');
    const help = await frameWhere(lastFrame, (f) => f.includes('Any key closes this help.'), 'the keys');
    for (const k of ['Enter', 'f ', 'a ', 'u ', 'r ', 'c ', 'q ']) expect(help).toContain(`  ${k}`);
    stdin.write('x');
    await frameWhere(lastFrame, (f) => f.includes('Healthy:'), 'back to the list');
  });

  it('c says why when the capture is off', async () => {
    const { lastFrame, stdin } = start(fakeActions({ scenarios: ['no-masquerade'], capture: { available: false, reason: 'not built in' } }));
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis'), 'the diagnosis');
    stdin.write('c');
    await frameWhere(lastFrame, (f) => f.includes('no capture: not built in'), 'the reason');
  });

  it('c shows the live packet path with counts updating, and stops it again', async () => {
    const capture = fakeCapture();
    const { lastFrame, stdin } = start(fakeActions({ scenarios: ['no-masquerade'], capture }));
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis'), 'the diagnosis');
    stdin.write('c');
    await frameWhere(lastFrame, (f) => f.includes('Starting the capture'), 'the capture starting');
    const hops = (n: number, after: number | null) => ({
      hops: [
        { id: 'namespace', label: 'namespace box7 (ceth)', count: n, note: 'src 10.1.0.2' },
        { id: 'uplink', label: 'uplink up9', count: after, note: after ? 'src 203.0.113.2' : '' },
      ],
      sourceBefore: '10.1.0.2',
      sourceAfter: null,
      verdict: null,
      running: true,
    });
    capture.push(hops(3, 0));
    await frameWhere(lastFrame, (f) => /\s3\s+-\s+namespace box7/.test(f), 'count 3');
    capture.push(hops(7, 0));
    const f = await frameWhere(lastFrame, (x) => /\s7\s+-\s+namespace box7/.test(x), 'count 7');
    expect(f).toContain('source 10.1.0.2 before NAT, not seen after');
    stdin.write('c');
    await frameWhere(lastFrame, (x) => x.includes('Diagnosis host.masquerade'), 'back to the list');
    expect(capture.stopped).toBe(1);
  });

  it('c in another view shows the capture still running; once it finished, c starts a fresh one', async () => {
    const capture = fakeCapture();
    const { lastFrame, stdin } = start(fakeActions({ scenarios: ['no-masquerade'], capture }));
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis'), 'the diagnosis');
    stdin.write('c');
    await frameWhere(lastFrame, (f) => f.includes('Starting the capture'), 'the capture starting');
    await frameWhere(lastFrame, () => capture.started === 1, 'the capture started');
    const view = (running: boolean, n: number) => ({ hops: [{ id: 'bridge', label: 'bridge brx', count: n }], sourceBefore: '10.1.0.2', sourceAfter: null, verdict: null, running, status: running ? 'capturing' : 'pinged' });
    capture.push(view(true, 2));
    await frameWhere(lastFrame, (f) => /2\s+-\s+bridge brx/.test(f), 'count 2');
    // Enter opens the diagnosis' detail; c brings the running capture back, not a new one.
    stdin.write(KEY.enter);
    await frameWhere(lastFrame, (f) => f.includes('What was read:'), 'the detail');
    stdin.write('c');
    await frameWhere(lastFrame, (f) => /2\s+-\s+bridge brx/.test(f), 'the same capture');
    expect(capture.started).toBe(1);
    capture.push(view(false, 3));
    await frameWhere(lastFrame, (f) => f.includes('Packet path: pinged'), 'the finished capture');
    stdin.write('c'); // closes the panel
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis host.masquerade'), 'back to the list');
    stdin.write('c'); // a fresh capture
    await frameWhere(lastFrame, (f) => f.includes('Starting the capture'), 'a new capture starting');
    await frameWhere(lastFrame, () => capture.started === 2, 'a second capture');
  });

  it('r stops the capture before it re-checks', async () => {
    const capture = fakeCapture();
    const actions = fakeActions({ scenarios: ['no-masquerade'], capture });
    const { lastFrame, stdin } = start(actions);
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis'), 'the diagnosis');
    stdin.write('c');
    await frameWhere(lastFrame, () => capture.started === 1, 'the capture started');
    stdin.write('r');
    await frameWhere(lastFrame, () => actions.calls.filter((c) => c.startsWith('diagnose')).length === 2, 'the re-run');
    expect(capture.stopped).toBe(1);
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis host.masquerade'), 'the checklist again');
  });

  it('starts the capture by itself when the passive steps pass but the ping fails', async () => {
    const capture = fakeCapture();
    const { lastFrame } = start(fakeActions({ scenarios: ['healthy+noreply'], capture }));
    await frameWhere(lastFrame, (f) => f.includes('Starting the capture'), 'the automatic capture');
    capture.push({ hops: [{ id: 'uplink', label: 'uplink up0', count: 4 }], sourceBefore: '10.77.0.2', sourceAfter: '203.0.113.2', verdict: 'replies never come back', running: true });
    const f = await frameWhere(lastFrame, (x) => x.includes('replies never come back'), 'the verdict');
    expect(f).toContain('source 10.77.0.2 before NAT, 203.0.113.2 after');
  });

  it('does not start the capture by itself for a diagnosed step', async () => {
    const capture = fakeCapture();
    const actions = fakeActions({ scenarios: ['no-masquerade'], capture });
    const { lastFrame } = start(actions);
    await frameWhere(lastFrame, (f) => f.includes('Diagnosis host.masquerade'), 'the diagnosis');
    await tick(50);
    expect(lastFrame()).not.toContain('Packet path');
    expect(lastFrame()).not.toContain('Starting the capture');
  });

  it('q quits and stops the capture', async () => {
    const capture = fakeCapture();
    let quit = 0;
    const actions = fakeActions({ scenarios: ['no-masquerade'], capture });
    current = render(<App actions={actions} target={target} theme={PLAIN_THEME} onQuit={() => quit++} />);
    await frameWhere(current.lastFrame, (f) => f.includes('Diagnosis'), 'the diagnosis');
    current.stdin.write('c');
    await tick();
    current.stdin.write('q');
    await frameWhere(current.lastFrame, () => quit === 1, 'quit');
    expect(capture.stopped).toBe(1);
  });
});
