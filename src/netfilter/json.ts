// Narrowing helpers for untrusted JSON (nft -j output): `unknown` in, typed values or
// undefined out, so no `any` leaks into the parsers.

export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The single key of a libnftables-json object such as {"accept": null} or {"match": {...}}. */
export function soleKey(v: unknown): [string, unknown] | undefined {
  if (!isRecord(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const key = keys[0] as string;
  return [key, v[key]];
}

/** Compact JSON for "we could not understand this" texts; never throws. */
export function compact(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
