// Many containers on one lab host, for `check --all` at scale: N namespaces `P-sK`, each with
// a veth whose host end sits on the lab's bridge in `P-host`, an address in the lab's subnet and
// a default route via the bridge, as the tutorial builds ns0. Everything happens inside the
// lab's namespaces (links are created in P-host and their peer moved straight into P-sK), never
// in the root namespace.
import type { LabInfo } from '../../src/lab/lab.js';
import { run } from '../../src/system/run.js';

/** The K-th extra container's namespace, host-side veth and address (pure). */
export function extraContainer(lab: Pick<LabInfo, 'prefix' | 'addresses'>, k: number): { ns: string; vethHost: string; cidr: string } {
  const [net, len] = lab.addresses.subnet.split('/');
  const prefixLen = Number(len);
  const octets = net!.split('.').map(Number);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  // Skip the first 256 addresses: the bridge (.1), the lab's own container (.2) and its spares.
  const offset = 256 + k;
  if (prefixLen > 22 || offset >= 2 ** (32 - prefixLen) - 1) throw new Error(`subnet ${lab.addresses.subnet} is too small for ${k} containers`);
  const n = base + offset;
  const ip = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  return { ns: `${lab.prefix}-s${k}`, vethHost: `vs${k}`, cidr: `${ip}/${prefixLen}` };
}

async function mustRun(argv: string[], input: string, what: string): Promise<void> {
  const r = await run(argv, { input, timeoutMs: 120_000 });
  if (r.failed) throw new Error(`${what}: ${r.stderr.trim().split('\n').slice(-2).join(' | ') || `exit ${r.exitCode}`}`);
}

/** Add containers `from`..`to-1` (1-based K) to a lab built with a bridge in its host namespace. */
export async function addContainers(lab: LabInfo, from: number, to: number): Promise<void> {
  if (to <= from) return;
  const ks = Array.from({ length: to - from }, (_, i) => from + i);
  const made = ks.map((k) => extraContainer(lab, k));
  await mustRun(['ip', '-batch', '-'], made.map((c) => `netns add ${c.ns}\n`).join(''), 'creating container namespaces');
  const hostCmds = made.map((c) => `link add ${c.vethHost} type veth peer name eth0 netns ${c.ns}\nlink set ${c.vethHost} master ${lab.names.bridge} up\n`).join('');
  await mustRun(['ip', '-n', lab.names.hostNs, '-batch', '-'], hostCmds, `adding veths in ${lab.names.hostNs}`);
  // Inside each container: a few at a time, the machine is shared.
  const queue = [...made];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const cmds = `link set lo up\nlink set eth0 up\naddr add ${c.cidr} dev eth0\nroute add default via ${lab.addresses.bridgeIp}\n`;
      await mustRun(['ip', '-n', c.ns, '-batch', '-'], cmds, `configuring ${c.ns}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}
