// Large iptables rulesets for the scale bench. Pure: text for `iptables-nft-restore --noflush`.
// The rules live in a chain of their own, jumped to from FORWARD, and match only sources in
// 100.64.0.0/10 (shared address space, never a lab subnet), so the lab's verdict is unchanged
// while netdoctor must still read, parse and walk every rule.

export const BENCH_CHAIN = 'NDBENCH';

/** Rules `from` .. `to-1` (indexes), in iptables-restore syntax; the first batch creates the chain and the jump. */
export function benchRules(from: number, to: number): string {
  const lines = ['*filter'];
  if (from === 0) lines.push(`:${BENCH_CHAIN} - [0:0]`, `-A FORWARD -j ${BENCH_CHAIN}`);
  for (let i = from; i < to; i++) lines.push(benchRule(i));
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** A varied rule: protocols, ports, interfaces and verdicts differ, as on a real busy host. */
export function benchRule(i: number): string {
  const src = `100.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}/32`;
  const port = 1024 + (i % 60000);
  switch (i % 4) {
    case 0:
      return `-A ${BENCH_CHAIN} -s ${src} -p tcp -m tcp --dport ${port} -j ACCEPT`;
    case 1:
      return `-A ${BENCH_CHAIN} -s ${src} -p udp -m udp --dport ${port} -j DROP`;
    case 2:
      return `-A ${BENCH_CHAIN} -s ${src} -i vbench${i % 100} -j RETURN`;
    default:
      return `-A ${BENCH_CHAIN} -s ${src} -o vbench${i % 100} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`;
  }
}
