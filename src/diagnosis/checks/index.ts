// Every step's check, in the contract's order (STEP_IDS).
import type { Check } from '../check.js';
import { STEP_IDS } from '../steps.js';
import { bridgeAddress } from './bridge-address.js';
import { bridgeExists } from './bridge-exists.js';
import { bridgeUp } from './bridge-up.js';
import { egressPing } from './egress-ping.js';
import { hostBrNetfilter } from './host-br-netfilter.js';
import { hostConntrack } from './host-conntrack.js';
import { hostForward } from './host-forward.js';
import { hostIpForward } from './host-ip-forward.js';
import { hostMasquerade } from './host-masquerade.js';
import { hostRpFilter } from './host-rp-filter.js';
import { hostSubnetOverlap } from './host-subnet-overlap.js';
import { hostNetfilterBackends } from './host-netfilter-backends.js';
import { hostUplink } from './host-uplink.js';
import { netnsExists } from './netns-exists.js';
import { nsAddress } from './ns-address.js';
import { nsDefaultRoute } from './ns-default-route.js';
import { nsDns } from './ns-dns.js';
import { nsLinkUp } from './ns-link-up.js';
import { nsLoopbackUp } from './ns-loopback-up.js';
import { vethAttached } from './veth-attached.js';
import { vethExists } from './veth-exists.js';
import { vethUp } from './veth-up.js';

const ALL: Check[] = [
  netnsExists, bridgeExists, bridgeUp, bridgeAddress, vethExists, vethAttached, vethUp, nsLinkUp,
  nsLoopbackUp, nsAddress, nsDefaultRoute, hostUplink, hostSubnetOverlap, hostIpForward, hostRpFilter,
  hostForward, hostBrNetfilter, hostNetfilterBackends, hostMasquerade, hostConntrack, nsDns, egressPing,
];

export const CHECKS: Check[] = STEP_IDS.map((id) => {
  const check = ALL.find((c) => c.id === id);
  if (!check) throw new Error(`no check for step ${id}`);
  return check;
});
