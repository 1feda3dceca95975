// Running fix commands and the lookups that guard them. The only place fixes touch the system.
import { stat } from 'node:fs/promises';
import type { Existence } from '../fixes/actions.js';
import type { ExistenceAnswer } from '../fixes/idempotence.js';
import type { NsIdentity } from '../fixes/journal.js';
import { run, type RunResult } from './run.js';

const FIX_TIMEOUT_MS = 20_000;

/** A namespace's identity: nsfs device + inode (and its ctime), read from /run/netns/NAME. */
export async function nsIdentity(name: string | null): Promise<NsIdentity | null> {
  if (!name) return null;
  try {
    const s = await stat(`/run/netns/${name}`);
    return { dev: s.dev, ino: s.ino, ctimeMs: Math.round(s.ctimeMs) };
  } catch {
    return null;
  }
}

/**
 * `ip ... link set X netns 1` means "back to the host side" when netdoctor runs in the host
 * namespace; under `ip netns exec HOST netdoctor` PID 1 is elsewhere, so the host side is named
 * by netdoctor's own pid (whose namespace is the host side) when the command runs.
 */
export function hostSideNetns(argv: string[], pid = process.pid): string[] {
  const i = argv.indexOf('netns', 3);
  if (argv[0] === 'ip' && argv.includes('link') && argv.includes('set') && i > 0 && argv[i + 1] === '1' && i + 2 === argv.length) {
    return [...argv.slice(0, i + 1), String(pid)];
  }
  return argv;
}

export async function runFixCommand(argv: string[]): Promise<RunResult> {
  // run() children die with netdoctor: one killed midway (even by SIGKILL) must not leave a change
  // running that lands after `undo` has looked (test/integration/fix-faults.test.ts).
  return run(hostSideNetns(argv), { timeoutMs: FIX_TIMEOUT_MS });
}

export async function lookUpExistence(e: Existence): Promise<ExistenceAnswer> {
  switch (e.kind) {
    case 'argv-succeeds': {
      const r = await run(e.argv, { timeoutMs: FIX_TIMEOUT_MS });
      return { kind: 'argv-succeeds', exitCode: r.exitCode };
    }
    case 'nft-rule': {
      const r = await run(e.listArgv, { timeoutMs: FIX_TIMEOUT_MS });
      return { kind: 'nft-rule', listing: r.failed ? null : r.stdout };
    }
    case 'netns':
      return { kind: 'netns', present: (await nsIdentity(e.name)) !== null };
  }
}
