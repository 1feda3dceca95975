// Many namespaces read by ONE spawn, for `check --all`: `ip -force -batch -` with one line
// `netns exec NS ip -j -d -batch FILE` per namespace (FILE: the same ip batch a lone read feeds
// on stdin). Node pays a few ms of fork and bookkeeping per spawn; ip forks each reader itself.
// Pure: the batch text, and the output split back into each namespace's own.
//
// What ip prints, in order (each reader runs only once the one before it has exited):
// - a reader that succeeds: its lines on stdout, nothing on stderr;
// - a reader whose last command failed (a namespace with no route to the target): its first
//   lines, then on stderr its error, "Command failed FILE:K", and the batch's "Command failed -:N";
// - a namespace that could not be entered: its error and "Command failed -:N"; ip's forked child
//   then carries on with the rest of the batch itself, so every later line runs twice and a
//   trailer repeats. That output is refused whole (the caller reads each namespace alone).
import type { SideOutput } from './ip-batch.js';

// Batch lines are split on blanks and quotes: only names that cannot be read any other way.
const BATCH_SAFE = /^[A-Za-z0-9_.+@][A-Za-z0-9_.+@-]*$/;
const BATCH_SAFE_PATH = /^\/[A-Za-z0-9_.+@/-]+$/;

export function batchSafeName(name: string): boolean {
  return BATCH_SAFE.test(name) && name !== '.' && name !== '..';
}

export function batchSafePath(path: string): boolean {
  return BATCH_SAFE_PATH.test(path);
}

/** The batch: one reader per namespace (names and FILE checked with batchSafeName/Path). */
export function netnsExecBatch(names: readonly string[], file: string): string {
  return names.map((n) => `netns exec ${n} ip -j -d -batch ${file}\n`).join('');
}

/**
 * Each namespace's output as a lone `ip -j -d -batch -` would have printed it (stderr trailer
 * "Command failed -:K" included), in order; an entry is null when that namespace must be read
 * alone (it could not be entered, or failed before its last command). The whole result is null
 * when the output cannot be matched to the lines (a repeated trailer, stray text, a count off).
 */
export function splitNetnsExec(count: number, commandsEach: number, file: string, stdout: string, stderr: string): (SideOutput | null)[] | null {
  const blocks = new Map<number, string[]>();
  let block: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^Command failed -:(\d+)$/.exec(line);
    if (!m) {
      if (line.trim()) block.push(line);
      continue;
    }
    const n = Number(m[1]);
    if (blocks.has(n) || n < 1 || n > count) return null;
    blocks.set(n, block);
    block = [];
  }
  if (block.length) return null;
  const lines = stdout.split('\n').filter((l) => l.trim());
  const inner = new RegExp(`^Command failed ${file.replace(/[.+]/g, '\\$&')}:${commandsEach}$`);
  const out: (SideOutput | null)[] = [];
  let next = 0;
  for (let n = 1; n <= count; n++) {
    const err = blocks.get(n);
    if (!err) {
      out.push({ exitCode: 0, stdout: take(commandsEach), stderr: '' });
    } else if (err.length >= 2 && inner.test(err[err.length - 1]!)) {
      // Its last command failed: the lines before it stand, as when read alone.
      out.push({ exitCode: 1, stdout: take(commandsEach - 1), stderr: `${[...err.slice(0, -1), `Command failed -:${commandsEach}`].join('\n')}\n` });
    } else {
      out.push(null);
    }
  }
  return next === lines.length ? out : null;

  function take(k: number): string {
    const got = lines.slice(next, next + k);
    next += k;
    return got.length ? `${got.join('\n')}\n` : '';
  }
}
