// `npm run bench`: builds its own labs, measures netdoctor against its performance targets,
// prints a table and writes the figures as JSON. Not part of `npm test`.
//
//   npm run bench -- [--reps N] [--json PATH] [--only passive,active,rules,...]
//
// Every lab lives in namespaces of its own (prefix ndb...); the root namespace is never
// touched, and the labs are removed on success, failure and Ctrl-C.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { worldArgv, worldPaths } from '../src/lab/world-plan.js';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LabInfo } from '../src/lab/lab.js';
import { run } from '../src/system/run.js';
import { BenchLabs, CLI } from './lib/labs.js';
import { canMeasureMemory, expectExit, timed, timedWithMemory } from './lib/measure.js';
import { benchRules } from './lib/rules.js';
import { addContainers } from './lib/scale-lab.js';
import { BenchTerminal, currentLearnStep, plainArgv, showsCompleteChecklist, showsWholeChecklist } from './lib/terminal.js';
import { STEP_IDS } from '../src/diagnosis/steps.js';
import {
  alternate,
  failedRow,
  measured,
  median,
  notAvailable,
  ratio,
  renderTable,
  summarize,
  fitGrowth,
  type BenchRow,
} from './lib/stats.js';

const FLOOR = fileURLToPath(new URL('./floor.sh', import.meta.url));
const SECTIONS = ['passive', 'active', 'session', 'scale', 'rules', 'learn'] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '15' },
    json: { type: 'string', default: fileURLToPath(new URL('./results.json', import.meta.url)) },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`usage: npm run bench -- [--reps N] [--json PATH] [--only ${SECTIONS.join(',')}]\n`);
  process.exit(0);
}
const REPS = Math.max(3, Number(values.reps) || 15);
const only = new Set((values.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim()) as Section[]);
for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s} (${SECTIONS.join(', ')})`);

const labs = new BenchLabs();
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

/** check's argv for a lab: the lab's host namespace plays the host. */
function checkArgv(lab: LabInfo, ...extra: string[]): string[] {
  return ['node', CLI, 'check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', lab.addresses.target, '--json', ...extra];
}

/** floor.sh for a lab; `exact`: netdoctor's own query set instead of the plain queries. */
function floorArgv(lab: LabInfo, exact = false): string[] {
  const { names: n, addresses: a } = lab;
  return ['sh', FLOOR, ...(exact ? ['--exact'] : []), n.hostNs, n.containerNs, a.target, n.bridge, n.uplink, a.nsIp];
}

/** What this build of the CLI can do (features land while the bench exists). */
async function features(): Promise<{ all: boolean; learn: boolean; session: boolean }> {
  const check = await run(['node', CLI, 'check', '--help']);
  const learn = await run(['node', CLI, 'learn', '--help']);
  // The interactive Ink session exists once the UI is built (before that, `netdoctor` printed a report).
  return { all: /--all\b/.test(check.stdout), learn: learn.exitCode === 0, session: existsSync(join(dirname(CLI), 'ui', 'App.js')) };
}

// ---------------------------------------------------------------------------------------------
// Sections

async function passive(): Promise<BenchRow[]> {
  const lab = await labs.up('healthy');
  const check = checkArgv(lab, '--no-probe');
  const floor = floorArgv(lab);
  // Warm the page cache and the kernel's per-namespace state once for each side.
  expectExit(await timed(check), [0], 'passive check on a healthy lab');
  expectExit(await timed(floor), [0], 'floor.sh');
  log(`passive: ${REPS} alternating repetitions of check --no-probe, floor.sh and bare node`);
  const exact = floorArgv(lab, true);
  const s = await alternate(REPS, {
    check: async () => expectExit(await timed(check), [0], 'passive check').ms,
    floor: async () => expectExit(await timed(floor), [0], 'floor.sh').ms,
    exact: async () => expectExit(await timed(exact), [0], 'floor.sh --exact').ms,
    node: async () => expectExit(await timed(['node', '-e', '0']), [0], 'node -e 0').ms,
  });
  const [c, f, e, n] = [median(s.check), median(s.floor), median(s.exact), median(s.node)];
  return [
    measured('passive.check', 'passive check (check --no-probe --json)', c, 'ms', null, { samples: s.check, note: `median of ${REPS}` }),
    measured('passive.floor', 'floor: the raw queries one after another in sh', f, 'ms', null, { samples: s.floor, note: `median of ${REPS}` }),
    measured('passive.ratio', 'passive check / floor', ratio(c, f), 'x', { op: '<=', value: 2.0 }, { note: 'medians, measured alternately' }),
    measured('node.startup', 'bare Node startup (node -e 0)', n, 'ms', null, { samples: s.node, note: 'context: the fixed cost of any Node CLI' }),
    measured('passive.beyond-node', "check's own time beyond Node startup / floor", ratio(Math.max(c - n, 0), f), 'x', null, { note: 'context' }),
    measured('passive.exact-ratio', "passive check / floor of netdoctor's exact queries", ratio(c, e), 'x', null, { samples: s.exact, note: `context: floor --exact ${e.toFixed(1)} ms` }),
  ];
}

async function active(): Promise<BenchRow[]> {
  const reps = Math.max(3, Math.ceil(REPS / 3));
  const rows: BenchRow[] = [];
  const cases = [
    { id: 'active.healthy', label: 'active check, healthy lab', scenario: 'healthy', exit: 0, target: 0.5 },
    { id: 'active.broken', label: 'active check, broken lab (no-masquerade)', scenario: 'no-masquerade', exit: 1, target: 1.5 },
  ];
  for (const k of cases) {
    try {
      const lab = await labs.up(k.scenario);
      const argv = checkArgv(lab);
      expectExit(await timed(argv), [k.exit], k.label);
      log(`${k.id}: ${reps} repetitions`);
      const samples: number[] = [];
      for (let i = 0; i < reps; i++) samples.push(expectExit(await timed(argv), [k.exit], k.label).ms / 1000);
      rows.push(measured(k.id, k.label, median(samples), 's', { op: '<=', value: k.target }, { samples, note: `median of ${reps}` }));
    } catch (err) {
      rows.push(failedRow(k.id, k.label, 's', { op: '<=', value: k.target }, (err as Error).message));
    }
  }
  return rows;
}

const RULE_STEPS = [1250, 2500, 5000, 10000];

async function rules(): Promise<BenchRow[]> {
  const lab = await labs.up('healthy');
  const check = checkArgv(lab, '--no-probe');
  const points: { n: number; ms: number; mib: number | null; floorMs: number; exactMs: number }[] = [];
  let have = 0;
  for (const n of RULE_STEPS) {
    const add = await run(['iptables-nft-restore', '--noflush'], { ns: lab.names.hostNs, input: benchRules(have, n), timeoutMs: 120_000 });
    if (add.failed) throw new Error(`adding rules in ${lab.names.hostNs}: ${add.stderr.trim()}`);
    have = n;
    expectExit(await timed(check), [0], `check with ${n} rules`);
    const reps = Math.max(3, Math.ceil(REPS / 3));
    log(`rules: ${n} iptables rules, ${reps} alternating repetitions`);
    const mem: number[] = [];
    const s = await alternate(reps, {
      check: async () => {
        const t = await timedWithMemory(check);
        expectExit(t, [0], `check with ${n} rules`);
        if (t.maxRssMiB !== null) mem.push(t.maxRssMiB);
        return t.ms;
      },
      floor: async () => expectExit(await timed(floorArgv(lab)), [0], 'floor.sh').ms,
      exact: async () => expectExit(await timed(floorArgv(lab, true)), [0], 'floor.sh --exact').ms,
    });
    points.push({ n, ms: median(s.check), mib: mem.length ? Math.max(...mem) : null, floorMs: median(s.floor), exactMs: median(s.exact) });
  }
  const rows: BenchRow[] = [];
  for (const p of points) {
    rows.push(measured(`rules.${p.n}.time`, `check --no-probe, ${p.n} iptables rules`, p.ms, 'ms', null, { note: `floor ${Math.round(p.floorMs)} ms, exact floor ${Math.round(p.exactMs)} ms` }));
  }
  const last = points[points.length - 1]!;
  rows.push(measured('rules.10000.ratio', 'check / floor, 10,000 rules', ratio(last.ms, last.floorMs), 'x', { op: '<=', value: 2.0 }, { note: 'medians, measured alternately' }));
  rows.push(measured('rules.10000.exact-ratio', "check / floor of netdoctor's exact queries, 10,000 rules", ratio(last.ms, last.exactMs), 'x', null, { note: 'context' }));
  if (last.mib !== null) rows.push(measured('rules.10000.memory', 'peak memory, 10,000 rules', last.mib, 'MiB', { op: '<', value: 200 }));
  else rows.push(notAvailable('rules.10000.memory', 'peak memory, 10,000 rules', 'MiB', { op: '<', value: 200 }, '/usr/bin/time (GNU time) is not installed'));
  const g = fitGrowth(points.map((p) => ({ x: p.n, y: p.ms })));
  if (g) rows.push(measured('rules.growth.time', 'time growth per doubling of rules', g.perDoubling, 'x', { op: '<=', value: 2.0 }, { note: `fit over ${RULE_STEPS.join('/')}: t ~ n^${g.exponent.toFixed(2)}` }));
  const gm = points.every((p) => p.mib !== null) ? fitGrowth(points.map((p) => ({ x: p.n, y: p.mib! }))) : null;
  if (gm) rows.push(measured('rules.growth.memory', 'memory growth per doubling of rules', gm.perDoubling, 'x', { op: '<=', value: 2.0 }, { note: `fit: m ~ n^${gm.exponent.toFixed(2)}` }));
  return rows;
}

const SCALE_STEPS = [1, 10, 50, 200];

/** `check --all --no-probe` on a lab host with 1, 10, 50, 200 containers: time, memory, growth. */
async function scale(has: { all: boolean }): Promise<BenchRow[]> {
  const label = (n: number) => `check --all --no-probe, ${n} namespace${n === 1 ? '' : 's'}`;
  const timeTarget = (n: number) => (n === 200 ? { op: '<' as const, value: 3 } : null);
  if (!has.all) {
    return [
      ...SCALE_STEPS.map((n) => notAvailable(`scale.${n}.time`, label(n), 's', timeTarget(n))),
      notAvailable('scale.200.memory', 'peak memory, 200 namespaces', 'MiB', { op: '<', value: 200 }),
      notAvailable('scale.growth.time', 'time growth per doubling of namespaces', 'x', { op: '<=', value: 2.0 }),
      ...(await singleCheckOnBusyHost()),
    ];
  }
  const lab = await labs.up('healthy');
  const argv = ['node', CLI, 'check', '--all', '--host-ns', lab.names.hostNs, '--target', lab.addresses.target, '--no-probe', '--json'];
  const points: { n: number; s: number; mib: number | null }[] = [];
  let have = 1; // the lab's own container
  const reps = Math.max(3, Math.ceil(REPS / 5));
  for (const n of SCALE_STEPS) {
    await addContainers(lab, have, n);
    have = n;
    expectExit(await timed(argv), [0], label(n));
    log(`scale: ${n} namespaces, ${reps} repetitions`);
    const times: number[] = [];
    const mem: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = await timedWithMemory(argv);
      expectExit(t, [0], label(n));
      times.push(t.ms / 1000);
      if (t.maxRssMiB !== null) mem.push(t.maxRssMiB);
    }
    points.push({ n, s: median(times), mib: mem.length ? Math.max(...mem) : null });
  }
  const rows: BenchRow[] = points.map((p) => measured(`scale.${p.n}.time`, label(p.n), p.s, 's', timeTarget(p.n), { note: p.mib !== null ? `peak ${p.mib.toFixed(0)} MiB` : undefined }));
  const last = points[points.length - 1]!;
  rows.push(
    last.mib !== null
      ? measured('scale.200.memory', 'peak memory, 200 namespaces', last.mib, 'MiB', { op: '<', value: 200 })
      : notAvailable('scale.200.memory', 'peak memory, 200 namespaces', 'MiB', { op: '<', value: 200 }, '/usr/bin/time (GNU time) is not installed'),
  );
  const g = fitGrowth(points.map((p) => ({ x: p.n, y: p.s })));
  if (g) rows.push(measured('scale.growth.time', 'time growth per doubling of namespaces', g.perDoubling, 'x', { op: '<=', value: 2.0 }, { note: `fit over ${SCALE_STEPS.join('/')}: t ~ n^${g.exponent.toFixed(2)}` }));
  const gm = points.every((p) => p.mib !== null) ? fitGrowth(points.map((p) => ({ x: p.n, y: p.mib! }))) : null;
  if (gm) rows.push(measured('scale.growth.memory', 'memory growth per doubling of namespaces', gm.perDoubling, 'x', { op: '<=', value: 2.0 }, { note: `fit: m ~ n^${gm.exponent.toFixed(2)}` }));
  return rows;
}

/**
 * Until `check --all` exists: ONE namespace's `check --no-probe` on a host with 1, 10, 50 and
 * 200 containers on its bridge (the host's links, addresses and neighbours grow with them).
 */
async function singleCheckOnBusyHost(): Promise<BenchRow[]> {
  const lab = await labs.up('healthy');
  const argv = checkArgv(lab, '--no-probe');
  const reps = Math.max(3, Math.ceil(REPS / 3));
  const points: { n: number; ms: number; mib: number | null }[] = [];
  let have = 1;
  for (const n of SCALE_STEPS) {
    await addContainers(lab, have, n);
    have = n;
    expectExit(await timed(argv), [0], `check on a host with ${n} containers`);
    log(`scale (single check): host with ${n} containers, ${reps} repetitions`);
    const ms: number[] = [];
    const mem: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = expectExit(await timedWithMemory(argv), [0], `check on a host with ${n} containers`) as Awaited<ReturnType<typeof timedWithMemory>>;
      ms.push(t.ms);
      if (t.maxRssMiB !== null) mem.push(t.maxRssMiB);
    }
    points.push({ n, ms: median(ms), mib: mem.length ? Math.max(...mem) : null });
  }
  const rows = points.map((p) =>
    measured(`scale.single.${p.n}.time`, `one check --no-probe, host with ${p.n} container${p.n === 1 ? '' : 's'}`, p.ms, 'ms', null, { note: p.mib !== null ? `peak ${p.mib.toFixed(0)} MiB` : undefined }),
  );
  const g = fitGrowth(points.map((p) => ({ x: p.n, y: p.ms })));
  if (g) rows.push(measured('scale.single.growth.time', 'one check: time growth per doubling of containers', g.perDoubling, 'x', { op: '<=', value: 2.0 }, { note: `fit: t ~ n^${g.exponent.toFixed(2)}` }));
  return rows;
}

/**
 * The interactive session in a real terminal (tmux, 120x60) on a healthy lab: the first frame
 * that shows the whole checklist, and the first in which every step has its verdict.
 */
async function session(has: { session: boolean }): Promise<BenchRow[]> {
  const complete = { id: 'session.complete', label: 'session: first frame with every step judged', target: { op: '<=' as const, value: 0.3 } };
  const whole = { id: 'session.whole', label: 'session: first frame showing the whole checklist' };
  if (!has.session) return [notAvailable(complete.id, complete.label, 's', complete.target), notAvailable(whole.id, whole.label, 's', null)];
  const lab = await labs.up('healthy');
  const term = new BenchTerminal(`ndb${labs.tag}tui`);
  await term.open();
  try {
    const argv = ['node', CLI, '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', lab.addresses.target];
    const predicates = { whole: (s: string) => showsWholeChecklist(s, STEP_IDS), complete: (s: string) => showsCompleteChecklist(s, STEP_IDS) };
    await term.time(argv, predicates); // warm-up
    const reps = Math.max(3, Math.ceil(REPS / 3));
    log(`session: ${reps} runs in tmux`);
    const w: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < reps; i++) {
      const r = await term.time(argv, predicates);
      if (r.ms.complete === null) throw new Error(`the session never showed every step judged; the screen:\n${r.screen}`);
      c.push(r.ms.complete / 1000);
      if (r.ms.whole !== null) w.push(r.ms.whole / 1000);
    }
    return [
      measured(complete.id, complete.label, median(c), 's', complete.target, { samples: c, note: `median of ${reps}, healthy lab, probe on` }),
      w.length ? measured(whole.id, whole.label, median(w), 's', null, { samples: w, note: 'context' }) : failedRow(whole.id, whole.label, 's', null, 'never seen'),
    ];
  } finally {
    await term.close();
  }
}

/**
 * `netdoctor learn` in a real terminal: for each tutorial step whose command is plain argv, run
 * that command in the lab world (as `lab exec` does, without its Node start-up) and time until
 * the screen ticks the step.
 */
async function learn(has: { learn: boolean }): Promise<BenchRow[]> {
  const id = 'learn.tick';
  const label = 'learn: command in the lab -> its step ticks';
  const target = { op: '<=' as const, value: 200 };
  if (!has.learn) return [notAvailable(id, label, 'ms', target)];
  const prefix = labs.newWorld();
  const dir = mkdtempSync(join(tmpdir(), 'ndbench-learn-'));
  const term = new BenchTerminal(`ndb${labs.tag}lrn`);
  await term.open();
  try {
    await term.start(['env', `NETDOCTOR_LEARN_DIR=${dir}`, 'node', CLI, 'learn', '--up', '--prefix', prefix]);
    let { screen } = await term.waitFor('step 1', (s) => currentLearnStep(s)?.step === 1, performance.now(), 60_000);
    const paths = worldPaths(prefix);
    const samples: number[] = [];
    for (let guard = 0; guard < 30; guard++) {
      const cur = currentLearnStep(screen);
      if (!cur) break;
      const argv = cur.command ? plainArgv(cur.command) : null;
      const tick = (s: string) => new RegExp(`✓ ${cur.step}/${cur.total}\\b`).test(s);
      if (argv) {
        const t0 = performance.now();
        const r = await run(worldArgv(paths, argv), { timeoutMs: 30_000 });
        if (r.failed) throw new Error(`step ${cur.step}: ${argv.join(' ')}: ${r.stderr.trim()}`);
        samples.push((await term.waitFor(`step ${cur.step} ticked`, tick, t0, 10_000)).ms);
      } else {
        await term.keys('Enter'); // let netdoctor run it (ping, shell syntax)
        await term.waitFor(`step ${cur.step} ticked`, tick, performance.now(), 20_000);
      }
      if (cur.step >= cur.total) break;
      ({ screen } = await term.waitFor(`step ${cur.step + 1}`, (s) => currentLearnStep(s)?.step === cur.step + 1, performance.now(), 20_000));
    }
    await term.keys('q');
    if (!samples.length) return [failedRow(id, label, 'ms', target, 'no step had a plain command to time')];
    return [measured(id, label, median(samples), 'ms', target, { samples, note: `median over ${samples.length} steps, max ${Math.round(Math.max(...samples))} ms` })];
  } finally {
    await term.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

function machine() {
  const cpu = cpus();
  return { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, kernel: release(), node: process.version, memoryGiB: +(totalmem() / 2 ** 30).toFixed(1) };
}

async function section(name: Section, f: () => Promise<BenchRow[]> | BenchRow[]): Promise<BenchRow[]> {
  if (!only.has(name)) return [];
  try {
    return await f();
  } catch (err) {
    return [failedRow(`${name}.error`, `${name}: could not measure`, 'ms', { op: '<=', value: 0 }, (err as Error).message)];
  }
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench: needs root (it builds network namespaces)\n');
    return 2;
  }
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  await labs.start();
  let rows: BenchRow[] = [];
  try {
    const has = await features();
    rows = [
      ...(await section('passive', passive)),
      ...(await section('active', active)),
      ...(await section('session', () => session(has))),
      ...(await section('scale', () => scale(has))),
      ...(await section('rules', rules)),
      ...(await section('learn', () => learn(has))),
    ];
  } finally {
    await labs.cleanup();
  }
  const info = { ...machine(), loadavgBefore: loadBefore.map((l) => +l.toFixed(2)), loadavgAfter: loadavg().map((l) => +l.toFixed(2)) };
  process.stdout.write(`\nnetdoctor bench  ${startedAt}\n`);
  process.stdout.write(`machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, Linux ${info.kernel}, Node ${info.node}\n`);
  process.stdout.write(`load average before/after: ${info.loadavgBefore.join(' ')} / ${info.loadavgAfter.join(' ')}${canMeasureMemory() ? '' : '  (no GNU time: memory not measured)'}\n\n`);
  process.stdout.write(renderTable(rows));
  const sum = summarize(rows);
  process.stdout.write(`\n${sum.pass} met, ${sum.fail} missed, ${sum.na} not available in this build\n`);
  writeFileSync(values.json!, `${JSON.stringify({ schemaVersion: 1, startedAt, reps: REPS, machine: info, summary: sum, rows }, null, 2)}\n`);
  process.stdout.write(`figures written to ${values.json}\n`);
  return sum.allMet ? 0 : 1;
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    process.stderr.write(`bench: ${sig}: removing the bench labs\n`);
    void labs.cleanup().finally(() => process.exit(130));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
    await labs.cleanup();
    process.exitCode = 2;
  },
);
