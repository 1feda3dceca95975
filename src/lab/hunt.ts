// The random fault hunt, as pure data: a seeded generator that combines one to three faults
// from the scenario catalogue into one lab (random names, subnet and uplink), and the grader
// that holds a `check --json` report against the ground truth. Nothing here spawns a process;
// test/support/hunt-run.ts builds the labs and runs the built CLI.
//
// Ground truth (the rule the grader applies, step by step in the contract's order):
// - A step one of the injected faults breaks is expected `fail` (`warn` for a warn-only step).
// - A step whose lab build step was left out only because a step it depends on was left out
//   (ns-link-down: the kernel refuses the default route on a down link) is expected `fail` as
//   well: the thing it checks really is missing.
// - Any other step is expected `pass`.
// - Masking: a step whose prerequisite (its check's `requires`) is expected to fail or be
//   skipped is expected `skip` instead; if the prerequisite only might block, either is accepted.
// - egress.ping fails when any injected fault fails and breaks egress (pass otherwise: a fault
//   the ping cannot see, like ufw passing ICMP only, leaves it passing) and is `skip` without a
//   probe; ns.dns depends on the machine's resolv.conf and is not graded.
// - A fault only the probe can prove (rp_filter dropping replies the upstream sends back by
//   another link: nothing on the host shows that path) is expected `warn` without a probe; with
//   one, `fail` when no other fault breaks egress (the drops are counted), else either (another
//   fault may stop the requests before any reply comes back to be dropped).
// - A further warning a fault's scenario announces (a side effect) may be warn or pass.
// - The diagnosis is the first injected fault, in step order, that is expected to fail (or, when
//   that one may also not fail, any later one that may, or none); the exit code is 1 with a
//   diagnosis and 0 without; egress is broken/ok with a probe, unknown without.
import { CHECKS } from '../diagnosis/checks/index.js';
import { STEP_IDS, type StepId } from '../diagnosis/steps.js';
import type { Report, StepStatus } from '../model/result.js';
import type { Scenario } from './scenario.js';
import { BUILD_STEP_IDS, selectSteps, type BuildStepId, type ExtraCommand, type LabOptions } from './topology.js';

/** One fault of the catalogue: what it leaves out, what it adds, and the step it breaks. */
export interface Fault {
  id: string;
  step: StepId;
  status: 'fail' | 'warn';
  omit: string[];
  extra: ExtraCommand[];
  needs: BuildStepId[];
  /** Containers the fault needs on the bridge (its scenario's `containers`). */
  containers?: number;
  /** Steps whose faults this one's commands would hide (its scenario's `masks`). */
  masks?: StepId[];
  /**
   * Further steps the scenario warns on (docker-legacy-forward-drop also splits rules between
   * backends). Only a side effect that other faults can undo: graded as warn or pass.
   */
  alsoWarn?: StepId[];
  /** False for a fault the ping cannot see (ufw passes ICMP, drops TCP): egress stays ok. */
  breaksEgress?: boolean;
  /** Its step fails only on what the probe counts (its scenario's `diagnosedByProbe`); unprobed it warns. */
  diagnosedByProbe?: boolean;
}

/** Scenarios that break something (or warn): the healthy variants are not faults. */
export function faultCatalogue(scenarios: readonly Scenario[]): Fault[] {
  const out: Fault[] = [];
  for (const s of scenarios) {
    const step = s.expect.diagnosis ?? s.expect.warn[0];
    if (!step) continue;
    // A background program must start between the build and the scenario's commands (a flow
    // tracked before NAT exists): other faults' commands cannot be combined into that timing.
    if (s.background?.length) continue;
    const alsoWarn = s.expect.warn.filter((w) => w !== step);
    out.push({
      id: s.id, step, status: s.expect.diagnosis ? 'fail' : 'warn', omit: s.omit, extra: s.extra, needs: s.needs,
      ...(alsoWarn.length ? { alsoWarn } : {}),
      ...(s.containers ? { containers: s.containers } : {}),
      ...(s.masks ? { masks: s.masks } : {}),
      ...(s.expect.diagnosis && s.expect.egress === 'ok' ? { breaksEgress: false } : {}),
      ...(s.diagnosedByProbe ? { diagnosedByProbe: true } : {}),
    });
  }
  return out;
}

/** What an extra command creates under a name of its own: `ip link add X`, `ip tuntap add X`, `iptables -N X`. */
function createdName(e: ExtraCommand): string | null {
  const [cmd, ...args] = e.argv;
  if (cmd === 'ip' && args[0] === 'link' && args[1] === 'add') return `${e.in} link ${args[2] === 'name' || args[2] === 'dev' ? args[3] : args[2]}`;
  if (cmd === 'ip' && args[0] === 'tuntap' && args[1] === 'add') return `${e.in} link ${args[2] === 'dev' || args[2] === 'name' ? args[3] : args[2]}`;
  const n = args.indexOf('-N');
  if (cmd?.startsWith('iptables') && n >= 0) {
    const t = args.indexOf('-t');
    return `${e.in} ${cmd} ${t >= 0 ? args[t + 1] : 'filter'} chain ${args[n + 1]}`;
  }
  return null;
}

/** Why these faults cannot share one lab (one leaves out what another's commands need), or null. */
export function incompatibility(faults: readonly Fault[]): string | null {
  const ids = new Set(faults.map((f) => f.id));
  if (ids.size !== faults.length) return 'a fault appears twice';
  for (const f of faults) {
    const hidden = faults.find((g) => g !== f && f.masks?.includes(g.step));
    if (hidden) return `${f.id} would hide ${hidden.id} (${hidden.step})`;
  }
  // Two faults that create the same link or chain cannot both build it.
  const creators = new Map<string, string>();
  for (const f of faults) {
    for (const name of new Set(f.extra.map(createdName).filter((x): x is string => x !== null))) {
      const other = creators.get(name);
      if (other) return `${f.id} and ${other} both create ${name}`;
      creators.set(name, f.id);
    }
  }
  // A fault the ping cannot see lets some traffic through (ufw accepts ICMP): another fault on
  // the same step may then be hidden behind its ACCEPT, so whether egress breaks depends on rule
  // order. Such pairs have no ground truth.
  for (const f of faults.filter((x) => x.breaksEgress === false)) {
    const other = faults.find((g) => g !== f && g.step === f.step);
    if (other) return `${f.id} and ${other.id} both act on ${f.step}: one's accepts may hide the other's drops`;
  }
  // A fault that accepts the namespace's subnet in FORWARD (iptables-legacy-and-nft) lets it
  // past another fault's drop in the same chain: whether it is dropped depends on rule order.
  const acceptsSubnet = (f: Fault) => f.extra.some((e) => e.argv.includes('FORWARD') && e.argv.includes('ACCEPT') && e.argv.includes('{subnet}'));
  for (const f of faults.filter(acceptsSubnet)) {
    const other = faults.find((g) => g !== f && g.step === 'host.forward');
    if (other) return `${f.id} accepts the subnet in FORWARD, which may hide ${other.id}'s drop`;
  }
  const { built } = selectSteps([...new Set(faults.flatMap((f) => f.omit))]);
  for (const f of faults) {
    const missing = f.needs.find((n) => !built.includes(n));
    if (missing) return `${f.id} needs ${missing}, which the combination leaves out`;
  }
  return null;
}

/** The faults as one scenario: every omission, and every fault's commands in order. */
export function combineFaults(faults: readonly Fault[], id: string): Scenario {
  const omit = [...new Set(faults.flatMap((f) => f.omit))];
  const failing = STEP_IDS.find((s) => faults.some((f) => f.step === s && f.status === 'fail')) ?? null;
  const broken = faults.some((f) => f.status === 'fail' && f.breaksEgress !== false);
  return {
    id,
    title: `hunt: ${faults.map((f) => f.id).join(' + ')}`,
    story: `Random combination of ${faults.map((f) => f.id).join(', ')}.`,
    expect: { diagnosis: failing, warn: faults.filter((f) => f.status === 'warn').map((f) => f.step), egress: broken ? 'broken' : 'ok' },
    omit,
    extra: faults.flatMap((f) => f.extra),
    needs: [...new Set(faults.flatMap((f) => f.needs))],
    ...(faults.some((f) => f.containers) ? { containers: Math.max(...faults.map((f) => f.containers ?? 1)) } : {}),
    file: `(${id})`,
  };
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness (mulberry32: small, fast, good enough to spread cases)

export type Rng = () => number;

export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function int(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick: empty list');
  return item;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const PLAIN = `${LOWER}0123456789`;
// Legal in interface names and harmless to ip, iptables and nft; '%' is a kernel name template
// and is refused by netdoctor's validation, so it is not generated.
const ODD = '_.@=+-';
const RESERVED = new Set(['lo', 'all', 'default', 'wan0']);

/** A valid interface name: 1 to 15 bytes, mostly plain, sometimes with odd characters. */
export function randomInterfaceName(rng: Rng): string {
  for (;;) {
    const len = pick(rng, [1, 2, 3, 4, 5, 6, 8, 11, 15]);
    let name = LOWER[int(rng, 0, LOWER.length - 1)] ?? 'x';
    while (name.length < len) name += rng() < 0.15 ? (ODD[int(rng, 0, ODD.length - 1)] ?? '_') : (PLAIN[int(rng, 0, PLAIN.length - 1)] ?? 'x');
    // A trailing '+' is an iptables wildcard; such a name is legal but would change what the
    // lab's own rules match, so it is not generated.
    if (!RESERVED.has(name) && !name.endsWith('+')) return name;
  }
}

/** A lab subnet: private or shared (CGNAT) space, any prefix length the lab accepts (/8../29). */
export function randomSubnet(rng: Rng): string {
  const block = pick(rng, [
    { base: [10, 0, 0, 0], min: 8 },
    { base: [172, 16, 0, 0], min: 12 },
    { base: [192, 168, 0, 0], min: 16 },
    { base: [100, 64, 0, 0], min: 10 },
  ]);
  const len = int(rng, block.min, 29);
  const baseInt = block.base.reduce((acc, b) => acc * 256 + b, 0);
  // Random bits between the block's prefix and the subnet's.
  const span = 2 ** (32 - block.min);
  const size = 2 ** (32 - len);
  const net = baseInt + Math.floor(rng() * (span / size)) * size;
  const octets = [24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256);
  return `${octets.join('.')}/${len}`;
}

export interface HuntCase {
  seed: number;
  faults: string[];
  /** Lab options without the prefix (the runner gives each lab its own). */
  options: Omit<LabOptions, 'prefix'>;
  scenario: Scenario;
  /** Whether the runner also pings (a probe on a subset keeps 200 cases fast). */
  probe: boolean;
}

/** One random lab: 1 to 3 compatible faults, random names and subnet. Same seed, same case. */
export function generateCase(seed: number, catalogue: readonly Fault[], opts: { probe?: boolean } = {}): HuntCase {
  const rng = seededRng(seed);
  const count = int(rng, 1, 3);
  let faults: Fault[] = [];
  for (let attempt = 0; ; attempt++) {
    const pool = [...catalogue];
    faults = [];
    while (faults.length < count && pool.length) faults.push(...pool.splice(int(rng, 0, pool.length - 1), 1));
    if (!incompatibility(faults)) break;
    if (attempt > 100) throw new Error(`seed ${seed}: no compatible combination of ${count} faults`);
  }
  // Distinct names: all four live in the host namespace while the lab is built.
  const names = new Set<string>();
  const fresh = () => {
    for (;;) {
      const n = randomInterfaceName(rng);
      if (!names.has(n)) {
        names.add(n);
        return n;
      }
    }
  };
  const options = {
    bridge: fresh(),
    vethHost: fresh(),
    vethNs: fresh(),
    uplink: fresh(),
    // Container short names: namespace-name characters, never the lab's own "host"/"inet".
    ns: `c${randomInterfaceName(rng).replace(/[^A-Za-z0-9_.@+=-]/g, '_')}`,
    subnet: randomSubnet(rng),
  };
  return { seed, faults: faults.map((f) => f.id), options, scenario: combineFaults(faults, `hunt-${seed}`), probe: opts.probe ?? false };
}

// ---------------------------------------------------------------------------------------------
// Ground truth and grading

/** The lab build steps that realise each diagnosis step (the rest have none). */
const BUILD_FOR_STEP: Partial<Record<StepId, BuildStepId[]>> = Object.fromEntries(
  STEP_IDS.map((s) => [s, s === 'veth.exists' ? ['veth.exists', 'veth.move'] : s === 'host.uplink' ? ['uplink.link', 'host.uplink'] : (BUILD_STEP_IDS as readonly string[]).includes(s) ? [s] : []]),
) as Partial<Record<StepId, BuildStepId[]>>;

const NOT_GRADED: readonly StepId[] = ['ns.dns'];
/** Steps judged for the namespace's source address. */
const SOURCE_STEPS: readonly StepId[] = ['host.forward', 'host.masquerade'];
/**
 * Faults that only show when other steps pass: an address outside the bridge's subnet cannot
 * be told from a right one while the bridge has no address (ns.address then passes).
 */
const MASKED_UNLESS: Record<string, { step: StepId; unless: StepId[] }> = {
  'ns-address-outside-subnet': { step: 'ns.address', unless: ['bridge.address'] },
};

/** The statuses each step may have in a correct report of this case. */
export function expectedStatuses(c: HuntCase, faults: readonly Fault[]): Map<StepId, StepStatus[]> {
  const injected = new Map<StepId, 'fail' | 'warn'>();
  for (const f of faults) if (c.faults.includes(f.id)) injected.set(f.step, injected.get(f.step) === 'fail' ? 'fail' : f.status);
  const { skipped } = selectSteps(c.scenario.omit);
  const cascaded = new Set(skipped.filter((s) => s.id !== s.because).map((s) => s.id));
  // Side-effect warnings: what another fault changes may remove them (legacy rules alone).
  const sideWarn = new Set(faults.filter((f) => c.faults.includes(f.id)).flatMap((f) => f.alsoWarn ?? []).filter((id) => !injected.has(id)));
  const anyFail = breaksEgress(c, faults);
  // Faults proven only by the probe: what each one's step may be in this case.
  const byProbe = new Map<StepId, StepStatus[]>();
  for (const f of faults.filter((x) => x.diagnosedByProbe && c.faults.includes(x.id))) {
    const others = faults.some((g) => g !== f && c.faults.includes(g.id) && g.status === 'fail' && g.breaksEgress !== false);
    byProbe.set(f.step, !c.probe ? ['warn'] : others ? ['fail', 'warn'] : ['fail']);
  }
  const out = new Map<StepId, StepStatus[]>();
  for (const check of CHECKS) {
    const id = check.id;
    let own: StepStatus[];
    if (NOT_GRADED.includes(id)) own = ['pass', 'warn', 'fail', 'skip'];
    else if (id === 'egress.ping') own = c.probe ? [anyFail ? 'fail' : 'pass'] : ['skip'];
    // Measured only once a plain ping gets through; the lab's links all carry 1500 bytes.
    else if (id === 'path.mtu') own = c.probe && !anyFail ? [injected.get(id) ?? 'pass'] : ['skip'];
    else if (byProbe.has(id)) own = byProbe.get(id)!;
    else if (injected.has(id)) own = [injected.get(id)!];
    else if (sideWarn.has(id)) own = ['warn', 'pass'];
    else if ((BUILD_FOR_STEP[id] ?? []).some((b) => cascaded.has(b))) own = [check.warnOnly ? 'warn' : 'fail'];
    else own = ['pass'];
    const passes = (step: StepId) => (out.get(step) ?? ['pass']).includes('pass');
    const surelyPasses = (step: StepId) => (out.get(step) ?? ['pass']).every((s) => s === 'pass');
    const masks = [...injected.keys()].length ? c.faults.flatMap((f) => (MASKED_UNLESS[f]?.step === id ? MASKED_UNLESS[f]!.unless : [])) : [];
    if (masks.some((m) => !surelyPasses(m))) own = masks.every((m) => !passes(m)) ? ['pass'] : [...new Set<StepStatus>([...own, 'pass'])];
    const pre = check.requires.map((r) => out.get(r) ?? ['pass']);
    if (SOURCE_STEPS.includes(id) && c.faults.includes('ns-address-outside-subnet') && !surelyPasses('bridge.address')) {
      // The wrong address could not be told from a right one, so these steps judge the packets
      // it really sends, which the lab's subnet-scoped rules do not cover: no ground truth.
      own = [...new Set<StepStatus>([...own, 'pass', 'fail'])];
    }
    if (SOURCE_STEPS.includes(id)) {
      // Judged for the namespace's address, or the one ns.address's fix would give it (an address
      // in the bridge's subnet): without either there is no packet to evaluate.
      const none = !passes('ns.address') && !passes('bridge.address');
      const maybeNone = !surelyPasses('ns.address') && !surelyPasses('bridge.address');
      if (none) pre.push(['skip']);
      else if (maybeNone) pre.push(['pass', 'skip']);
    }
    const surelyBlocked = pre.some((p) => p.every((s) => s === 'fail' || s === 'skip' || s === 'error'));
    const maybeBlocked = pre.some((p) => p.some((s) => s === 'fail' || s === 'skip' || s === 'error'));
    out.set(id, surelyBlocked ? ['skip'] : maybeBlocked ? [...new Set<StepStatus>([...own, 'skip'])] : own);
  }
  // netdoctor finds the bridge through the veth peer's master or the namespace's subnet; when
  // neither leads there it assumes the only bridge and says so with a warning (which blocks nothing).
  const surely = (step: StepId) => (out.get(step) ?? ['pass']).every((s) => s === 'pass');
  const tied = (surely('veth.exists') && surely('veth.attached')) || (surely('ns.address') && surely('bridge.address'));
  const bridge = out.get('bridge.exists');
  if (!tied && bridge?.includes('pass')) out.set('bridge.exists', [...bridge, 'warn']);
  return out;
}

/** Whether the case's faults break the ping (a fault the ping cannot see does not). */
export function breaksEgress(c: HuntCase, faults: readonly Fault[]): boolean {
  return faults.some((f) => c.faults.includes(f.id) && f.status === 'fail' && f.breaksEgress !== false);
}

/** The diagnosis a correct report names: the first injected fault, in step order, that fails. */
export function expectedDiagnosis(c: HuntCase, faults: readonly Fault[]): StepId | null {
  return expectedDiagnoses(c, faults)[0] ?? null;
}

/**
 * Every diagnosis a correct report may name, the likeliest first: the first injected fault in
 * step order that may fail; when it may also not fail, the next one that may, and so on (null:
 * none fails).
 */
export function expectedDiagnoses(c: HuntCase, faults: readonly Fault[]): (StepId | null)[] {
  const exp = expectedStatuses(c, faults);
  const steps = new Set(faults.filter((f) => c.faults.includes(f.id) && f.status === 'fail').map((f) => f.step));
  const out: (StepId | null)[] = [];
  for (const s of STEP_IDS) {
    const allowed = exp.get(s);
    if (!steps.has(s) || !allowed?.includes('fail')) continue;
    out.push(s);
    if (allowed.every((x) => x === 'fail')) return out;
  }
  return [...out, null];
}

/** Everything wrong with `report` for this case; empty when the diagnosis is right. */
export function gradeReport(c: HuntCase, faults: readonly Fault[], report: Report | null, exitCode: number | null): string[] {
  if (!report) return [`no JSON report (exit ${exitCode})`];
  const problems: string[] = [];
  const wants = expectedDiagnoses(c, faults);
  const got = report.diagnosis?.step ?? null;
  if (!wants.includes(got)) problems.push(`diagnosis ${got ?? 'none'}, expected ${wants.map((w) => w ?? 'none').join(' or ')}${report.diagnosis ? ` ("${report.diagnosis.summary}")` : ''}`);
  // The exit code goes with the diagnosis the report names.
  const wantExit = (wants.includes(got) ? got : wants[0]) ? 1 : 0;
  if (exitCode !== wantExit) problems.push(`exit ${exitCode}, expected ${wantExit}`);
  const wantEgress = c.probe ? (breaksEgress(c, faults) ? 'broken' : 'ok') : 'unknown';
  if (report.egress !== wantEgress) problems.push(`egress ${report.egress}, expected ${wantEgress}`);
  for (const [id, allowed] of expectedStatuses(c, faults)) {
    const step = report.steps.find((s) => s.id === id);
    if (!step) problems.push(`${id}: missing from the report`);
    else if (!allowed.includes(step.status)) problems.push(`${id}: ${step.status}, expected ${allowed.join(' or ')} ("${step.summary}")`);
  }
  return problems;
}
