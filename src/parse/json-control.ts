// iproute2 and nft print kernel-provided strings into their JSON verbatim, and an interface
// name may hold control characters (ESC, BEL, DEL...: the kernel only refuses '/', ':' and
// whitespace). JSON forbids raw control characters inside strings, so JSON.parse would reject
// the whole document, and every fact in it with the one odd name.

/** Escape raw control characters inside JSON strings (outside them only whitespace can appear). */
export function escapeControlsInJsonStrings(text: string): string {
  let out = '';
  let inString = false;
  let escaped = false;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      else if (code < 0x20) {
        out += `\\u${code.toString(16).padStart(4, '0')}`;
        continue;
      }
    } else if (ch === '"') inString = true;
    out += ch;
  }
  return out;
}

/** JSON.parse, and on failure once more with control characters escaped (no cost when clean). */
export function parseToolJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // eslint-disable-next-line no-control-regex
    if (!/[\x00-\x1f]/.test(text)) throw err;
    return JSON.parse(escapeControlsInJsonStrings(text));
  }
}
