// The first frame, written before Ink has loaded (loading Ink takes a few hundred ms on a
// busy machine): the header and every step as "checking", redrawn with each verdict as the
// diagnosis (started first) comes in, so the finished checklist is on screen before Ink is.
// Ink's first render replaces it. Pure: a string for the terminal's size.
import type { LiveStep, Verdict } from '../diagnosis/live.js';
import { STEP_IDS } from '../diagnosis/steps.js';
import { escapeControl } from '../report/escape.js';

const WORD: Record<LiveStep['status'], string> = { pass: 'ok', fail: 'FAIL', warn: 'warn', skip: 'skip', error: 'ERR', running: '...' };

/** Clear the screen and home the cursor, so the frame and then Ink start at the top. */
export const CLEAR = '\x1b[2J\x1b[H';

export function preFrame(ns: string, columns: number, rows: number, steps: readonly LiveStep[] = [], verdict: Verdict | null = null): string {
  const width = Math.max(20, columns - 1);
  const cut = (s: string) => (s.length > width ? `${s.slice(0, width - 1)}…` : s);
  const room = Math.max(1, rows - 4);
  const ids = STEP_IDS.length > room ? [...STEP_IDS.slice(0, room - 1), `… ${STEP_IDS.length - room + 1} more`] : [...STEP_IDS];
  const byId = new Map(steps.map((s) => [s.id as string, s]));
  const line = (id: string) => {
    const step = byId.get(id);
    if (!step || step.status === 'running') return `  ...  ${id.padEnd(17)}  checking…`;
    return `  ${WORD[step.status].padEnd(4)} ${id.padEnd(17)}  ${escapeControl(step.summary)}`;
  };
  // The diagnosis, as soon as it is final: the user reads it before Ink has even loaded.
  const diagnosis = verdict?.diagnosis ? `Diagnosis ${verdict.diagnosis.step}: ${escapeControl(verdict.diagnosis.summary)}` : verdict ? `No fault found (egress ${verdict.egress})` : '';
  const lines = [`netdoctor ${escapeControl(ns)}`, ...ids.map((id) => (id.startsWith('…') ? `  ${id}` : line(id))), diagnosis, 'loading…'];
  return lines.map(cut).join('\n');
}
