// Scenario stories are told in the tutorial's own names (ns0, br0, 192.168.0.2 ...). A lab
// built with other names or another subnet says which of its names stands for which, instead
// of rewriting free text (where a blind substitution could turn one address into another).
import { DEFAULTS, labAddresses, type LabAddresses, type LabNames } from './topology.js';

// The tutorial's own names are the lab's defaults.
const { bridgeIp, nsIp } = labAddresses(DEFAULTS.subnet);
const TUTORIAL = { ...DEFAULTS, bridgeIp, nsIp };

/** "ns0 is lab-ns0, br0 is lanbr9, ..." for every tutorial name this lab calls otherwise; null when none differs. */
export function storyLegend(names: LabNames, addresses: LabAddresses): string | null {
  const pairs: [string, string][] = [
    [TUTORIAL.ns, names.containerNs],
    [TUTORIAL.bridge, names.bridge],
    [TUTORIAL.vethHost, names.vethHost],
    [TUTORIAL.vethNs, names.vethNs],
    [TUTORIAL.uplink, names.uplink],
    [TUTORIAL.subnet, addresses.subnet],
    [TUTORIAL.bridgeIp, addresses.bridgeIp],
    [TUTORIAL.nsIp, addresses.nsIp],
  ];
  const differ = pairs.filter(([tutorial, here]) => tutorial !== here);
  if (!differ.length) return null;
  return `The story uses the tutorial's names; in this lab ${differ.map(([t, h]) => `${t} is ${h}`).join(', ')}.`;
}
