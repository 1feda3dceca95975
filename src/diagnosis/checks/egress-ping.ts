import { fail, pass, skip, type Check } from '../check.js';

export const egressPing: Check = {
  id: 'egress.ping',
  title: 'A ping from the namespace gets a reply',
  explanation:
    'The proof: a real ping from inside the namespace to the target. The steps above read the kernel\'s configuration; the ping shows whether packets really get out and back.',
  // No namespace, no ping from it (egress is still reported broken).
  requires: ['netns.exists'],
  run({ snap, ping }) {
    const target = snap.input.target;
    if (!ping || !ping.ran) return skip(ping ? `not probed: ${ping.error ?? 'ping did not run'}` : 'not probed (--no-probe)');
    const evidence = [`ping ${target} from ${snap.input.ns}: ${ping.received}/${ping.transmitted} replies${ping.rttMs !== null ? `, rtt ${ping.rttMs} ms` : ''}`];
    if (ping.error) evidence.push(`ping: ${ping.error}`);
    if (ping.received > 0) return pass(`${target} answered (${ping.received}/${ping.transmitted})`, evidence);
    return fail(ping.error ? `ping ${target} failed: ${ping.error}` : `no reply from ${target} (${ping.received}/${ping.transmitted})`, evidence);
  },
};
