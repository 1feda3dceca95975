// A test seam: hold a fix run at a named point so a test can change the world at exactly that
// moment (e.g. replace the namespace between diagnosis and the identity guard) without racing
// on sleeps. Inert unless NETDOCTOR_TEST_PAUSE_BEFORE_GUARD names a path: then the run writes
// PATH.paused and waits (at most two minutes) for PATH.go to appear.
import { existsSync, writeFileSync } from 'node:fs';

export async function testPauseBeforeGuard(env: NodeJS.ProcessEnv): Promise<void> {
  const path = env.NETDOCTOR_TEST_PAUSE_BEFORE_GUARD;
  if (!path) return;
  writeFileSync(`${path}.paused`, `${process.pid}\n`);
  const end = Date.now() + 120_000;
  while (!existsSync(`${path}.go`) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
}
