import type { DnsProbeResult } from '../../model/result.js';
import { isIPv4 } from '../../net/ipv4.js';
import { pass, skip, warn, type Check } from '../check.js';

type ServerResult = DnsProbeResult['servers'][number];

/** What a socket error on a connected UDP socket means here. */
const ERRORS: Record<string, string> = {
  ECONNREFUSED: 'refused: nothing listens on port 53 there (ICMP port unreachable)',
  EHOSTUNREACH: 'unreachable: a router or firewall answered "host unreachable" or "prohibited"',
  ENETUNREACH: 'unreachable: no route to it from inside the namespace',
  EPERM: 'blocked by a firewall inside the namespace',
  timeout: 'no answer within 1.5 s (dropped on the way, or nobody there)',
};

/** netdoctor stopped waiting once the ping, sent the same way, got no reply either. */
function abandoned(waitedMs: number | null): string {
  const waited = waitedMs === null ? 'no answer (the query was still being sent)' : `no answer within ${(waitedMs / 1000).toFixed(1)} s`;
  return `${waited}; not waited for longer: it is reached the same way as the target, and the ping got no reply either`;
}

function serverLine(name: string, s: ServerResult): string {
  if (s.answered) return `asked ${s.server} for ${name} (A) over UDP: answered ${s.rcode ?? '?'} in ${s.ms ?? '?'} ms`;
  if (s.error === 'abandoned') return `asked ${s.server} for ${name} (A) over UDP: ${abandoned(s.waitedMs ?? null)}`;
  return `asked ${s.server} for ${name} (A) over UDP: ${s.error ? (ERRORS[s.error] ?? s.error) : 'no answer'}`;
}

const PROC_NETNS = /^\/proc\/\d+\/ns\/net$/;

export const nsDns: Check = {
  id: 'ns.dns',
  title: 'The namespace has a usable DNS resolver',
  explanation:
    'Programs in the namespace read /etc/netns/NAME/resolv.conf when it exists (`ip netns exec` bind-mounts it over /etc/resolv.conf), otherwise the host\'s /etc/resolv.conf. ' +
    'A host resolver on a loopback address (systemd-resolved\'s 127.0.0.53) is the host\'s own loopback: inside the namespace nothing listens there, so names do not resolve even when ping to an IP works. ' +
    'Give the namespace its own file: `mkdir -p /etc/netns/NAME && echo nameserver 1.1.1.1 > /etc/netns/NAME/resolv.conf` (any resolver it can reach). ' +
    'netdoctor also sends one real DNS query from inside the namespace to each configured resolver (skipped with --no-probe): a resolver that does not answer (down, or a firewall dropping UDP 53) leaves names unresolved just the same.',
  requires: ['netns.exists'],
  warnOnly: true,
  run({ snap, dns, ping }) {
    const ns = snap.input.ns;
    const conf = snap.container!.resolvConf;
    if (!conf) return warn(`no resolv.conf for ${ns}: names will not resolve`, [`neither /etc/netns/${ns}/resolv.conf nor the host's resolv.conf could be read`]);
    const evidence = [`${conf.path}: nameserver ${conf.nameservers.join(', ') || '(none)'}`];
    if (!conf.nameservers.length) return warn(`${conf.path} names no nameserver`, evidence);
    // A named namespace's own file is /etc/netns/NS/resolv.conf; a process's namespace (a
    // container: --pid, --all) has the one in its own root.
    const ownPath = PROC_NETNS.test(ns) ? ns.replace(/ns\/net$/, 'root/etc/resolv.conf') : `/etc/netns/${ns}/resolv.conf`;
    const own = conf.path === ownPath;
    if (!own) evidence.push(`${ownPath}: ${PROC_NETNS.test(ns) ? 'unreadable' : 'absent'}, so ${ns} inherits ${conf.path}`);
    if (dns?.ran) evidence.push(...dns.servers.map((s) => serverLine(dns.name, s)));
    else if (dns) evidence.push(`DNS probe did not run: ${dns.error ?? 'unknown reason'}`);
    const answered = dns?.ran ? dns.servers.filter((s) => s.answered) : [];
    // A real answer is ground truth.
    if (answered.length) return pass(`resolver ${answered.map((s) => s.server).join(', ')} answers from inside ${ns}`, evidence);

    const loopback = conf.nameservers.filter((n) => (isIPv4(n) && n.startsWith('127.')) || n === '::1');
    if (loopback.length && !own) {
      return warn(`${ns} inherits the host's resolver ${loopback.join(', ')}, a loopback address where nothing listens inside ${ns}`, evidence);
    }
    if (dns?.ran && dns.servers.length) {
      const asked = dns.servers.map((s) => s.server).join(', ');
      // Nothing gets out at all: the diagnosis names why; a silent resolver adds nothing.
      if (ping?.ran && ping.received === 0) return skip(`no answer from ${asked}, but nothing from ${ns} reaches the internet yet (see the diagnosis)`, evidence);
      return warn(`resolver ${asked} does not answer from inside ${ns}: names will not resolve`, evidence);
    }
    return pass(`resolver ${conf.nameservers.join(', ')} (${own ? 'the namespace\'s own' : 'inherited from the host'})`, evidence);
  },
};
