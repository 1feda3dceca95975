// Keys typed before Ink was listening (held by the terminal, see commands/tty-keys.ts) reach
// Ink as one chunk, which it hands over as one multi-character "input": "jjf" would match no
// key. Split such a chunk into the key presses it was made of. Pure.
import type { Key } from 'ink';

/** Control bytes a key press can be, in raw mode, as Ink would report them alone. */
function keyOf(ch: string, base: Key): [string, Key] {
  const plain: Key = { ...base, ctrl: false, meta: false, shift: false, return: false, escape: false, backspace: false, delete: false, tab: false };
  if (ch === '\r' || ch === '\n') return ['', { ...plain, return: true }];
  if (ch === '\t') return ['', { ...plain, tab: true }];
  if (ch === '\x7f' || ch === '\b') return ['', { ...plain, backspace: true }];
  const code = ch.charCodeAt(0);
  // Ctrl-A..Ctrl-Z: Ink reports Ctrl-C as input "c" with ctrl set.
  if (code >= 1 && code <= 26) return [String.fromCharCode(code + 96), { ...plain, ctrl: true }];
  return [ch, { ...plain, shift: ch !== ch.toLowerCase() }];
}

export function splitKeys(input: string, key: Key): [string, Key][] {
  // One key, or an escape sequence (Ink already splits those from the text around them).
  if ([...input].length <= 1 || input.includes('\x1b') || key.ctrl || key.meta) return [[input, key]];
  return [...input].map((ch) => keyOf(ch, key));
}
