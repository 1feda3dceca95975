import type { Report } from '../model/result.js';

/** The --json document: exactly one JSON value, schemaVersion 1. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
