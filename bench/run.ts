// `npm run bench`: builds its own labs, measures netdoctor against its performance targets,
// prints a table and writes the figures as JSON. Not part of `npm test`.
//
//   npm run bench -- [--reps N] [--json PATH] [--only passive,active,rules,...]
//
// Every lab lives in namespaces of its own (prefix ndb...); the root namespace is never
// touched, and the labs are removed on success, failure and Ctrl-C.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LabInfo } from '../src/lab/lab.js';
import { run } from '../src/system/run.js';
import { BenchLabs, CLI } from './lib/labs.js';
import { canMeasureMemory, expectExit, timed, timedWithMemory } from './lib/measure.js';
import { benchRules } from './lib/rules.js';
import { addContainers } from './lib/scale-lab.js';
import {
  alternate,
  failedRow,
  measured,
  median,
  notAvailable,
  ratio,
  renderTable,
  summarize,
  worstGrowth,
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

function floorArgv(lab: LabInfo): string[] {
  const { names: n, addresses: a } = lab;
  return ['sh', FLOOR, n.hostNs, n.containerNs, a.target, n.bridge, n.uplink, a.nsIp];
}

/** What this build of the CLI can do (features land while the bench exists). */
async function features(): Promise<{ all: boolean; learn: boolean; session: boolean }> {
  const check = await run(['node', CLI, 'check', '--help']);
  const learn = await run(['node', CLI, 'learn', '--help']);
  return { all: /--all\b/.test(check.stdout), learn: learn.exitCode === 0, session: false };
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
  const s = await alternate(REPS, {
    check: async () => expectExit(await timed(check), [0], 'passive check').ms,
    floor: async () => expectExit(await timed(floor), [0], 'floor.sh').ms,
    node: async () => expectExit(await timed(['node', '-e', '0']), [0], 'node -e 0').ms,
  });
  const [c, f, n] = [median(s.check), median(s.floor), median(s.node)];
  return [
    measured('passive.check', 'passive check (check --no-probe --json)', c, 'ms', null, { samples: s.check, note: `median of ${REPS}` }),
    measured('passive.floor', 'floor: the same raw queries in sh', f, 'ms', null, { samples: s.floor, note: `median of ${REPS}` }),
    measured('passive.ratio', 'passive check / floor', ratio(c, f), 'x', { op: '<=', value: 2.0 }, { note: 'medians, measured alternately' }),
    measured('node.startup', 'bare Node startup (node -e 0)', n, 'ms', null, { samples: s.node, note: 'context: the fixed cost of any Node CLI' }),
    measured('passive.beyond-node', "check's own time beyond Node startup / floor", ratio(Math.max(c - n, 0), f), 'x', null, { note: 'context' }),
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
  const points: { n: number; ms: number; mib: number | null; floorMs: number }[] = [];
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
    });
    points.push({ n, ms: median(s.check), mib: mem.length ? Math.max(...mem) : null, floorMs: median(s.floor) });
  }
  const rows: BenchRow[] = [];
  for (const p of points) {
    rows.push(measured(`rules.${p.n}.time`, `check --no-probe, ${p.n} iptables rules`, p.ms, 'ms', null, { note: `floor ${Math.round(p.floorMs)} ms` }));
  }
  const last = points[points.length - 1]!;
  rows.push(measured('rules.10000.ratio', 'check / floor, 10,000 rules', ratio(last.ms, last.floorMs), 'x', { op: '<=', value: 2.0 }, { note: 'medians, measured alternately' }));
  if (last.mib !== null) rows.push(measured('rules.10000.memory', 'peak memory, 10,000 rules', last.mib, 'MiB', { op: '<', value: 200 }));
  else rows.push(notAvailable('rules.10000.memory', 'peak memory, 10,000 rules', 'MiB', { op: '<', value: 200 }, '/usr/bin/time (GNU time) is not installed'));
  const g = worstGrowth(points.map((p) => ({ x: p.n, y: p.ms })));
  if (g) rows.push(measured('rules.growth.time', 'time growth per doubling of rules (worst step)', g.perDoubling, 'x', { op: '<=', value: 2.0 }, { note: `${g.from}->${g.to}: y ~ n^${g.exponent.toFixed(2)}` }));
  const gm = points.every((p) => p.mib !== null) ? worstGrowth(points.map((p) => ({ x: p.n, y: p.mib! }))) : null;
  if (gm) rows.push(measured('rules.growth.memory', 'memory growth per doubling of rules (worst step)', gm.perDoubling, 'x', { op: '<=', value: 2.0 }, { note: `${gm.from}->${gm.to}` }));
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
      notAvailable('scale.growth.time', 'time growth per doubling of namespaces (worst step)', 'x', { op: '<=', value: 2.0 }),
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
  const g = worstGrowth(points.map((p) => ({ x: p.n, y: p.s })));
  if (g) rows.push(measured('scale.growth.time', 'time growth per doubling of namespaces (worst step)', g.perDoubling, 'x', { op: '<=', value: 2.0 }, { note: `${g.from}->${g.to}: t ~ n^${g.exponent.toFixed(2)}` }));
  const gm = points.every((p) => p.mib !== null) ? worstGrowth(points.map((p) => ({ x: p.n, y: p.mib! }))) : null;
  if (gm) rows.push(measured('scale.growth.memory', 'memory growth per doubling of namespaces (worst step)', gm.perDoubling, 'x', { op: '<=', value: 2.0 }, { note: `${gm.from}->${gm.to}` }));
  return rows;
}

function session(): BenchRow[] {
  return [notAvailable('session.first-frame', 'session: first complete checklist frame', 's', { op: '<=', value: 0.3 })];
}

function learn(): BenchRow[] {
  return [notAvailable('learn.tick', 'learn: command in the lab -> step ticks', 'ms', { op: '<=', value: 200 })];
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
      ...(await section('session', session)),
      ...(await section('scale', () => scale(has))),
      ...(await section('rules', rules)),
      ...(await section('learn', learn)),
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
