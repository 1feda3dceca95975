// Which labs and worlds `lab down --all` may remove: only those netdoctor recorded (a state
// file), and of those not one that another `lab up` is building at this very moment.
import { processAlive, processStartTicks } from '../system/run.js';

export interface BuilderRecord {
  status: string;
  pid: number;
  /** The builder's start time (/proc/PID/stat field 22): a reused pid is not mistaken for it. */
  pidStart?: number | null;
}

/**
 * Whether another process's `lab up` is building this right now: status "building", and the pid
 * that wrote it is still the same running process. A builder that died (killed mid-build) leaves
 * a stale, half-built lab, which is removed as usual.
 */
export function buildingElsewhere(state: BuilderRecord | null): boolean {
  if (!state || state.status !== 'building' || !Number.isInteger(state.pid) || state.pid <= 1 || state.pid === process.pid) return false;
  if (!processAlive(state.pid)) return false;
  const now = processStartTicks(state.pid);
  if (now === null) return false; // gone, or a zombie's stat unreadable: not building
  return state.pidStart == null || now === state.pidStart;
}
