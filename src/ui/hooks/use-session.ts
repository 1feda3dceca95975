// The session's logic over the core: holds the state (src/session/state.ts), runs the
// actions it was given, turns keys into events. Components only render what this returns.
import { useCallback, useEffect, useReducer, useRef } from 'react';
import type { Key } from 'ink';
import { focusIndex, initialState, reduce, wantsAutoCapture, type SessionEvent, type SessionState } from '../../session/state.js';
import type { ActionEvent, ActionOutcome, Confirm, SessionActions } from '../../session/types.js';
import { splitKeys } from './type-ahead.js';

export interface SessionControls {
  state: SessionState;
  onKey(input: string, key: Key): void;
}

export function useSession(actions: SessionActions, onQuit: () => void): SessionControls {
  // Start from a diagnosis already under way (prefetched while Ink loaded), not from "running".
  const [state, react] = useReducer(reduce, undefined, () => {
    const live = actions.peek?.();
    return live ? reduce(initialState(), { type: 'live', live }) : initialState();
  });
  // The state as of the last event, ahead of React's render: keys that arrive in one chunk
  // ("jj\r") are handled in one batch, and each must act on what the one before it did.
  const stateRef = useRef(state);
  const dispatch = useCallback((ev: SessionEvent) => {
    stateRef.current = reduce(stateRef.current, ev);
    react(ev);
  }, []);
  const generation = useRef(0);
  /** The diagnosis running now, if any: a key pressed before its last warn-only probe is in waits for it. */
  const checking = useRef<Promise<void> | null>(null);
  const answer = useRef<((yes: boolean) => void) | null>(null);
  const capture = useRef<{ stop(): Promise<void> } | null>(null);
  const mounted = useRef(true);
  /** `c` was pressed while the check was finishing: capture once it is done (unless closed meanwhile). */
  const captureAfterCheck = useRef(false);
  /** Set on q: no capture may start after it (its stop would never be awaited). */
  const quitting = useRef(false);

  const log = useCallback((event: ActionEvent) => mounted.current && dispatch({ type: 'log', event }), []);

  const stopCapture = useCallback(async () => {
    const c = capture.current;
    capture.current = null;
    if (c) await c.stop();
  }, []);

  const startCapture = useCallback(
    (auto: boolean) => {
      if (!actions.capture.available) {
        log({ level: 'error', text: `no capture: ${actions.capture.reason}` });
        return;
      }
      // One still running is shown again; a finished one is replaced by a fresh capture.
      if (capture.current && stateRef.current.path?.running) return dispatch({ type: 'view', view: 'path' });
      const previous = capture.current;
      capture.current = null;
      dispatch({ type: 'path', path: null });
      dispatch({ type: 'view', view: 'path' });
      const support = actions.capture;
      void (previous?.stop() ?? Promise.resolve()).then(() => {
        if (!mounted.current || quitting.current || capture.current) return;
        // Updates from a capture that has since been stopped or replaced are dropped.
        const slot: { stop(): Promise<void> } = { stop: async () => undefined };
        capture.current = slot;
        const handle = support.start((path) => mounted.current && capture.current === slot && dispatch({ type: 'path', path, auto }));
        slot.stop = () => handle.stop();
      });
    },
    [actions, log],
  );

  const diagnoseOnce = useCallback(async () => {
    const gen = ++generation.current;
    dispatch({ type: 'diagnose-start' });
    try {
      const live = await actions.diagnose((l) => mounted.current && gen === generation.current && dispatch({ type: 'live', live: l }));
      if (!mounted.current || gen !== generation.current) return;
      dispatch({ type: 'diagnose-done', live });
      if (wantsAutoCapture(live) && actions.capture.available && !stateRef.current.autoCaptured) startCapture(true);
    } catch (err) {
      if (!mounted.current) return;
      dispatch({ type: 'diagnose-done', live: stateRef.current.live });
      log({ level: 'error', text: `diagnosis failed: ${(err as Error).message}` });
    }
  }, [actions, log, startCapture]);

  const diagnose = useCallback((): Promise<void> => {
    const p = diagnoseOnce();
    checking.current = p;
    return p.finally(() => checking.current === p && (checking.current = null));
  }, [diagnoseOnce]);

  useEffect(() => {
    void diagnose();
    return () => {
      mounted.current = false;
      answer.current?.(false);
      void stopCapture();
    };
  }, []);

  // A prompt is a function that returns a Promise: the fix waits on the user's y/n.
  const confirm: Confirm = useCallback(
    (offers, question) =>
      new Promise<boolean>((resolve) => {
        answer.current = resolve;
        dispatch({ type: 'prompt', offers, question });
      }),
    [],
  );

  const act = useCallback(
    async (busy: string, run: () => Promise<ActionOutcome>) => {
      if (stateRef.current.busy) {
        log({ level: 'info', text: `wait: ${stateRef.current.busy}` });
        return;
      }
      // The diagnosis shows before its last warn-only probe (DNS) is in: wait for it, not refuse.
      if (stateRef.current.diagnosing && checking.current) {
        dispatch({ type: 'busy', text: `finishing the check, then ${busy}` });
        await checking.current;
        if (!mounted.current) return;
      }
      dispatch({ type: 'busy', text: busy });
      let outcome: ActionOutcome;
      try {
        outcome = await run();
      } catch (err) {
        outcome = { changed: false, message: `${busy.replace(/…$/, '')} failed: ${(err as Error).message}` };
      }
      if (!mounted.current) return;
      dispatch({ type: 'busy', text: null });
      log({ level: outcome.changed ? 'ok' : 'info', text: outcome.message });
      // Re-check live after anything changed, so the checklist shows the effect.
      if (outcome.changed) {
        await stopCapture();
        dispatch({ type: 'path', path: null });
        await diagnose();
      }
    },
    [diagnose, log, stopCapture],
  );

  const onOneKey = useCallback(
    (input: string, key: Key) => {
      const s = stateRef.current;
      if (s.prompt) {
        const yes = input === 'y' || input === 'Y';
        if (yes || input === 'n' || input === 'N' || key.escape || key.return || input === 'q' || (key.ctrl && input === 'c')) {
          const resolve = answer.current;
          answer.current = null;
          dispatch({ type: 'prompt-answered' });
          resolve?.(yes);
        }
        return;
      }
      if (s.view === 'help') {
        dispatch({ type: 'view', view: 'list' });
        return;
      }
      if (input === 'q' || (key.ctrl && input === 'c')) {
        quitting.current = true;
        void stopCapture().finally(onQuit);
        return;
      }
      if (key.upArrow || input === 'k') return dispatch({ type: 'move', delta: -1 });
      if (key.downArrow || input === 'j') return dispatch({ type: 'move', delta: 1 });
      if (key.escape || key.leftArrow || key.backspace) {
        if (s.view === 'path') void stopCapture();
        return dispatch({ type: 'back' });
      }
      if (key.return) {
        if (s.view === 'detail') return dispatch({ type: 'view', view: 'list' });
        const i = focusIndex(s);
        if (i === null) {
          if (!s.live.steps.length) return;
          dispatch({ type: 'select', index: 0 });
        } else dispatch({ type: 'select', index: i });
        return dispatch({ type: 'view', view: 'detail' });
      }
      if (input === '?') return dispatch({ type: 'view', view: 'help' });
      if (input === 'r') {
        if (s.busy || s.diagnosing) return;
        void stopCapture().then(() => {
          dispatch({ type: 'path', path: null });
          return diagnose();
        });
        return;
      }
      if (input === 'c') {
        if (s.view === 'path') {
          captureAfterCheck.current = false;
          void stopCapture();
          return dispatch({ type: 'view', view: 'list' });
        }
        // The diagnosis shows before its last warn-only probe is in; the capture follows what the
        // finished check found, so it starts once the check is done (the panel opens now).
        if (s.diagnosing && checking.current) {
          captureAfterCheck.current = true;
          dispatch({ type: 'view', view: 'path' });
          void checking.current.then(() => {
            if (!captureAfterCheck.current || !mounted.current || quitting.current) return;
            captureAfterCheck.current = false;
            startCapture(false);
          });
          return;
        }
        return startCapture(false);
      }
      if (input === 'f') {
        const i = focusIndex(s);
        const step = i === null ? undefined : s.live.steps[i];
        if (!step) return log({ level: 'info', text: 'nothing to fix: no step selected and no diagnosis' });
        if (!step.fix) return log({ level: 'info', text: `${step.id}: no automatic fix for this step (${step.status})` });
        void act(`fixing ${step.id}…`, () => actions.fix([step.id], confirm, log));
        return;
      }
      if (input === 'a') {
        void act('fixing everything…', () => actions.fixAll(confirm, log));
        return;
      }
      if (input === 'u') {
        void act('undoing…', () => actions.undo(confirm, log));
        return;
      }
    },
    [act, actions, confirm, diagnose, log, onQuit, startCapture, stopCapture],
  );

  // Keys typed ahead (before Ink listened) arrive as one chunk: take them one by one, in order,
  // each against the state as it stands then (a prompt one opens waits for keys typed after).
  const onKey = useCallback((input: string, key: Key) => {
    for (const [i, k] of splitKeys(input, key)) onOneKey(i, k);
  }, [onOneKey]);

  return { state, onKey };
}
