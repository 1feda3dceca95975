import { evaluateFilterHook, type ChainOutcome, type FilterOutcome } from '../../netfilter/evaluate.js';
import type { Packet, Table } from '../../netfilter/model.js';
import { hostExec, RULE_COMMENT, type CommandScope } from '../../fixes/commands.js';
import type { FixPlan } from '../../model/result.js';
import type { NetSnapshot } from '../../model/snapshot.js';
import { chainOwner, ownedChainNames, ownerNote, ownerOf, type Owner } from '../owners.js';
import { error, fail, pass, skip, type Check } from '../check.js';
import { netfilterGap } from '../netfilter-readable.js';
import { assumedSourceNote } from '../describe.js';
import { nftQuote } from './nft-quote.js';

export function describeChainOutcome(o: ChainOutcome): string {
  const where = `${o.backend} ${o.family} ${o.table} ${o.chain}`;
  if (o.decidedBy.kind === 'policy') return `${where}: policy ${o.decidedBy.policy}${ownerNote(ownerOf(o.table, o.chain))}`;
  const path = o.decidedBy.chainPath;
  const inChain = path[path.length - 1] ?? o.chain;
  const via = path.length > 1 ? ` (via ${path.join(' -> ')})` : '';
  return `${where}: ${o.verdict} by rule "${o.decidedBy.rule.text}"${via}${ownerNote(ownerOf(o.table, inChain))}`;
}

function droppedSummary(o: ChainOutcome, owner: Owner = ownerOf(o.table, o.decidedBy.kind === 'rule' ? (o.decidedBy.chainPath.at(-1) ?? o.chain) : o.chain)): string {
  const note = ownerNote(owner);
  const verb = o.verdict === 'reject' ? 'rejects' : 'drops';
  if (o.decidedBy.kind === 'policy') return `the ${o.backend} ${o.table} ${o.chain} chain${note} ${verb} it by policy`;
  return `a rule in ${o.backend} ${o.table} ${o.decidedBy.chainPath.at(-1) ?? o.chain}${note} ${verb} it`;
}

/** The traffic judged: ping, and the two things people notice next (web and DNS). */
interface ProbeKind {
  label: string;
  out: Partial<Packet>;
  back: Partial<Packet>;
}

// An ephemeral client port, as Linux picks them (32768-60999).
const CLIENT_PORT = 40000;

export const PROBE_KINDS: ProbeKind[] = [
  { label: 'icmp echo', out: { protocol: 'icmp', icmpType: 8, icmpCode: 0 }, back: { protocol: 'icmp', icmpType: 0, icmpCode: 0 } },
  { label: 'tcp 443', out: { protocol: 'tcp', sport: CLIENT_PORT, dport: 443 }, back: { protocol: 'tcp', sport: 443, dport: CLIENT_PORT } },
  { label: 'udp 53', out: { protocol: 'udp', sport: CLIENT_PORT, dport: 53 }, back: { protocol: 'udp', sport: 53, dport: CLIENT_PORT } },
];

interface Judged {
  kind: ProbeKind;
  out: FilterOutcome;
  back: FilterOutcome;
}

function sameDecision(a: ChainOutcome, b: ChainOutcome | undefined): boolean {
  if (!b || a.verdict !== b.verdict || a.decidedBy.kind !== b.decidedBy.kind) return false;
  return a.decidedBy.kind === 'policy' || (b.decidedBy.kind === 'rule' && a.decidedBy.rule === b.decidedBy.rule);
}

/** Whose rules decided the drop: the chain it happened in, the rule's chain path, else whom the chain jumps to. */
export function dropOwner(tables: Table[], o: ChainOutcome): Owner {
  const table = tables.find((t) => t.backend === o.backend && t.family === o.family && t.name === o.table);
  const path = o.decidedBy.kind === 'rule' ? o.decidedBy.chainPath : [o.chain];
  for (const c of [...path].reverse()) {
    const own = ownerOf(o.table, c);
    if (own) return own;
  }
  return table ? chainOwner(table, o.chain) : null;
}

export const hostForward: Check = {
  id: 'host.forward',
  title: 'The firewall lets the namespace\'s traffic through',
  explanation:
    'Forwarded packets pass the FORWARD hook, where every firewall on the host gets a say: iptables (nft or legacy) and native nftables chains alike. ' +
    'A DROP policy (Docker and ufw set one), a DROP or REJECT rule in any of them stops the packet, and an ACCEPT in one table does not overrule a drop in another. ' +
    'Both directions must pass: the namespace\'s requests out, and the replies coming back. ' +
    'netdoctor judges a ping, an HTTPS connection (TCP 443) and a DNS query (UDP 53), because firewalls often let ICMP through while dropping the rest ' +
    '(ufw\'s before.rules accept echo-request in ufw-before-forward; firewalld accepts ICMP into a zone): then ping works and everything else does not. ' +
    'The fix goes where the firewall\'s owner expects it, and never changes a chain\'s policy: Docker rewrites FORWARD and leaves DOCKER-USER to you, ' +
    'ufw keeps its rules in its own chains (`ufw route allow`), and firewalld decides by zone (`firewall-cmd --zone=...`).',
  requires: ['host.uplink'],
  run({ snap, topo, scope }) {
    const uplink = topo.uplink?.name;
    const src = topo.source?.ip;
    if (!uplink || !src) return skip('cannot evaluate the FORWARD path without an address for the namespace (its own, or one in the bridge\'s subnet) and the uplink');
    const rs = snap.host.netfilter;
    const target = snap.input.target;
    const judged: Judged[] = PROBE_KINDS.map((kind) => ({
      kind,
      out: evaluateFilterHook(rs, 'forward', { saddr: src, daddr: target, iif: topo.bridge.name, oif: uplink, ctstate: 'new', protocol: 'icmp', ...kind.out }),
      back: evaluateFilterHook(rs, 'forward', { saddr: target, daddr: src, iif: uplink, oif: topo.bridge.name, ctstate: 'established', protocol: 'icmp', ...kind.back }),
    }));
    const icmp = judged[0]!;
    const evidence: string[] = [];
    if (topo.source?.assumed) evidence.push(assumedSourceNote(topo.source.ip, snap.input.ns, topo.bridge.name));
    if (!icmp.out.chains.length) evidence.push('no chain on the forward hook in any backend: forwarding is not filtered');
    for (const c of icmp.out.chains) evidence.push(`out ${src} -> ${target} (${topo.bridge.name} -> ${uplink}): ${describeChainOutcome(c)}`);
    for (const c of icmp.back.chains) evidence.push(`reply ${target} -> ${src} (${uplink} -> ${topo.bridge.name}): ${describeChainOutcome(c)}`);
    // TCP and UDP: only where a chain decides differently from the ping.
    const same: string[] = [];
    for (const j of judged.slice(1)) {
      const lines: string[] = [];
      for (const [dir, o, ref] of [['out', j.out, icmp.out], ['reply', j.back, icmp.back]] as const) {
        o.chains.forEach((c, i) => {
          if (!sameDecision(c, ref.chains[i])) lines.push(`${j.kind.label} ${dir}: ${describeChainOutcome(c)}`);
        });
      }
      if (lines.length) evidence.push(...lines);
      else same.push(j.kind.label);
    }
    if (same.length && icmp.out.chains.length) evidence.push(`${same.join(' and ')}: decided like the ping in every chain`);
    const maybes = new Set<string>();
    for (const m of judged.flatMap((j) => [...j.out.chains, ...j.back.chains]).flatMap((c) => c.maybe)) maybes.add(m.rule.text);
    for (const t of maybes) evidence.push(`not evaluated (netdoctor cannot judge this match): "${t}"`);
    for (const s of snap.host.netfilterSources.filter((s) => s.status === 'error')) evidence.push(`${s.source}: could not read${s.detail ? `: ${s.detail}` : ''}`);

    const failing = judged.filter((j) => j.out.droppedBy || j.back.droppedBy);
    if (!failing.length) {
      const gap = netfilterGap(snap.host);
      if (gap) return error(`cannot tell whether the firewall lets ${src} through: ${gap}`, evidence);
      return pass(icmp.out.chains.length ? 'the forward path accepts the namespace\'s traffic both ways (icmp, tcp 443, udp 53)' : 'nothing filters forwarded traffic', evidence);
    }
    const first = failing[0]!;
    const dropOut = first.out.droppedBy;
    const dropBack = first.back.droppedBy;
    const decisive = (dropOut ?? dropBack)!;
    const owner = dropOwner(rs.tables, decisive);
    const fix = forwardFix(scope, snap, owner, { dropOut, dropBack }, { bridge: topo.bridge.name, uplink, subnet: topo.subnet ?? `${src}/32` });
    const ownerTable = rs.tables.find((t) => t.backend === decisive.backend && t.family === decisive.family && t.name === decisive.table);
    if (owner && ownerTable) evidence.push(`owner: ${ownerName(owner)} (its chains here: ${ownedChainNames(ownerTable, owner).join(', ')})`);
    const what = dropOut ? `forwarded traffic from ${src} is dropped` : `replies to ${src} are dropped on the way back`;
    const summary = `${what}: ${droppedSummary(decisive, owner)}`;
    if (first === icmp) return fail(summary, evidence, fix);
    // The ping passes: name what does not, and keep it a failure even when the ping answers.
    const labels = failing.map((j) => j.kind.label.replace(' ', ' port ')).join(' and ');
    const dir = dropOut ? `from ${src}` : `replies to ${src}`;
    return { ...fail(`the ping gets through, but ${labels} ${dir} do${failing.length > 1 ? '' : 'es'} not: ${droppedSummary(decisive, owner)}`, evidence, fix), beyondPing: true };
  },
};

export function ownerName(owner: Owner): string {
  return owner === 'firewalld' ? 'firewalld' : owner === 'ufw' ? 'ufw' : owner === 'docker' ? 'Docker' : String(owner);
}

interface Where {
  bridge: string;
  uplink: string;
  subnet: string;
}

/** Scoped ACCEPTs where the dropping firewall will honour them; never a policy change. */
function forwardFix(scope: CommandScope, snap: NetSnapshot, owner: Owner, drops: { dropOut: ChainOutcome | null; dropBack: ChainOutcome | null }, w: Where): FixPlan | null {
  if (owner === 'ufw' || owner === 'firewalld') return frontEndFix(scope, snap, owner, w);
  const tables = snap.host.netfilter.tables;
  const commands: string[][] = [];
  const undo: string[][] = [];
  const notes: string[] = [];
  const handled = new Set<string>();
  for (const [dir, drop] of [['out', drops.dropOut], ['back', drops.dropBack]] as const) {
    if (!drop) continue;
    const key = `${drop.backend}/${drop.family}/${drop.table}/${drop.chain}`;
    if (handled.has(key)) continue;
    handled.add(key);
    // If the other direction is dropped by the same chain, one fix covers both.
    const both = drops.dropOut && drops.dropBack && `${drops.dropOut.backend}/${drops.dropOut.family}/${drops.dropOut.table}/${drops.dropOut.chain}` === `${drops.dropBack.backend}/${drops.dropBack.family}/${drops.dropBack.table}/${drops.dropBack.chain}`;
    const dirs: ('out' | 'back')[] = both ? ['out', 'back'] : [dir];
    if (drop.backend === 'nft') {
      for (const d of dirs) {
        const match = d === 'out'
          ? ['iifname', nftQuote(w.bridge), 'oifname', nftQuote(w.uplink), 'ip', 'saddr', w.subnet]
          : ['iifname', nftQuote(w.uplink), 'oifname', nftQuote(w.bridge), 'ip', 'daddr', w.subnet, 'ct', 'state', 'established,related'];
        commands.push(hostExec(scope, 'nft', 'insert', 'rule', drop.family, drop.table, drop.chain, ...match, 'accept', 'comment', nftQuote(RULE_COMMENT)));
      }
      // nft deletes rules only by handle, which exists once the rule does: the undo line is
      // completed when the fix is applied (`nft --echo --handle`), until then it is a note.
      notes.push(`to undo: delete the rules commented "${RULE_COMMENT}" in ${drop.family} ${drop.table} ${drop.chain} by handle (nft -a list chain ${drop.family} ${drop.table} ${drop.chain})`);
    } else {
      const bin = drop.backend === 'iptables-legacy' ? 'iptables-legacy' : 'iptables-nft';
      const filter = tables.find((t) => t.backend === drop.backend && t.name === 'filter');
      // Docker rewrites FORWARD on restart and asks for user rules in DOCKER-USER.
      const chain = filter?.chains.some((c) => c.name === 'DOCKER-USER') ? 'DOCKER-USER' : 'FORWARD';
      for (const d of dirs) {
        const spec = d === 'out'
          ? ['-i', w.bridge, '-o', w.uplink, '-s', w.subnet]
          : ['-i', w.uplink, '-o', w.bridge, '-d', w.subnet, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'];
        const tail = [...spec, '-m', 'comment', '--comment', RULE_COMMENT, '-j', 'ACCEPT'];
        commands.push(hostExec(scope, bin, '-I', chain, ...tail));
        undo.push(hostExec(scope, bin, '-D', chain, ...tail));
      }
    }
  }
  if (!commands.length) return null;
  return { title: `Accept ${w.subnet} between ${w.bridge} and ${w.uplink} in the firewall that drops it`, commands, undo, ...(notes.length ? { notes } : {}) };
}

/**
 * ufw and firewalld rewrite their chains on every reload: a rule inserted by hand vanishes, so
 * the fix is their own command. Shown even where the tool is not installed (a snapshot from
 * another machine, a lab shaped like it), marked as such.
 */
function frontEndFix(scope: CommandScope, snap: NetSnapshot, owner: 'ufw' | 'firewalld', w: Where): FixPlan {
  const tool = owner === 'ufw' ? 'ufw' : 'firewall-cmd';
  const notes: string[] = [];
  const installed = snap.host.tools?.[tool];
  if (installed === false) notes.push(`${tool} is not installed here: the rules are shaped like ${owner}'s; run this where ${owner} manages them`);
  if (owner === 'ufw') {
    // ufw-before-forward already accepts RELATED,ESTABLISHED: one route rule covers the replies.
    const rule = ['route', 'allow', 'in', 'on', w.bridge, 'out', 'on', w.uplink, 'from', w.subnet];
    notes.push('ufw keeps route rules across reboots; `ufw status` lists them');
    return {
      title: `Let ufw route ${w.subnet} from ${w.bridge} out ${w.uplink}`,
      commands: [hostExec(scope, 'ufw', ...rule)],
      undo: [hostExec(scope, 'ufw', 'route', 'delete', 'allow', 'in', 'on', w.bridge, 'out', 'on', w.uplink, 'from', w.subnet)],
      notes,
    };
  }
  // Interfaces in the trusted zone may forward anywhere; established replies are accepted first.
  notes.push(`the trusted zone also accepts everything from ${w.bridge} to the host itself; a policy (firewall-cmd --new-policy) can be narrower`);
  notes.push('runtime only: repeat with --permanent to keep it across reloads');
  notes.push(`if ${w.bridge} is already in another zone, firewall-cmd refuses: use --change-interface instead`);
  return {
    title: `Put ${w.bridge} into firewalld's trusted zone`,
    commands: [hostExec(scope, 'firewall-cmd', '--zone=trusted', `--add-interface=${w.bridge}`)],
    undo: [hostExec(scope, 'firewall-cmd', '--zone=trusted', `--remove-interface=${w.bridge}`)],
    notes,
  };
}
