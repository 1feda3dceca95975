// Which namespaces `lab down --prefix P` removes beyond those its record names (pure). A lab's
// namespaces are all named `P-...`; one the record does not list (a build killed outright, a
// record lost or kept in another state directory, a container name lab down was not told) still
// belongs to the lab, except where it is another lab's: a lab whose own prefix starts with `P-`
// (recorded here, or with a `Q-host`/`Q-inet` of its own).
//
// Only when lab P evidently exists (its state file, or its P-host or P-inet namespace): a
// `lab down` of a prefix that was never a lab removes nothing it was not told to.

export interface SweepInput {
  prefix: string;
  /** Namespaces that exist now (/run/netns). */
  present: readonly string[];
  /** The lab's namespaces as its record (or the defaults and --ns) name them. */
  listed: ReadonlySet<string>;
  /** Prefixes of the labs recorded in this state directory. */
  recordedPrefixes: readonly string[];
  /** Whether lab P has a state file (readable or not, or its temporary twin). */
  recorded: boolean;
}

/** The namespaces of lab P that its record does not list, and that are no other lab's. */
export function strayLabNamespaces(input: SweepInput): string[] {
  const { prefix, present, listed } = input;
  const head = `${prefix}-`;
  const exists = input.recorded || present.includes(`${prefix}-host`) || present.includes(`${prefix}-inet`);
  if (!exists) return [];
  // Nested labs: recorded ones, and any Q with a Q-host or Q-inet that P's record does not list.
  const nested = new Set(input.recordedPrefixes.filter((q) => q !== prefix && q.startsWith(head)));
  for (const n of present) {
    if (listed.has(n) || !n.startsWith(head)) continue;
    const m = /^(.+)-(host|inet)$/.exec(n);
    if (m && m[1] !== prefix && m[1]!.startsWith(head)) nested.add(m[1]!);
  }
  const others = [...nested];
  return present
    .filter((n) => n.startsWith(head) && !listed.has(n))
    .filter((n) => !others.some((q) => n.startsWith(`${q}-`)))
    .sort();
}
