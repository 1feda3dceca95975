// The tutorial as a lesson: one step per command, in the tutorial's order, with what to do and
// why. Pure data. The commands are the tutorial's own, verbatim: inside a lab world they act on
// the world only (see src/lab/world-plan.ts). Which step holds is decided by judge.ts.
import type { StepId } from '../diagnosis/steps.js';
import { TARGET_IP } from '../lab/topology.js';

export const LESSON_STEP_IDS = [
  'netns',
  'bridge',
  'bridge-up',
  'bridge-address',
  'veth',
  'veth-move',
  'veth-attach',
  'veth-up',
  'ns-loopback',
  'ns-link-up',
  'ns-address',
  'default-route',
  'ip-forward',
  'masquerade',
  'ping',
] as const;

export type LessonStepId = (typeof LESSON_STEP_IDS)[number];

export function isLessonStepId(v: string): v is LessonStepId {
  return (LESSON_STEP_IDS as readonly string[]).includes(v);
}

/** A moment where the tutorial shows something failing, shown before the step that fixes it. */
export interface FailureMoment {
  /** What the learner will see, e.g. "connect: Network is unreachable". */
  expect: string;
  /** Why it fails at this point. */
  why: string;
  /** Show the live capture on the bridge and the uplink while pinging. */
  capture: boolean;
}

export interface LessonStep {
  id: LessonStepId;
  title: string;
  /** The tutorial's command, verbatim (argv). */
  command: string[];
  why: string;
  /** The diagnosis step that covers the same fact (for `--answer` and for its explanation). */
  checks: StepId;
  failure?: FailureMoment;
}

export const TUTORIAL_NAMES = { ns: 'ns0', bridge: 'br0', vethHost: 'veth0', vethNs: 'ceth0', uplink: 'eth0' } as const;
export const TUTORIAL_ADDRESSES = {
  subnet: '192.168.0.0/16',
  bridgeIp: '192.168.0.1',
  bridgeCidr: '192.168.0.1/16',
  nsIp: '192.168.0.2',
  nsCidr: '192.168.0.2/16',
  /** Stands in for 8.8.8.8: the lab's internet answers on documentation addresses. */
  target: TARGET_IP,
} as const;

const PING = ['ip', 'netns', 'exec', 'ns0', 'ping', '-c', '1', TARGET_IP];

export const LESSON: readonly LessonStep[] = [
  {
    id: 'netns',
    title: 'Create the container\'s network namespace',
    command: ['ip', 'netns', 'add', 'ns0'],
    why: 'A network namespace is a private copy of the network stack: its own links, addresses, routes and firewall. This is the "container". It starts with nothing but a loopback that is down.',
    checks: 'netns.exists',
  },
  {
    id: 'bridge',
    title: 'Create a bridge on the host',
    command: ['ip', 'link', 'add', 'br0', 'type', 'bridge'],
    why: 'A bridge is a virtual switch. Every container\'s cable plugs into it, and it is the host\'s door into their network.',
    checks: 'bridge.exists',
  },
  {
    id: 'bridge-up',
    title: 'Bring the bridge up',
    command: ['ip', 'link', 'set', 'br0', 'up'],
    why: 'New links start administratively down: a link that is down passes no packets.',
    checks: 'bridge.up',
  },
  {
    id: 'bridge-address',
    title: 'Give the bridge an address',
    command: ['ip', 'addr', 'add', '192.168.0.1/16', 'dev', 'br0'],
    why: 'With an address on the bridge, the host is a member of the containers\' network: 192.168.0.1 will be their gateway.',
    checks: 'bridge.address',
  },
  {
    id: 'veth',
    title: 'Create a veth pair',
    command: ['ip', 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'ceth0'],
    why: 'A veth pair is a virtual cable with two ends: what goes in one comes out of the other. Both ends start on the host.',
    checks: 'veth.exists',
  },
  {
    id: 'veth-move',
    title: 'Move one end into the namespace',
    command: ['ip', 'link', 'set', 'ceth0', 'netns', 'ns0'],
    why: 'ceth0 becomes the container\'s network card; veth0 stays on the host.',
    checks: 'veth.exists',
  },
  {
    id: 'veth-attach',
    title: 'Plug the host end into the bridge',
    command: ['ip', 'link', 'set', 'veth0', 'master', 'br0'],
    why: 'Enslaved to br0, veth0 becomes a port of the switch: frames from the container reach the bridge.',
    checks: 'veth.attached',
  },
  {
    id: 'veth-up',
    title: 'Bring the host end up',
    command: ['ip', 'link', 'set', 'veth0', 'up'],
    why: 'Each end of the cable has its own up/down switch.',
    checks: 'veth.up',
  },
  {
    id: 'ns-loopback',
    title: 'Bring up loopback inside the namespace',
    command: ['ip', 'netns', 'exec', 'ns0', 'ip', 'link', 'set', 'lo', 'up'],
    why: '`ip netns exec ns0 CMD` runs CMD inside ns0. Programs expect 127.0.0.1 to work; in a new namespace it is down.',
    checks: 'ns.loopback-up',
  },
  {
    id: 'ns-link-up',
    title: 'Bring the container\'s end up',
    command: ['ip', 'netns', 'exec', 'ns0', 'ip', 'link', 'set', 'ceth0', 'up'],
    why: 'Now both ends are up and the cable carries frames.',
    checks: 'ns.link-up',
  },
  {
    id: 'ns-address',
    title: 'Give the container an address',
    command: ['ip', 'netns', 'exec', 'ns0', 'ip', 'addr', 'add', '192.168.0.2/16', 'dev', 'ceth0'],
    why: 'An address in the bridge\'s subnet: the container can now talk to 192.168.0.1, and the kernel adds a route for 192.168.0.0/16 via ceth0.',
    checks: 'ns.address',
  },
  {
    id: 'default-route',
    title: 'Add a default route via the bridge',
    command: ['ip', 'netns', 'exec', 'ns0', 'ip', 'route', 'add', 'default', 'via', '192.168.0.1'],
    why: 'The container only knows 192.168.0.0/16. A default route says: everything else goes to the gateway 192.168.0.1, the host.',
    checks: 'ns.default-route',
    failure: {
      expect: 'connect: Network is unreachable',
      why: `ns0 has no route to ${TARGET_IP}: the kernel refuses to send the packet at all.`,
      capture: true,
    },
  },
  {
    id: 'ip-forward',
    title: 'Let the host forward packets',
    command: ['sysctl', '-w', 'net.ipv4.ip_forward=1'],
    why: 'By default Linux drops packets that are not addressed to itself. With ip_forward=1 the host acts as a router and passes ns0\'s packets from br0 on to eth0.',
    checks: 'host.ip-forward',
    failure: {
      expect: '100% packet loss',
      why: 'The packet now reaches the host on br0, but the host does not forward it: nothing leaves on eth0.',
      capture: true,
    },
  },
  {
    id: 'masquerade',
    title: 'Masquerade the containers\' traffic',
    command: ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '192.168.0.0/16', '-j', 'MASQUERADE'],
    why: 'The packet leaves eth0 with the private source 192.168.0.2. Nobody on the internet can route a reply to a private address. MASQUERADE rewrites the source to eth0\'s own address on the way out, and the reply back again.',
    checks: 'host.masquerade',
    failure: {
      expect: '100% packet loss',
      why: 'The packet is forwarded out of eth0, but with the private source 192.168.0.2: the reply has nowhere to go.',
      capture: true,
    },
  },
  {
    id: 'ping',
    title: `Ping the internet from the container (${TARGET_IP} stands in for 8.8.8.8)`,
    command: PING,
    why: 'Out through ceth0 and veth0 to the bridge, forwarded by the host, masqueraded out of eth0, and the reply finds its way back.',
    checks: 'egress.ping',
  },
];

export function lessonStep(id: LessonStepId): LessonStep {
  const s = LESSON.find((l) => l.id === id);
  if (!s) throw new Error(`no lesson step ${id}`);
  return s;
}

/** The ping a failure moment runs, and the lesson's last step. */
export const PING_COMMAND: readonly string[] = PING;
