// The first frame, written before Ink has loaded (loading Ink takes a few hundred ms on a
// busy machine): the header and every step as "checking". Ink's first render replaces it.
// Pure: a string for the terminal's size.
import { STEP_IDS } from '../diagnosis/steps.js';
import { escapeControl } from '../report/escape.js';

/** Clear the screen and home the cursor, so the frame and then Ink start at the top. */
export const CLEAR = '\x1b[2J\x1b[H';

export function preFrame(ns: string, columns: number, rows: number): string {
  const width = Math.max(20, columns - 1);
  const cut = (s: string) => (s.length > width ? `${s.slice(0, width - 1)}…` : s);
  const room = Math.max(1, rows - 4);
  const ids = STEP_IDS.length > room ? [...STEP_IDS.slice(0, room - 1), `… ${STEP_IDS.length - room + 1} more`] : [...STEP_IDS];
  const lines = [`netdoctor ${escapeControl(ns)}`, ...ids.map((id) => (id.startsWith('…') ? `  ${id}` : `  ...  ${id.padEnd(17)}  checking…`)), '', 'loading…'];
  return lines.map(cut).join('\n');
}
