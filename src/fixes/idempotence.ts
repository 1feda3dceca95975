// Check-before-add decisions, pure: given what the system said, is an action already done?
// (The lookups themselves run in apply.ts.)

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * The handle of a rule in `nft -a list chain ...` output whose text is `ruleText`
 * (netdoctor's own rule, as it would add it), or null when there is none.
 */
export function findNftRule(listing: string, ruleText: string): number | null {
  const want = norm(ruleText);
  for (const line of listing.split('\n')) {
    const m = /^(.*?)\s*#\s*handle\s+(\d+)\s*$/.exec(line);
    if (!m) continue;
    if (norm(m[1]!) === want) return Number(m[2]);
  }
  return null;
}

/**
 * The handle undo deletes for a rule netdoctor added without recording its handle: the one
 * whose text is `ruleText`, at the end of the chain netdoctor put it (the first such rule for an
 * insert, the last for an add), should another identical copy have been added meanwhile. null:
 * no such rule.
 */
export function nftRuleToRemove(listing: string, ruleText: string, at: 'top' | 'end'): number | null {
  const want = norm(ruleText);
  const handles: number[] = [];
  for (const line of listing.split('\n')) {
    const m = /^(.*?)\s*#\s*handle\s+(\d+)\s*$/.exec(line);
    if (m && norm(m[1]!) === want) handles.push(Number(m[2]));
  }
  return (at === 'top' ? handles[0] : handles.at(-1)) ?? null;
}

export type ExistenceAnswer =
  | { kind: 'argv-succeeds'; exitCode: number | null }
  | { kind: 'nft-rule'; listing: string | null }
  | { kind: 'netns'; present: boolean };

/** Already there (skip the action, record nothing to undo)? */
export function alreadyDone(answer: ExistenceAnswer, ruleText?: string): boolean {
  switch (answer.kind) {
    case 'argv-succeeds':
      return answer.exitCode === 0;
    case 'nft-rule':
      return answer.listing !== null && ruleText !== undefined && findNftRule(answer.listing, ruleText) !== null;
    case 'netns':
      return answer.present;
  }
}
