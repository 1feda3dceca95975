// The session's pure state: moves, selection, views, and when the capture starts by itself.
import { describe, expect, it } from 'vitest';
import { focusIndex, initialState, reduce, wantsAutoCapture, type SessionState } from '../../src/session/state.js';
import { liveSequence } from '../ui/fake-actions.js';

const done = (id: string): SessionState => reduce(initialState(), { type: 'diagnose-done', live: liveSequence(id).at(-1)! });

describe('session state', () => {
  it('focus is the selection, else the diagnosis, else nothing', () => {
    const s = done('no-masquerade');
    const diag = s.live.steps.findIndex((x) => x.id === 'host.masquerade');
    expect(focusIndex(s)).toBe(diag);
    expect(focusIndex(reduce(s, { type: 'select', index: 2 }))).toBe(2);
    expect(focusIndex(done('healthy'))).toBeNull();
  });

  it('moves start from the diagnosis and stop at the ends', () => {
    const s = done('no-masquerade');
    const diag = focusIndex(s)!;
    expect(reduce(s, { type: 'move', delta: -1 }).selected).toBe(diag - 1);
    let h = done('healthy');
    h = reduce(h, { type: 'move', delta: 1 });
    expect(h.selected).toBe(0);
    h = reduce(h, { type: 'move', delta: -1 });
    expect(h.selected).toBe(0);
    for (let i = 0; i < 40; i++) h = reduce(h, { type: 'move', delta: 1 });
    expect(h.selected).toBe(h.live.steps.length - 1);
  });

  it('Esc leaves a view first, then clears the selection', () => {
    let s = reduce(reduce(done('no-masquerade'), { type: 'select', index: 1 }), { type: 'view', view: 'detail' });
    s = reduce(s, { type: 'back' });
    expect([s.view, s.selected]).toEqual(['list', 1]);
    s = reduce(s, { type: 'back' });
    expect(s.selected).toBeNull();
  });

  it('path updates never switch the view; clearing the path leaves the path view', () => {
    const path = { hops: [], sourceBefore: null, sourceAfter: null, verdict: null, running: true };
    let s = reduce(done('no-masquerade'), { type: 'path', path });
    expect(s.view).toBe('list');
    s = reduce(reduce(s, { type: 'view', view: 'path' }), { type: 'path', path: null });
    expect(s.view).toBe('list');
  });

  it('the capture starts by itself only when the ping is the diagnosis', () => {
    expect(wantsAutoCapture(done('no-masquerade').live)).toBe(false);
    expect(wantsAutoCapture(done('healthy').live)).toBe(false);
    const live = done('no-masquerade').live;
    const egressOnly = { ...live, report: { ...live.report!, diagnosis: { step: 'egress.ping' as const, summary: 'x' } } };
    expect(wantsAutoCapture(egressOnly)).toBe(true);
  });
});
