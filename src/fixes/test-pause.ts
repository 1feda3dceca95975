// A test seam: hold a fix run at a named point so a test can change the world (or kill -9
// netdoctor) at exactly that moment without racing on sleeps. Inert unless the variable names a
// path: then the run writes PATH.paused and waits (at most two minutes) for PATH.go to appear.
//   NETDOCTOR_TEST_PAUSE_BEFORE_GUARD   between the diagnosis and the identity guard (e.g. replace
//                                       the namespace)
//   NETDOCTOR_TEST_PAUSE_AFTER_COMMAND  after a fix command ran, before its outcome (an nft
//                                       rule's handle) is journaled
//   NETDOCTOR_TEST_PAUSE_AT=POINT:PATH  when a run reaches the named point (`lab up`'s:
//                                       lab-up-recorded, lab-up-stage-N, ...), e.g. to kill -9 it
import { existsSync, writeFileSync } from 'node:fs';

async function pauseAt(path: string | undefined): Promise<void> {
  if (!path) return;
  writeFileSync(`${path}.paused`, `${process.pid}\n`);
  const end = Date.now() + 120_000;
  while (!existsSync(`${path}.go`) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
}

export async function testPauseBeforeGuard(env: NodeJS.ProcessEnv): Promise<void> {
  await pauseAt(env.NETDOCTOR_TEST_PAUSE_BEFORE_GUARD);
}

export async function testPauseAfterCommand(env: NodeJS.ProcessEnv): Promise<void> {
  await pauseAt(env.NETDOCTOR_TEST_PAUSE_AFTER_COMMAND);
}

export async function testPauseAt(point: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const spec = env.NETDOCTOR_TEST_PAUSE_AT;
  const colon = spec?.indexOf(':') ?? -1;
  if (spec && colon > 0 && spec.slice(0, colon) === point) await pauseAt(spec.slice(colon + 1));
}
