// --format markdown: a report to paste into an issue, from recorded lab snapshots.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import type { SavedSnapshot } from '../../../src/commands/check.js';
import { mdCode, mdText, renderMarkdown } from '../../../src/report/markdown.js';

function judge(id: string) {
  const saved = JSON.parse(readFileSync(new URL(`../../fixtures/snapshots/${id}.json`, import.meta.url), 'utf8')) as SavedSnapshot;
  return diagnose(saved.snapshot, saved.ping);
}

describe('renderMarkdown', () => {
  it('a fault: heading, one table row per step, the diagnosis with evidence, fix and undo in code blocks', () => {
    const r = judge('no-masquerade');
    const md = renderMarkdown(r, '0.1.0');
    expect(md).toMatch(/^### netdoctor: `ndrec-ct`: diagnosis `host\.masquerade`\n/);
    expect(md).toContain('| --- | --- | --- |');
    for (const s of r.steps) expect(md).toContain(`| \`${s.id}\` |`);
    expect(md).toMatch(/#### Diagnosis `host\.masquerade`/);
    expect(md).toMatch(/\*\*Fix:\*\* Masquerade 10\.77\.0\.0\/16 out up0/);
    expect(md).toMatch(/```sh\nip netns exec ndrec-host iptables-nft -t nat -I POSTROUTING -s 10\.77\.0\.0\/16 -o up0 -m comment --comment netdoctor -j MASQUERADE\n```/);
    expect(md).toMatch(/\*\*Undo:\*\*\n\n```sh\nip netns exec ndrec-host iptables-nft -t nat -D POSTROUTING/);
    expect(md).toContain('<sub>netdoctor 0.1.0 check</sub>');
  });

  it('healthy with a warning: says healthy and shows the warning in full', () => {
    const md = renderMarkdown(judge('stale-conntrack-udp'));
    expect(md).toMatch(/^### netdoctor: `ndrec-ct`: healthy/);
    expect(md).toMatch(/#### Warning `host\.conntrack`/);
    expect(md).toMatch(/```sh\nip netns exec ndrec-host conntrack -D -p udp -s 10\.77\.0\.2 -d 198\.51\.100\.8 --sport 40053 --dport 5300\n```/);
    expect(md).not.toContain('#### Diagnosis');
  });

  it('hostile names cannot break the table, a code span or the terminal', () => {
    // The escape sequence becomes the visible text \x1b (its backslash escaped for Markdown).
    expect(mdText('a|b*c_<x>\x1b[2J')).toBe('a\\|b\\*c\\_\\<x\\>\\\\x1b\\[2J');
    expect(mdCode('br`0')).toBe('``br`0``');
    expect(mdCode('a|b')).toBe('`a\\|b`');
    const r = judge('no-masquerade');
    r.target.ns = 'evil|ns\n### injected';
    r.steps[0]!.summary = 'x | y\n| z';
    const md = renderMarkdown(r);
    expect(md).not.toContain('\n### injected');
    expect(md.split('\n').filter((l) => l.startsWith('| ') && l.includes('netns.exists'))[0]).toBe('| ok | `netns.exists` | x \\| y\\\\x0a\\| z |');
  });
});
