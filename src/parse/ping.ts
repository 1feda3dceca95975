// iputils ping output -> counts. LC_ALL=C is set by the runner so the words are stable.
export interface PingOutput {
  transmitted: number;
  received: number;
  rttMs: number | null;
  error: string | null;
}

export function parsePing(stdout: string, stderr: string): PingOutput {
  const stats = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(stdout);
  const rtt = /= [\d.]+\/([\d.]+)\//.exec(stdout);
  // Errors such as "ping: connect: Network is unreachable" come on stderr, or as ICMP
  // errors in stdout ("From 192.168.0.1 icmp_seq=1 Destination Host Unreachable").
  const errLine =
    stderr.trim().split('\n').filter(Boolean).pop()?.replace(/^ping:\s*/, '') ??
    /From \S+ icmp_seq=\d+ (.+)$/m.exec(stdout)?.[1] ??
    null;
  return {
    transmitted: stats ? Number(stats[1]) : 0,
    received: stats ? Number(stats[2]) : 0,
    rttMs: rtt ? Number(rtt[1]) : null,
    error: errLine,
  };
}
