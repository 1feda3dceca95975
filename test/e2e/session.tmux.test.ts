// End to end, as a person would use it: the real built app in a real terminal (tmux, 80x24)
// against a lab with a fault and names that are not the tutorial's. The screen shows the
// diagnosis, `f` then `y` applies the fix, and a real ping from the namespace then succeeds.
// The tmux server (its own socket) and the lab are removed even when the test fails.
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, TARGET, integrationSkipReason, labDown, labUp, pingFromNs, randomLabOptions } from '../integration/helpers.js';
import { Terminal } from './terminal.js';

const skip = integrationSkipReason();

describe.skipIf(skip !== null)('the interactive session in a real terminal', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it('shows the diagnosis, fixes it with f then y, and egress works', async () => {
    const opts = randomLabOptions();
    cleanups.push(() => labDown(opts.prefix));
    const lab = await labUp('no-masquerade', opts);
    const term = new Terminal(`${opts.prefix}-tui`);
    cleanups.push(() => term.kill());
    expect(await pingFromNs(lab.names.containerNs, TARGET)).toBe(false);

    await term.start(['node', CLI, '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', TARGET]);
    const diagnosed = await term.waitFor('the diagnosis', (s) => s.includes('Diagnosis host.masquerade') && s.includes('Egress: broken'));
    expect(diagnosed).toMatch(/> FAIL host\.masquerade/);
    expect(diagnosed).toContain('no MASQUERADE or SNAT rule');
    expect(diagnosed).toContain(`uplink ${opts.uplink}`);
    for (const line of diagnosed.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);

    await term.keys('f');
    const prompt = await term.waitFor('the fix prompt', (s) => s.includes('Apply these commands? [y/N]'));
    // The exact command, in full, for this lab's subnet and uplink.
    const flat = prompt.replace(/ \\\n\s+/g, ' ');
    expect(flat).toContain(`-t nat -I POSTROUTING -s ${opts.subnet} -o ${opts.uplink} -m comment --comment netdoctor -j MASQUERADE`);

    await term.keys('y');
    const healthy = await term.waitFor('egress working', (s) => s.includes('Healthy:') && s.includes('Egress: ok'));
    expect(healthy).toContain('applied the fix for host.masquerade');
    // Healthy, nothing is focused: k selects the last step, the ping, and scrolls to it.
    await term.keys('k');
    await term.waitFor('the ping step passing', (s) => /\* ok\s+egress\.ping/.test(s) && /ok\s+host\.masquerade/.test(s));
    // Not the app's word for it: a real ping across the lab now gets its reply.
    expect(await pingFromNs(lab.names.containerNs, TARGET)).toBe(true);

    await term.keys('q');
    const until = Date.now() + 10_000;
    while ((await term.alive()) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(await term.alive()).toBe(false);
  });
});
