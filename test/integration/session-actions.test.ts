// The session's actions (src/session/actions.ts over the journaled engine, with the prompts of
// fix-wiring.ts) against a real lab with two faults and names that are not the tutorial's: what
// the keys a, r and u do, without the terminal. `a` asks once, showing every fix in order, and
// fixes both faults in one journaled run (a real ping then gets through); `r` re-checks live;
// `u` shows the exact lines that revert that run and reverts both; declining, a step that is
// not failing and an empty journal change nothing. Quitting while a fix waits for its answer
// applies nothing. The lab and the temporary state directory are removed even on failure.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionActions } from '../../src/session/actions.js';
import type { ActionEvent, Confirm, FixOffer, LiveReport } from '../../src/session/types.js';
import { TARGET, integrationSkipReason, labDown, labUp, pingFromNs, randomLabOptions } from './helpers.js';
import { labState } from './fix-helpers.js';

const skip = integrationSkipReason();

/** Forwarding off and no MASQUERADE: two of the tutorial's steps missing, found in that order. */
const TWO_FAULTS = {
  id: 'two-faults',
  title: 'Forwarding off and no MASQUERADE',
  story: 'Two steps skipped: the session fixes both with a.',
  expect: { diagnosis: 'host.ip-forward', warn: [], egress: 'broken' },
  fixable: true,
  omit: ['host.ip-forward', 'host.masquerade'],
  extra: [{ in: 'host', argv: ['sysctl', '-w', 'net.ipv4.ip_forward=0'] }],
};

describe.skipIf(skip !== null)("the session's actions against a real lab", () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  });

  async function setUp() {
    const dir = mkdtempSync(join(tmpdir(), 'ndt-session-actions-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const scenarioFile = join(dir, 'two-faults.json');
    writeFileSync(scenarioFile, JSON.stringify(TWO_FAULTS));
    const opts = randomLabOptions();
    cleanups.push(() => labDown(opts.prefix));
    const lab = await labUp(scenarioFile, opts);
    const stateDir = join(dir, 'state');
    const actions = createSessionActions({
      input: { ns: lab.names.containerNs, hostNs: lab.names.hostNs, bridge: null, target: TARGET },
      probe: true,
      capture: false,
      env: { ...process.env, NETDOCTOR_STATE_DIR: stateDir },
    });
    const runs = () => {
      try {
        return readdirSync(join(stateDir, 'runs')).filter((n) => n.endsWith('.json'));
      } catch {
        return [];
      }
    };
    return { lab, opts, actions, runs, spaces: [lab.names.hostNs, lab.names.containerNs] };
  }

  /** A prompt that records what it was shown and answers `yes`. */
  function prompt(yes: boolean) {
    const asked: { offers: FixOffer[]; question: string }[] = [];
    const confirm: Confirm = async (offers, question) => {
      asked.push({ offers, question });
      return yes;
    };
    return { asked, confirm };
  }

  it('a fixes both faults in one journaled run after one question; r re-checks live; u reverts the run exactly', async () => {
    const { lab, opts, actions, runs, spaces } = await setUp();
    const log: ActionEvent[] = [];
    const onEvent = (e: ActionEvent) => log.push(e);

    const first = await actions.diagnose(() => undefined);
    expect(first.report?.diagnosis?.step).toBe('host.ip-forward');
    expect(first.steps.find((s) => s.id === 'host.masquerade')?.status).toBe('fail');
    const broken = await labState(spaces);

    // f on a step that passes: nothing to fix, nothing asked.
    const passing = prompt(true);
    const notFailing = await actions.fix(['bridge.exists'], passing.confirm, onEvent);
    expect(notFailing.changed).toBe(false);
    expect(notFailing.message).toMatch(/nothing to fix: bridge\.exists is not failing \(pass\)/);
    expect(passing.asked).toEqual([]);

    // a, declined: shown both fixes in order, changes nothing, journals nothing applied.
    const no = prompt(false);
    const declined = await actions.fixAll(no.confirm, onEvent);
    expect(declined.changed).toBe(false);
    expect(no.asked).toHaveLength(1);
    expect(no.asked[0]!.offers.map((o) => o.stepId)).toEqual(['host.ip-forward', 'host.masquerade']);
    expect(await labState(spaces)).toEqual(broken);
    expect(await pingFromNs(lab.names.containerNs)).toBe(false);

    // a, accepted: one question, both fixed, one run in the journal.
    const yes = prompt(true);
    const fixed = await actions.fixAll(yes.confirm, onEvent);
    expect(yes.asked).toHaveLength(1);
    expect(fixed.changed).toBe(true);
    expect(fixed.message).toMatch(/applied the fix for host\.ip-forward, host\.masquerade/);
    expect(runs()).toHaveLength(1);
    const commands = log.map((e) => e.text).join('\n');
    expect(commands).toContain('net.ipv4.ip_forward=1');
    expect(commands).toContain(`-s ${opts.subnet} -o ${opts.uplink}`);

    // r: a fresh diagnosis, live (several updates), healthy; a real ping agrees.
    const updates: LiveReport[] = [];
    const after = await actions.diagnose((l) => updates.push(l));
    expect(updates.length).toBeGreaterThan(1);
    expect(updates.some((u) => u.report === null)).toBe(true);
    expect(after.report?.diagnosis).toBeNull();
    expect(after.report?.egress).toBe('ok');
    expect(await pingFromNs(lab.names.containerNs)).toBe(true);

    // u: the prompt shows the exact lines that revert both changes; y reverts them.
    const undoPrompt = prompt(true);
    const undone = await actions.undo(undoPrompt.confirm, onEvent);
    expect(undone.changed).toBe(true);
    const lines = undoPrompt.asked[0]!.offers[0]!.plan.commands.map((c) => c.join(' '));
    expect(lines.some((l) => l.includes('net.ipv4.ip_forward=0'))).toBe(true);
    expect(lines.some((l) => l.includes('-D POSTROUTING') && l.includes(opts.subnet))).toBe(true);
    expect(await labState(spaces)).toEqual(broken);
    const again = await actions.diagnose(() => undefined);
    expect(again.report?.diagnosis?.step).toBe('host.ip-forward');
    expect(await pingFromNs(lab.names.containerNs)).toBe(false);

    // u with nothing left to undo: says so, asks nothing.
    const nothing = prompt(true);
    const empty = await actions.undo(nothing.confirm, onEvent);
    expect(empty.changed).toBe(false);
    expect(nothing.asked).toEqual([]);
  }, 120_000);

  it('quitting while f waits for its answer applies nothing, even when the answer is yes', async () => {
    const { lab, actions, spaces } = await setUp();
    await actions.diagnose(() => undefined);
    const broken = await labState(spaces);
    // q arrives while the prompt is up: the session shuts the actions down, then the prompt
    // resolves (the UI answers an open prompt when it unmounts).
    let shutdown: Promise<void> | null = null;
    const confirm: Confirm = async () => {
      shutdown = actions.shutdown();
      return true;
    };
    const out = await actions.fix(['host.ip-forward'], confirm, () => undefined);
    await shutdown;
    expect(out.message).toBe('interrupted; everything this run applied was rolled back');
    expect(await labState(spaces)).toEqual(broken);
    expect(await pingFromNs(lab.names.containerNs)).toBe(false);
  }, 90_000);
});
