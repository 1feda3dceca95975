// The tutorial's steps, in order. Step ids are a public contract (scripts and --json users
// depend on them): add new ones, never rename.
export const STEP_IDS = [
  'netns.exists',
  'bridge.exists',
  'bridge.up',
  'bridge.address',
  'veth.exists',
  'veth.attached',
  'veth.up',
  'ns.link-up',
  'ns.loopback-up',
  'ns.address',
  'ns.default-route',
  'host.uplink',
  'host.subnet-overlap',
  'host.ip-forward',
  'host.rp-filter',
  'host.forward',
  'host.br-netfilter',
  'host.netfilter-backends',
  'host.masquerade',
  'host.conntrack',
  'ns.dns',
  'egress.ping',
] as const;

export type StepId = (typeof STEP_IDS)[number];

export function isStepId(value: string): value is StepId {
  return (STEP_IDS as readonly string[]).includes(value);
}
