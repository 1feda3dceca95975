// The text report's closing line says what was proved: a ping, or only the inspected steps.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import type { SavedSnapshot } from '../../../src/commands/check.js';
import { renderText } from '../../../src/report/text.js';

const saved = JSON.parse(readFileSync(new URL('../../fixtures/snapshots/healthy.json', import.meta.url), 'utf8')) as SavedSnapshot;

describe('renderText: healthy', () => {
  it('probed: the namespace can reach the target', () => {
    expect(renderText(diagnose(saved.snapshot, saved.ping))).toContain('Healthy: ndrec-ct can reach 198.51.100.8.');
  });
  it('not probed: no claim that a ping was answered', () => {
    const text = renderText(diagnose(saved.snapshot, null));
    expect(text).toContain('Healthy: every step netdoctor inspects passes (not probed: no ping proved that ndrec-ct reaches 198.51.100.8).');
    expect(text).not.toContain('can reach');
  });
});
