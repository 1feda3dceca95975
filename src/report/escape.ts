// Kernel-provided names can contain almost any byte, including escape sequences (and a
// namespace name, a file name, even a newline). Every single-line value shown on a terminal
// goes through this, so a hostile name can neither repaint the screen nor forge a line.
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A shell-readable rendering of an argv line, for people to read and paste. */
export function shellQuote(argv: string[]): string {
  return argv
    .map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`))
    .map(escapeControl)
    .join(' ');
}
