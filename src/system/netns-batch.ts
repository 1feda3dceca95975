// check --all: the links, routes and route lookup of many named namespaces from a few spawns
// (netns-exec-batch.ts): each namespace is read by an `ip` that ip itself forks, so Node pays
// for one spawn per chunk instead of one per namespace. Reading only.
//
// Chunks are small on purpose. When ip's `netns exec` cannot enter a namespace (gone meanwhile,
// /sys not mountable), its forked child goes on with the rest of the batch as a second batch
// process, so each such failure doubles the work left in the chunk: at 8 lines that is at most
// 256 short runs, and the output is refused (each namespace is then read alone). The first
// chunk runs alone: if entering fails there, no further batches are started.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ipFactsBatch, type SideOutput } from '../parse/ip-batch.js';
import { batchSafeName, batchSafePath, netnsExecBatch, splitNetnsExec } from '../parse/netns-exec-batch.js';
import { run } from './run.js';

/** The commands in ipFactsBatch: addr show, route show, route get. */
const COMMANDS_EACH = 3;
export const NAMESPACES_PER_BATCH = 8;

/**
 * Each named namespace's `ip -j -d -batch` output, read `NAMESPACES_PER_BATCH` to a spawn, at
 * most `jobs` spawns at once. A namespace missing from the answer (an unusual name, a failure,
 * output that could not be matched up) is for the caller to read alone.
 */
export async function readNamedSides(names: readonly string[], target: string, jobs: number): Promise<Map<string, SideOutput>> {
  const out = new Map<string, SideOutput>();
  const safe = names.filter(batchSafeName);
  if (safe.length < 2) return out;
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'netdoctor-'));
  } catch {
    return out;
  }
  try {
    const file = join(dir, 'ip.batch');
    if (!batchSafePath(file)) return out;
    writeFileSync(file, ipFactsBatch(target), { mode: 0o600 });
    const chunks: string[][] = [];
    for (let i = 0; i < safe.length; i += NAMESPACES_PER_BATCH) chunks.push(safe.slice(i, i + NAMESPACES_PER_BATCH));
    /** True when every namespace of the chunk was read whole. */
    const readChunk = async (chunk: string[]): Promise<boolean> => {
      const r = await run(['ip', '-force', '-batch', '-'], { input: netnsExecBatch(chunk, file), timeoutMs: 5000 });
      const sides = r.spawnError || r.timedOut ? null : splitNetnsExec(chunk.length, COMMANDS_EACH, file, r.stdout, r.stderr);
      sides?.forEach((s, i) => {
        if (s) out.set(chunk[i]!, s);
      });
      return !!sides && sides.every((s) => s !== null);
    };
    if (!(await readChunk(chunks[0]!))) return out;
    let next = 1;
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(jobs, chunks.length - 1)) }, async () => {
        for (let i = next++; i < chunks.length; i = next++) await readChunk(chunks[i]!);
      }),
    );
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
