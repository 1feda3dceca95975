import type { Report } from '../model/result.js';

/**
 * JSON for stdout, which may be a terminal: kernel-provided names may hold DEL and C1 controls
 * (U+0080-U+009F, e.g. 8-bit CSI), which JSON allows raw; written as \u escapes they parse back
 * exactly, and no terminal acts on them.
 */
export function jsonText(value: unknown, indent?: number): string {
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The --json document: exactly one JSON value, schemaVersion 1. */
export function renderJson(report: Report): string {
  return `${jsonText(report, 2)}\n`;
}
