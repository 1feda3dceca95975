// Test seams: hold a run at a named point so a test can act at exactly that moment (replace the
// namespace between diagnosis and the identity guard, kill -9 `lab up` halfway) without racing
// on sleeps. Inert unless the environment asks: then the run writes PATH.paused (its pid) and
// waits, at most two minutes, for PATH.go to appear.
import { existsSync, writeFileSync } from 'node:fs';

async function hold(path: string): Promise<void> {
  writeFileSync(`${path}.paused`, `${process.pid}\n`);
  const end = Date.now() + 120_000;
  while (!existsSync(`${path}.go`) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
}

/** NETDOCTOR_TEST_PAUSE_BEFORE_GUARD=PATH: a fix run holds after its diagnosis. */
export async function testPauseBeforeGuard(env: NodeJS.ProcessEnv): Promise<void> {
  const path = env.NETDOCTOR_TEST_PAUSE_BEFORE_GUARD;
  if (path) await hold(path);
}

/** NETDOCTOR_TEST_PAUSE_AT=POINT:PATH: the run holds when it reaches POINT (e.g. `lab-up-stage-1`). */
export async function testPauseAt(point: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const spec = env.NETDOCTOR_TEST_PAUSE_AT;
  if (!spec) return;
  const colon = spec.indexOf(':');
  if (colon < 0 || spec.slice(0, colon) !== point) return;
  await hold(spec.slice(colon + 1));
}
