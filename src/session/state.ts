// The interactive session's state and its transitions: pure, so every key's effect is a
// unit of data in, data out. The UI hook (src/ui/hooks/use-session.ts) holds this state,
// runs the actions, and renders; nothing here touches the system or imports Ink.
import { allRunning, type LiveReport } from '../diagnosis/live.js';
import type { ActionEvent, FixOffer, PathView } from './types.js';

export type View = 'list' | 'detail' | 'help' | 'path';

export interface LogLine extends ActionEvent {
  id: number;
}

export interface SessionState {
  live: LiveReport;
  /** A diagnosis is running. */
  diagnosing: boolean;
  /** Index into live.steps; null: nothing selected (then `f` and Enter mean the diagnosis). */
  selected: number | null;
  view: View;
  /** A question waiting for y/n (a fix or an undo about to run). */
  prompt: { offers: FixOffer[]; question: string } | null;
  /** What is running now besides diagnosis (fixing, undoing), shown in the status line. */
  busy: string | null;
  /** Finished actions, oldest first; rendered once each (Ink's <Static>). */
  log: LogLine[];
  path: PathView | null;
  /** Capture was started automatically once for this diagnosis (so closing it sticks). */
  autoCaptured: boolean;
}

export type SessionEvent =
  | { type: 'diagnose-start' }
  | { type: 'live'; live: LiveReport }
  | { type: 'diagnose-done'; live: LiveReport }
  | { type: 'move'; delta: number }
  | { type: 'select'; index: number | null }
  | { type: 'view'; view: View }
  | { type: 'back' }
  | { type: 'prompt'; offers: FixOffer[]; question: string }
  | { type: 'prompt-answered' }
  | { type: 'busy'; text: string | null }
  | { type: 'log'; event: ActionEvent }
  | { type: 'path'; path: PathView | null; auto?: boolean };

export function initialState(): SessionState {
  return { live: allRunning(), diagnosing: false, selected: null, view: 'list', prompt: null, busy: null, log: [], path: null, autoCaptured: false };
}

/** The step `f` and Enter act on: the selected one, else the diagnosis (null when healthy). */
export function focusIndex(state: SessionState): number | null {
  if (state.selected !== null) return state.selected;
  const diag = (state.live.report ?? state.live.verdict)?.diagnosis?.step;
  if (!diag) return null;
  const i = state.live.steps.findIndex((s) => s.id === diag);
  return i >= 0 ? i : null;
}

export function reduce(state: SessionState, ev: SessionEvent): SessionState {
  switch (ev.type) {
    case 'diagnose-start':
      return { ...state, diagnosing: true, autoCaptured: false };
    case 'live':
      return { ...state, live: ev.live };
    case 'diagnose-done':
      return { ...state, live: ev.live, diagnosing: false };
    case 'move': {
      const n = state.live.steps.length;
      if (!n) return state;
      // The first move starts from the diagnosis, where the user's attention already is.
      const from = state.selected ?? focusIndex(state);
      const next = from === null ? (ev.delta > 0 ? 0 : n - 1) : from + ev.delta;
      return { ...state, selected: Math.max(0, Math.min(n - 1, next)) };
    }
    case 'select':
      return { ...state, selected: ev.index };
    case 'view':
      return { ...state, view: ev.view };
    case 'back':
      // Esc: out of a detail or overlay first; in the list, drop the selection.
      return state.view === 'list' ? { ...state, selected: null } : { ...state, view: 'list' };
    case 'prompt':
      return { ...state, prompt: { offers: ev.offers, question: ev.question } };
    case 'prompt-answered':
      return { ...state, prompt: null };
    case 'busy':
      return { ...state, busy: ev.text };
    case 'log': {
      const id = (state.log.at(-1)?.id ?? 0) + 1;
      return { ...state, log: [...state.log, { ...ev.event, id }] };
    }
    case 'path':
      // Updates never pull the user away from what they look at; opening the view is `view`.
      return { ...state, path: ev.path, view: !ev.path && state.view === 'path' ? 'list' : state.view, autoCaptured: state.autoCaptured || !!ev.auto };
  }
}

/** When the passive steps all pass and only the ping fails, the capture shows where packets die. */
export function wantsAutoCapture(live: LiveReport): boolean {
  return live.report?.diagnosis?.step === 'egress.ping';
}
