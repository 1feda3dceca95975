// The plain frame drawn before Ink loads: every step checking at first, then each verdict as the
// diagnosis brings it, cut to the terminal and with kernel-provided text escaped.
import { describe, expect, it } from 'vitest';
import type { LiveStep } from '../../../src/diagnosis/live.js';
import { STEP_IDS } from '../../../src/diagnosis/steps.js';
import { preFrame } from '../../../src/session/preframe.js';

const step = (id: string, status: LiveStep['status'], summary: string): LiveStep => ({ id, title: id, status, summary, evidence: [], explanation: '', fix: null }) as unknown as LiveStep;

describe('preFrame', () => {
  it('lists every step as checking before any verdict', () => {
    const f = preFrame('ns0', 120, 60);
    for (const id of STEP_IDS) expect(f).toMatch(new RegExp(`\\.\\.\\.\\s+${id.replace('.', '\\.')}\\s+checking`));
    expect(f).toContain('loading…');
  });

  it('shows each verdict with its summary, and steps still running as checking', () => {
    const f = preFrame('ns0', 120, 60, [step('netns.exists', 'pass', 'namespace ns0 exists'), step('bridge.exists', 'fail', 'no bridge br0'), step('bridge.up', 'running', '')]);
    expect(f).toMatch(/^ {2}ok {3}netns\.exists\s+namespace ns0 exists$/m);
    expect(f).toMatch(/^ {2}FAIL bridge\.exists\s+no bridge br0$/m);
    expect(f).toMatch(/^ {2}\.\.\. {2}bridge\.up\s+checking…$/m);
  });

  it('escapes control characters from the kernel and keeps lines within the terminal', () => {
    const f = preFrame('ns\x1b[31m0', 40, 60, [step('netns.exists', 'pass', `namespace \x1b]0;pwn\x07 exists ${'x'.repeat(80)}`)]);
    expect(f).not.toMatch(/\x1b|\x07/);
    for (const l of f.split('\n')) expect([...l].length).toBeLessThanOrEqual(39);
  });
});
