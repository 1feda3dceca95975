import { isIPv4 } from '../../net/ipv4.js';
import { pass, warn, type Check } from '../check.js';

export const nsDns: Check = {
  id: 'ns.dns',
  title: 'The namespace has a usable DNS resolver',
  explanation:
    'Programs in the namespace read /etc/netns/NAME/resolv.conf when it exists (`ip netns exec` bind-mounts it), otherwise the host\'s /etc/resolv.conf. ' +
    'A host resolver on a loopback address (systemd-resolved\'s 127.0.0.53) is the host\'s own loopback: inside the namespace nothing listens there, so names do not resolve even when ping to an IP works.',
  requires: ['netns.exists'],
  warnOnly: true,
  run({ snap }) {
    const ns = snap.input.ns;
    const conf = snap.container!.resolvConf;
    if (!conf) return warn(`no resolv.conf for ${ns}: names will not resolve`, [`neither /etc/netns/${ns}/resolv.conf nor /etc/resolv.conf could be read`]);
    const evidence = [`${conf.path}: nameserver ${conf.nameservers.join(', ') || '(none)'}`];
    if (!conf.nameservers.length) return warn(`${conf.path} names no nameserver`, evidence);
    const own = conf.path.startsWith('/etc/netns/');
    const loopback = conf.nameservers.filter((n) => (isIPv4(n) && n.startsWith('127.')) || n === '::1');
    if (loopback.length && !own) {
      return warn(`${ns} inherits the host's resolver ${loopback.join(', ')}, a loopback address where nothing listens inside ${ns}`, [
        ...evidence,
        `/etc/netns/${ns}/resolv.conf: absent`,
      ]);
    }
    return pass(`resolver ${conf.nameservers.join(', ')} (${own ? 'the namespace\'s own' : 'inherited from the host'})`, evidence);
  },
};
