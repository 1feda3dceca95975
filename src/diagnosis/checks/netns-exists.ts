import { error, fail, pass, type Check } from '../check.js';

export const netnsExists: Check = {
  id: 'netns.exists',
  title: 'The namespace exists',
  explanation:
    'A network namespace is the container\'s own copy of the network stack: its own interfaces, addresses, routes and firewall. ' +
    'Every later step plugs something into it. `ip netns add NAME` creates one and pins it under /run/netns/NAME, which is how `ip netns exec` and netdoctor find it by name.',
  requires: [],
  run({ snap, scope }) {
    const name = snap.input.ns;
    const path = name.startsWith('/proc/') ? name : `/run/netns/${name}`;
    if (snap.container && snap.nsIdentity) {
      return pass(`namespace ${name} exists`, [`${path}: inode ${snap.nsIdentity.ino}`]);
    }
    // There but unreadable (a read timed out under load, or failed): not a missing namespace.
    if (snap.containerError) return error(`namespace ${name} exists but could not be read: ${snap.containerError}`, [`${path}: present`]);
    // A process's namespace (--pid) has no name to create: the process is gone.
    if (name.startsWith('/proc/')) return fail(`${path} is gone: the process has exited`, [`${path}: absent`]);
    const others = snap.namespaces.filter((n) => n !== name);
    return fail(
      `there is no network namespace named ${name}`,
      [`ip netns list: ${others.length ? others.join(', ') : '(none)'}`],
      { title: `Create namespace ${name}`, commands: [['ip', 'netns', 'add', name]], undo: [['ip', 'netns', 'del', name]] },
    );
  },
};
