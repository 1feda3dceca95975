// One iptables-save rule line (`-A CHAIN ...`) -> Rule. Kept apart from the document parser so
// the option grammar (core options, `-m` modules with their own options, targets) reads as one
// unit.
import { parseCidrSpec } from './addr.js';
import type { AddrSpec, Match, PhysdevOptions, Rule, Verdict } from './model.js';
import { parseIcmpType, parsePortList } from './ports.js';

export interface Token {
  /** The argument after quote removal and unescaping. */
  value: string;
  /** The argument as written, for reproducing module/target text. */
  raw: string;
}

/**
 * Split like iptables-restore does: whitespace separates, double quotes group, and a backslash
 * escapes the next character (iptables-save writes `"a \"b\" c"`).
 */
export function tokenize(line: string): { tokens: Token[]; error?: string } {
  // Most lines hold no quote and no backslash: then a token is just a run of non-space.
  if (!/["\\]/.test(line)) {
    return { tokens: line.split(/\s+/).filter((w) => w !== '').map((w) => ({ value: w, raw: w })) };
  }
  const tokens: Token[] = [];
  let value = '';
  let raw = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length) {
      value += line[i + 1];
      raw += c + line[i + 1];
      inToken = true;
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      raw += c;
      inToken = true;
    } else if (!quoted && /\s/.test(c)) {
      if (inToken) tokens.push({ value, raw });
      value = '';
      raw = '';
      inToken = false;
    } else {
      value += c;
      raw += c;
      inToken = true;
    }
  }
  if (quoted) return { tokens, error: 'unterminated double quote' };
  if (inToken) tokens.push({ value, raw });
  return { tokens };
}

type CoreOption = 'saddr' | 'daddr' | 'iif' | 'oif' | 'proto' | 'frag' | 'match' | 'jump' | 'goto' | 'counters';

const CORE_OPTIONS: Record<string, CoreOption> = {
  '-s': 'saddr', '--source': 'saddr', '--src': 'saddr',
  '-d': 'daddr', '--destination': 'daddr', '--dst': 'daddr',
  '-i': 'iif', '--in-interface': 'iif',
  '-o': 'oif', '--out-interface': 'oif',
  '-p': 'proto', '--protocol': 'proto',
  '-f': 'frag', '--fragment': 'frag',
  '-m': 'match', '--match': 'match',
  '-j': 'jump', '--jump': 'jump',
  '-g': 'goto', '--goto': 'goto',
  '-c': 'counters', '--set-counters': 'counters',
};

/**
 * Tokens that end a module's (or target's) option list. Only short core options and the
 * unambiguous long ones: modules have long options of their own (`--proto` in -m policy ...), and
 * iptables-save always prints core options in short form.
 */
const SEGMENT_END = new Set(['-s', '-d', '-i', '-o', '-p', '-f', '-m', '-j', '-g', '-c', '--match', '--jump', '--goto']);

function endsSegment(tokens: readonly Token[], i: number): boolean {
  const t = tokens[i]?.value;
  if (t === undefined) return true;
  if (SEGMENT_END.has(t)) return true;
  return t === '!' && SEGMENT_END.has(tokens[i + 1]?.value ?? '');
}

/** Targets that do something to the packet (or log it) and let evaluation continue. */
const NON_TERMINAL_TARGETS = new Set([
  'LOG', 'NFLOG', 'ULOG', 'MARK', 'CONNMARK', 'TCPMSS', 'CT', 'NOTRACK', 'TRACE', 'CHECKSUM',
  'CLASSIFY', 'DSCP', 'TOS', 'TTL', 'HL', 'ECN', 'SET', 'SECMARK', 'CONNSECMARK', 'AUDIT',
  'IDLETIMER', 'LED', 'RATEEST', 'TEE', 'HMARK', 'TCPOPTSTRIP', 'NFACCT',
]);

/**
 * The verdict for an iptables target name and its options. Shared with the nft -j reader, whose
 * `xt` targets carry a name but no options.
 */
export function iptablesTargetVerdict(name: string, options: ReadonlyMap<string, string>, text: string): Verdict {
  switch (name) {
    case 'ACCEPT': return { kind: 'accept' };
    case 'DROP': return { kind: 'drop' };
    case 'RETURN': return { kind: 'return' };
    case 'REJECT': {
      const w = options.get('--reject-with');
      return w !== undefined ? { kind: 'reject', with: w } : { kind: 'reject' };
    }
    case 'MASQUERADE': return { kind: 'masquerade' };
    case 'SNAT': {
      const to = options.get('--to-source');
      return to !== undefined ? { kind: 'snat', to } : { kind: 'snat' };
    }
    case 'DNAT': {
      const to = options.get('--to-destination');
      return to !== undefined ? { kind: 'dnat', to } : { kind: 'dnat' };
    }
    // REDIRECT is DNAT to the receiving interface's own address.
    case 'REDIRECT': return { kind: 'dnat' };
  }
  if (NON_TERMINAL_TARGETS.has(name)) return { kind: 'none' };
  return { kind: 'unknown', text };
}

/** `--opt value...` pairs of one module/target segment; repeated options are comma-joined. */
function segmentOptions(seg: readonly Token[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < seg.length; i++) {
    const opt = seg[i]?.value ?? '';
    if (!opt.startsWith('--')) continue;
    const values: string[] = [];
    while (i + 1 < seg.length && !(seg[i + 1]?.value ?? '').startsWith('--') && seg[i + 1]?.value !== '!') {
      values.push(seg[i + 1]?.value ?? '');
      i++;
    }
    const prev = out.get(opt);
    out.set(opt, prev !== undefined ? `${prev},${values.join(' ')}` : values.join(' '));
  }
  return out;
}

function rawText(tokens: readonly Token[]): string {
  return tokens.map((t) => t.raw).join(' ');
}

function addrMatch(kind: 'saddr' | 'daddr', negate: boolean, value: string, text: string): Match {
  const addrs: AddrSpec[] = [];
  for (const part of value.split(',')) {
    const spec = parseCidrSpec(part);
    if (!spec) return { kind: 'unknown', text };
    addrs.push(spec);
  }
  return { kind, negate, addrs };
}

/** iptables' trailing `+` wildcard becomes the model's trailing `*`. */
function ifaceName(name: string): string {
  return name.endsWith('+') ? `${name.slice(0, -1)}*` : name;
}

function states(value: string): string[] {
  return value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
}

/**
 * -m conntrack / -m state: the state option becomes a ctstate match; any other option of the
 * module stays an unknown match holding just that text.
 */
function stateModule(module: 'conntrack' | 'state', seg: readonly Token[]): Match[] {
  const stateOpt = module === 'conntrack' ? '--ctstate' : '--state';
  const out: Match[] = [];
  const rest: Token[] = [];
  for (let i = 0; i < seg.length; i++) {
    const negate = seg[i]?.value === '!';
    const opt = seg[negate ? i + 1 : i];
    const val = seg[negate ? i + 2 : i + 1];
    if (opt?.value === stateOpt && val !== undefined) {
      out.push({ kind: 'ctstate', negate, states: states(val.value) });
      i += negate ? 2 : 1;
    } else if (seg[i]) {
      rest.push(seg[i] as Token);
    }
  }
  if (rest.length > 0) out.push({ kind: 'unknown', text: `-m ${module} ${rawText(rest)}` });
  return out;
}

const PHYSDEV_FLAGS: Record<string, 'isIn' | 'isOut' | 'isBridged'> = {
  '--physdev-is-in': 'isIn',
  '--physdev-is-out': 'isOut',
  '--physdev-is-bridged': 'isBridged',
};

/** -m physdev: bridge port names and flags; anything else keeps the whole match unknown. */
function physdevModule(seg: readonly Token[], text: string): Match {
  const opts: PhysdevOptions = {};
  for (let i = 0; i < seg.length; i++) {
    const negate = seg[i]?.value === '!';
    if (negate) i++;
    const opt = seg[i]?.value ?? '';
    const flag = PHYSDEV_FLAGS[opt];
    if (flag) {
      opts[flag] = { negate };
    } else if ((opt === '--physdev-in' || opt === '--physdev-out') && seg[i + 1] !== undefined) {
      opts[opt === '--physdev-in' ? 'in' : 'out'] = { name: ifaceName(seg[i + 1]!.value), negate };
      i++;
    } else {
      return { kind: 'unknown', text };
    }
  }
  return { kind: 'physdev', ...opts };
}

const PORT_OPTIONS: Record<string, 'sport' | 'dport'> = {
  '--sport': 'sport', '--source-port': 'sport', '--dport': 'dport', '--destination-port': 'dport',
  // multiport
  '--sports': 'sport', '--source-ports': 'sport', '--dports': 'dport', '--destination-ports': 'dport',
};

/**
 * -m tcp / udp / multiport / icmp: ports and ICMP types become matches; any other option of the
 * module (--tcp-flags, --syn, multiport --ports ...) stays an unknown match with just that text.
 */
function portModule(module: string, seg: readonly Token[]): Match[] {
  const out: Match[] = [];
  const rest: Token[] = [];
  for (let i = 0; i < seg.length; i++) {
    const negate = seg[i]?.value === '!';
    const opt = seg[negate ? i + 1 : i];
    const val = seg[negate ? i + 2 : i + 1];
    const portKind = opt ? PORT_OPTIONS[opt.value] : undefined;
    const ports = portKind && val ? parsePortList(val.value) : undefined;
    const icmp = module === 'icmp' && opt?.value === '--icmp-type' && val ? parseIcmpType(val.value) : undefined;
    if (portKind && ports && module !== 'icmp') {
      out.push({ kind: portKind, negate, ports });
      i += negate ? 2 : 1;
    } else if (icmp) {
      // `--icmp-type any` matches every ICMP packet: nothing beyond -p icmp.
      if (icmp !== 'any') out.push({ kind: 'icmptype', negate, types: icmp });
      else if (negate) out.push({ kind: 'icmptype', negate: false, types: [] });
      i += negate ? 2 : 1;
    } else if (seg[i]) {
      rest.push(seg[i] as Token);
    }
  }
  if (rest.length > 0) out.push({ kind: 'unknown', text: `-m ${module} ${rawText(rest)}` });
  return out;
}

export type RuleLine = { chain: string; rule: Rule } | { error: string };

/**
 * Parse `-A CHAIN ...` (optionally preceded by `[pkts:bytes]` from iptables-save -c).
 * `userChains` decides whether `-j NAME` is a jump or an unknown target.
 */
export function parseRuleLine(line: string, userChains: ReadonlySet<string>): RuleLine {
  const text = line.trim();
  const { tokens: all, error } = tokenize(text.replace(/^\[\d+:\d+\]\s+/, ''));
  if (error) return { error: `${error}: ${text}` };
  if (all[0]?.value !== '-A' || all[1] === undefined) return { error: `not a rule line: ${text}` };
  const chain = all[1].value;
  const tokens = all.slice(2);
  const matches: Match[] = [];
  let verdict: Verdict = { kind: 'none' };
  let comment: string | undefined;

  let i = 0;
  while (i < tokens.length) {
    const negate = tokens[i]?.value === '!';
    const optTok = tokens[negate ? i + 1 : i];
    const start = i;
    if (optTok === undefined) return { error: `dangling "!": ${text}` };
    const option = CORE_OPTIONS[optTok.value];
    i += negate ? 2 : 1;

    if (option === undefined) {
      // Not a core option (old-style `-s ! x`, a typo, a future option): keep it as text.
      while (!endsSegment(tokens, i)) i++;
      matches.push({ kind: 'unknown', text: rawText(tokens.slice(start, i)) });
      continue;
    }
    if (option === 'frag') {
      matches.push({ kind: 'unknown', text: rawText(tokens.slice(start, i)) });
      continue;
    }
    if (option === 'counters') {
      i += 2;
      continue;
    }
    const arg = tokens[i];
    if (arg === undefined) return { error: `${optTok.value} needs an argument: ${text}` };
    i++;
    switch (option) {
      case 'saddr':
      case 'daddr':
        matches.push(addrMatch(option, negate, arg.value, rawText(tokens.slice(start, i))));
        break;
      case 'iif':
      case 'oif':
        matches.push({ kind: option === 'iif' ? 'iifname' : 'oifname', negate, names: [ifaceName(arg.value)] });
        break;
      case 'proto':
        matches.push({ kind: 'protocol', negate, protocols: [arg.value.toLowerCase()] });
        break;
      case 'match': {
        const segStart = i;
        while (!endsSegment(tokens, i)) i++;
        const seg = tokens.slice(segStart, i);
        const module = arg.value;
        if (module === 'comment') {
          const c = segmentOptions(seg).get('--comment');
          if (c !== undefined) comment = comment === undefined ? c : `${comment} ${c}`;
        } else if (module === 'conntrack' || module === 'state') {
          matches.push(...stateModule(module, seg));
        } else if (module === 'physdev') {
          matches.push(physdevModule(seg, rawText(tokens.slice(start, i))));
        } else if (module === 'tcp' || module === 'udp' || module === 'multiport' || module === 'icmp') {
          matches.push(...portModule(module, seg));
        } else {
          matches.push({ kind: 'unknown', text: rawText(tokens.slice(start, i)) });
        }
        break;
      }
      case 'jump': {
        const segStart = i;
        while (!endsSegment(tokens, i)) i++;
        const seg = tokens.slice(segStart, i);
        const name = arg.value;
        verdict = userChains.has(name)
          ? { kind: 'jump', target: name }
          : iptablesTargetVerdict(name, segmentOptions(seg), rawText(tokens.slice(start, i)));
        break;
      }
      case 'goto':
        verdict = { kind: 'goto', target: arg.value };
        break;
    }
  }
  const rule: Rule = { text, matches, verdict };
  if (comment !== undefined) rule.comment = comment;
  return { chain, rule };
}
