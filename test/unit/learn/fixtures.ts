// Recorded lab-world observations (test/fixtures/learn/record.sh): a snapshot and the ping
// taken in it, at points along the tutorial.
import { readFileSync } from 'node:fs';
import type { NetSnapshot } from '../../../src/model/snapshot.js';
import type { PingResult } from '../../../src/model/result.js';
import type { PathEvidence } from '../../../src/learn/types.js';

export interface Observation {
  snapshot: NetSnapshot;
  ping: PingResult | null;
  path: PathEvidence | null;
}

export type Stage = 'empty' | 'out-of-order' | 'veth-not-moved' | 'no-default-route' | 'no-forward' | 'no-masquerade' | 'no-masquerade-counters' | 'complete';

export function observation(stage: Stage): Observation {
  return JSON.parse(readFileSync(new URL(`../../fixtures/learn/${stage}.json`, import.meta.url), 'utf8')) as Observation;
}
