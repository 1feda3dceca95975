// Public contract (DESIGN.md): scripts depend on these.
export const EXIT = {
  healthy: 0,
  fault: 1,
  usage: 2,
  cannotInspect: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Thrown when netdoctor cannot look at the system at all (not root, `ip` missing). Exit 3. */
export class CannotInspectError extends Error {
  override name = 'CannotInspectError';
  constructor(message: string, readonly remedy: string) {
    super(message);
  }
}
