// The glue between the session's keys and the journaled fix engine: which steps `f` may fix,
// who is asked what, how the engine's events and results read in the session's log.
import { describe, expect, it } from 'vitest';
import type { FixRunResult } from '../../../src/fixes/apply.js';
import type { RunRecord } from '../../../src/fixes/journal.js';
import type { Report, StepResult } from '../../../src/model/result.js';
import { ALL_QUESTION, APPLY_QUESTION, confirmAll, confirmChosen, fixableSteps, fixEventToLog, fixOutcome, undoOffer, undoOutcome, UNDO_QUESTION } from '../../../src/session/fix-wiring.js';
import type { FixOffer } from '../../../src/session/types.js';
import { liveSequence } from '../../ui/fake-actions.js';

const reportOf = (id: string): Report => liveSequence(id).at(-1)!.report!;
const step = (r: Report, id: string): StepResult => r.steps.find((s) => s.id === id)!;

/** no-masquerade with ip_forward failing too: two fixes, in dependency order. */
function twoFaults(): Report {
  const r = structuredClone(reportOf('no-masquerade'));
  const fwd = step(reportOf('ip-forward-off'), 'host.ip-forward');
  r.steps = r.steps.map((s) => (s.id === 'host.ip-forward' ? structuredClone(fwd) : s));
  return r;
}

function recordingAsk(answer: boolean) {
  const asked: { offers: FixOffer[]; question: string }[] = [];
  const ask = async (offers: FixOffer[], question: string) => {
    asked.push({ offers, question });
    return answer;
  };
  return { asked, ask };
}

describe('which steps a key may fix', () => {
  it('only failing steps with commands; says why not otherwise', () => {
    const r = reportOf('no-masquerade');
    expect(fixableSteps(r, ['host.masquerade'])).toEqual({ ok: ['host.masquerade'], why: null });
    expect(fixableSteps(r, ['netns.exists']).why).toMatch(/netns\.exists is not failing \(pass\)/);
    expect(fixableSteps(r, ['egress.ping']).why).toMatch(/egress\.ping is failing without an automatic fix/);
    expect(fixableSteps(null, ['host.masquerade']).why).toMatch(/wait/);
  });
});

describe('confirm callbacks in front of the engine', () => {
  it('f asks about the chosen step only, with the plan the engine proposes', async () => {
    const r = twoFaults();
    const { asked, ask } = recordingAsk(true);
    const confirm = confirmChosen(['host.masquerade'], ask);
    const fwd = step(r, 'host.ip-forward');
    const masq = step(r, 'host.masquerade');
    expect(await confirm(fwd, fwd.fix!)).toBe(false);
    expect(asked).toEqual([]);
    expect(await confirm(masq, masq.fix!)).toBe(true);
    expect(asked).toEqual([{ offers: [{ stepId: 'host.masquerade', plan: masq.fix }], question: APPLY_QUESTION }]);
  });

  it('f passes the user\'s no through', async () => {
    const r = reportOf('no-masquerade');
    const { ask } = recordingAsk(false);
    const masq = step(r, 'host.masquerade');
    expect(await confirmChosen(['host.masquerade'], ask)(masq, masq.fix!)).toBe(false);
  });

  it('a asks once, showing every fix in order, and the answer holds for the whole run', async () => {
    const r = twoFaults();
    for (const answer of [true, false]) {
      const { asked, ask } = recordingAsk(answer);
      const confirm = confirmAll(r, ask);
      const fwd = step(r, 'host.ip-forward');
      const masq = step(r, 'host.masquerade');
      expect(await confirm(fwd, fwd.fix!)).toBe(answer);
      expect(await confirm(masq, masq.fix!)).toBe(answer);
      expect(asked).toHaveLength(1);
      expect(asked[0]!.question).toBe(ALL_QUESTION);
      expect(asked[0]!.offers.map((o) => o.stepId)).toEqual(['host.ip-forward', 'host.masquerade']);
    }
  });
});

describe('engine events as log lines', () => {
  const masq = step(reportOf('no-masquerade'), 'host.masquerade');
  it('proposals and declines only for the steps asked about', () => {
    expect(fixEventToLog({ type: 'propose', step: masq, plan: masq.fix! }, () => false)).toEqual([]);
    expect(fixEventToLog({ type: 'declined', step: masq.id }, () => false)).toEqual([]);
    expect(fixEventToLog({ type: 'propose', step: masq, plan: masq.fix! }, () => true)).toEqual([{ level: 'info', text: `fix host.masquerade: ${masq.fix!.title}` }]);
  });
  it('commands as a shell would quote them; failures and rollbacks as errors; names escaped', () => {
    const argv = ['iptables', '-t', 'nat', '-I', 'POSTROUTING', '-m', 'comment', '--comment', 'netdoctor', '-j', 'MASQUERADE'];
    expect(fixEventToLog({ type: 'command-done', step: masq.id, argv, ok: true }, () => true)).toEqual([{ level: 'ok', text: `done ${argv.join(' ')}` }]);
    expect(fixEventToLog({ type: 'command-done', step: masq.id, argv, ok: false, error: 'exit 4' }, () => true)).toEqual([{ level: 'error', text: 'FAILED exit 4' }]);
    expect(fixEventToLog({ type: 'rollback' }, () => true)).toEqual([{ level: 'error', text: 'Rolling back what this run applied:' }]);
    expect(fixEventToLog({ type: 'revert-command', argv: ['ip', 'link', 'del', 'x y'], ok: true }, () => true)).toEqual([{ level: 'ok', text: "undone ip link del 'x y'" }]);
    const [w] = fixEventToLog({ type: 'warning', message: 'bad \x1b[31mname' }, () => true);
    expect(w!.level).toBe('error');
    expect(w!.text).not.toContain('\x1b');
    expect(fixEventToLog({ type: 'rediagnose', report: reportOf('healthy') }, () => true)).toEqual([]);
  });
});

describe('results as the session outcome', () => {
  const base: FixRunResult = { outcome: 'healthy', before: reportOf('no-masquerade'), after: reportOf('healthy'), runId: 'R1', applied: [], declined: [], unfixable: [], warnings: [], message: 'm' };
  const applied = [{ step: 'host.masquerade' as const, title: 't', commands: [['iptables']], existing: [] }];
  it('changed (so the session re-checks) only when the system may have changed', () => {
    expect(fixOutcome({ ...base, outcome: 'nothing-to-do' })).toEqual({ changed: false, message: 'nothing to fix' });
    expect(fixOutcome({ ...base, outcome: 'refused', message: 'namespace x is not the one diagnosed' })).toEqual({ changed: false, message: 'namespace x is not the one diagnosed; re-run the check (r) first' });
    expect(fixOutcome({ ...base, outcome: 'broken', runId: null, declined: ['host.masquerade'] })).toEqual({
      changed: false,
      message: 'nothing changed: you declined the fix for host.masquerade',
    });
    expect(fixOutcome({ ...base, outcome: 'broken', runId: null, unfixable: [{ step: 'host.uplink', summary: 'no route' }] })).toEqual({
      changed: false,
      message: 'nothing changed: no automatic fix for host.uplink',
    });
    expect(fixOutcome({ ...base, outcome: 'rolled-back', message: 'rolled back' })).toEqual({ changed: true, message: 'rolled back' });
    expect(fixOutcome({ ...base, applied })).toEqual({ changed: true, message: 'applied the fix for host.masquerade; re-checking (u undoes it)' });
    expect(fixOutcome({ ...base, outcome: 'broken', applied, unfixable: [{ step: 'host.uplink', summary: 's' }] }).message).toBe('applied the fix for host.masquerade; no automatic fix for host.uplink; re-checking (u undoes it)');
  });

  it('undo: the journaled run and its exact undo lines are what the prompt shows', () => {
    const run: RunRecord = {
      schemaVersion: 1,
      id: '20261128T160000000Z-1',
      startedAt: '2026-11-28T16:00:00.000Z',
      updatedAt: '2026-11-28T16:00:00.000Z',
      status: 'applied',
      target: { ns: 'ns\x1b9', hostNs: null, bridge: null, probe: '198.51.100.1' },
      identity: { ns: null, hostNs: null },
      entries: [{ kind: 'command', step: 'host.masquerade', title: 't', argv: ['a'], undo: [['b']], status: 'done', at: '' }],
      trial: null,
    };
    const offer = undoOffer(run, [['b']]);
    expect(offer.stepId).toBe('undo host.masquerade');
    expect(offer.plan.commands).toEqual([['b']]);
    expect(offer.plan.title).not.toContain('\x1b');
    expect(UNDO_QUESTION).toMatch(/Undo/);
    expect(undoOutcome({ outcome: 'undone', run, message: 'undid run R' })).toEqual({ changed: true, message: 'undid run R; re-checking' });
    expect(undoOutcome({ outcome: 'declined', run, message: 'x' })).toEqual({ changed: false, message: 'undo cancelled' });
    expect(undoOutcome({ outcome: 'nothing', run: null, message: 'nothing to undo' })).toEqual({ changed: false, message: 'nothing to undo' });
    expect(undoOutcome({ outcome: 'refused', run, message: 'refusing' })).toEqual({ changed: false, message: 'refusing' });
    expect(undoOutcome({ outcome: 'failed', run, message: 'some failed' }).changed).toBe(true);
  });
});
