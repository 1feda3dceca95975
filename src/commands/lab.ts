// `netdoctor lab up|down|list`: thin wiring from arguments to src/lab and back to text or JSON.
import { EXIT, CannotInspectError } from '../exit-codes.js';
import { labDown, labDownAll, labUp, listLabs, LabBuildError, type LabDownResult, type LabInfo } from '../lab/lab.js';
import { listScenarios } from '../lab/scenario.js';
import { DEFAULTS, RESOLVER_IP, TARGET_IP, type LabOptions } from '../lab/topology.js';
import { UsageError } from '../validate.js';
import { shellQuote as showCommand } from '../report/escape.js';
import { wrapText } from '../report/wrap.js';
import { parseCommandArgs } from './args.js';
import { storyLegend } from '../lab/story-legend.js';
import { findScenario } from '../lab/scenario.js';
import { listWorlds, requireWorld, worldDown, worldDownAll, worldExec, worldShell, worldUp, type WorldDownResult, type WorldInfo } from '../lab/world.js';
import { DEFAULT_WORLD_PREFIX } from '../lab/world-plan.js';

export const LAB_HELP = `netdoctor lab: a disposable sandbox that rebuilds the tutorial (correctly, or with one
mistake) entirely inside network namespaces of its own. It never touches the host's links,
routes, rules or sysctls; its "internet" is a namespace where ${TARGET_IP} stands in for 8.8.8.8
and a DNS resolver answers at ${RESOLVER_IP} (the container's /etc/netns/NS/resolv.conf names it).

Usage:
  netdoctor lab up [SCENARIO] [options]    build a lab (SCENARIO: an id from \`lab list\`, default
                                           "healthy", or a path to a scenario .json file)
  netdoctor lab up --world [SCENARIO] [--prefix P]
                                           build a lab world in which the tutorial's commands work
                                           verbatim (default prefix "${DEFAULT_WORLD_PREFIX}"; without SCENARIO
                                           it is empty: you build the tutorial yourself)
  netdoctor lab shell [--prefix P]         an interactive shell inside the world
  netdoctor lab exec [--prefix P] -- CMD [ARGS...]
                                           run one command inside the world (its exit code is passed on)
  netdoctor lab down [--prefix P | --all]  remove a lab or world completely (default: lab "${DEFAULTS.prefix}"
                                           and world "${DEFAULT_WORLD_PREFIX}")
  netdoctor lab list [--json]              scenarios with their expected diagnosis, labs and worlds that are up

lab up options:
  --prefix P        name prefix: namespaces P-host, P-inet and P-NS (default "${DEFAULTS.prefix}")
  --ns NAME         the container's short name (default "${DEFAULTS.ns}": namespace ${DEFAULTS.prefix}-${DEFAULTS.ns})
  --bridge NAME     the bridge, inside P-host (default "${DEFAULTS.bridge}")
  --veth-host NAME  the veth end on the bridge (default "${DEFAULTS.vethHost}")
  --veth-ns NAME    the veth end in the container (default "${DEFAULTS.vethNs}")
  --uplink NAME     the host's link to the lab internet (default "${DEFAULTS.uplink}")
  --subnet CIDR     the container subnet (default ${DEFAULTS.subnet}; /8 to /29)
  --containers N    N containers on the bridge (default 1): P-NS, P-NS-2 ... P-NS-N, always complete
  --json            print one JSON object describing the lab

lab down options:
  --prefix P        the lab to remove (default "${DEFAULTS.prefix}")
  --ns NAME         the container's short name, when the lab's state file is gone
  --all             remove every lab and world netdoctor recorded (labs: the state files in
                    \$NETDOCTOR_LAB_DIR, default /run/netdoctor/labs); never anything it did
                    not create; one another \`lab up\` is still building is left alone

Interface names live inside the lab's own namespaces, so the tutorial's names (br0, veth0,
eth0) cannot clash with the real host's.

A world goes further: its host namespace plays your machine's root namespace and has a private
/run/netns, so \`ip netns add ns0\`, \`ip link add br0 type bridge\`, \`sysctl -w
net.ipv4.ip_forward=1\` and \`iptables -t nat -A POSTROUTING ...\` typed in \`lab shell\` act on
the world only. A real ns0 on this machine is neither seen nor touched; the host's
\`ip netns list\` does not show the world at all.
`;

function worldUpText(info: WorldInfo): string {
  const a = info.addresses;
  const what = info.scenario ? `built as scenario ${info.scenario}` : 'empty: nothing of the tutorial is built yet';
  return [
    `Lab world "${info.prefix}" is up (${what}).`,
    '',
    '  Its host namespace plays your machine: uplink eth0 ' + `${a.uplinkCidr} via ${a.gateway} to the lab internet,`,
    `  where ${a.target} stands in for 8.8.8.8. \`ip netns add ns0\` in the world creates ns0 there only.`,
    '',
    'Type the tutorial in it:',
    `  ${showCommand(info.commands.shell)}`,
    `  ${showCommand(['netdoctor', 'lab', 'exec', '--prefix', info.prefix, '--', 'ip', 'netns', 'add', 'ns0'])}`,
    'Remove it (and everything made inside):',
    `  ${showCommand(info.commands.down)}`,
    '',
  ].join('\n');
}

function labUpText(info: LabInfo): string {
  const n = info.names;
  const a = info.addresses;
  const legend = storyLegend(n, a);
  const lines = [
    `Lab "${info.prefix}" is up: ${info.scenario.id} — ${info.scenario.title}`,
    '',
    ...wrapText(info.scenario.story, 92, '  '),
    ...(legend ? wrapText(legend, 92, '  ') : []),
    '',
    'Namespaces (the root namespace is untouched):',
    `  ${n.containerNs.padEnd(20)} the container: ${n.vethNs} ${a.nsCidr}, gateway ${a.bridgeIp}`,
    `  ${n.hostNs.padEnd(20)} stands in for the host: bridge ${n.bridge} ${a.bridgeCidr}, ${n.vethHost} on the bridge, uplink ${n.uplink} ${a.uplinkCidr} via ${a.gateway}`,
    ...info.containers.map((c) => `  ${c.ns.padEnd(20)} another container on ${n.bridge}: ${c.vethNs} ${c.cidr} (${c.vethHost} on the bridge)`),
    `  ${n.inetNs.padEnd(20)} the internet: ${a.target} stands in for 8.8.8.8, a resolver answers at ${RESOLVER_IP}; no route back to ${a.subnet}`,
    ...(info.processes.length ? ['', `Running: ${info.processes.map((p) => `${p.role} (pid ${p.pid} in ${p.ns})`).join(', ')}`] : []),
    '',
    `Built:    ${info.built.join(', ')}`,
  ];
  if (info.skipped.length) {
    const why = info.skipped.map((s) => (s.id === s.because ? s.id : `${s.id} (needs ${s.because})`));
    lines.push(`Left out: ${why.join(', ')}`);
  }
  if (info.extra.length) {
    lines.push('Then ran:');
    for (const e of info.extra) lines.push(`  ${showCommand(e)}`);
  }
  lines.push(
    `(${info.durationMs} ms)`,
    '',
    'Diagnose it:',
    `  ${showCommand(info.commands.check)}`,
    'Poke around:',
    `  ${showCommand(info.commands.ping)}`,
    `  ip netns exec ${n.containerNs} ip route`,
    'Remove it:',
    `  ${showCommand(info.commands.down)}`,
    '',
  );
  return lines.join('\n');
}

function downText(results: LabDownResult[]): string {
  if (results.length === 0) return 'No labs recorded; nothing to remove.\n';
  return results
    .map((r) =>
      r.skipped
        ? `Left lab "${r.prefix}" alone: ${r.skipped}; run lab down again once it is done.\n`
        : r.removed.length || r.stateFileRemoved
        ? `Removed lab "${r.prefix}"${r.removed.length ? `: ${r.removed.join(', ')}` : ' (its namespaces were already gone)'}\n`
        : `Nothing to remove for prefix "${r.prefix}".\n`,
    )
    .join('');
}

async function upCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'lab up',
    argv,
    {
      prefix: { type: 'string' },
      ns: { type: 'string' },
      bridge: { type: 'string' },
      'veth-host': { type: 'string' },
      'veth-ns': { type: 'string' },
      uplink: { type: 'string' },
      subnet: { type: 'string' },
      containers: { type: 'string' },
      world: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    1,
  );
  if (values.help) {
    process.stdout.write(LAB_HELP);
    return EXIT.healthy;
  }
  if (values.world) {
    const custom = (['ns', 'bridge', 'veth-host', 'veth-ns', 'uplink', 'subnet'] as const).find((k) => values[k] !== undefined);
    if (custom) throw new UsageError(`lab up --world: --${custom} cannot be changed: a world uses the tutorial's own names and subnet`);
    const scenario = positionals[0] === undefined ? null : findScenario(positionals[0]);
    const info = await worldUp(values.prefix ?? DEFAULT_WORLD_PREFIX, scenario);
    process.stdout.write(values.json ? `${JSON.stringify(info)}\n` : worldUpText(info));
    return EXIT.healthy;
  }
  const options: LabOptions = {};
  if (values.prefix !== undefined) options.prefix = values.prefix;
  if (values.ns !== undefined) options.ns = values.ns;
  if (values.bridge !== undefined) options.bridge = values.bridge;
  if (values['veth-host'] !== undefined) options.vethHost = values['veth-host'];
  if (values['veth-ns'] !== undefined) options.vethNs = values['veth-ns'];
  if (values.uplink !== undefined) options.uplink = values.uplink;
  if (values.subnet !== undefined) options.subnet = values.subnet;
  if (values.containers !== undefined) {
    if (!/^\d{1,4}$/.test(values.containers)) throw new UsageError(`--containers ${JSON.stringify(values.containers)}: must be a whole number`);
    options.containers = Number(values.containers);
  }
  let info: LabInfo;
  try {
    info = await labUp(positionals[0] ?? 'healthy', options);
  } catch (err) {
    if (err instanceof LabBuildError) {
      const detail = err.stderr ? `\n  ${err.stderr.split('\n').join('\n  ')}` : '';
      throw new CannotInspectError(
        `lab up failed at step ${err.step}: ${showCommand(err.argv)}${detail}`,
        'everything the lab had created was removed again',
      );
    }
    throw err;
  }
  process.stdout.write(values.json ? `${JSON.stringify(info)}\n` : labUpText(info));
  return EXIT.healthy;
}

async function downCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('lab down', argv, {
    prefix: { type: 'string' },
    ns: { type: 'string' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(LAB_HELP);
    return EXIT.healthy;
  }
  if (values.all && (values.prefix !== undefined || values.ns !== undefined)) {
    throw new UsageError('lab down: --all removes every lab; do not combine it with --prefix or --ns');
  }
  let worlds: WorldDownResult[];
  let results: LabDownResult[];
  if (values.all) {
    worlds = await worldDownAll();
    results = await labDownAll();
  } else if (values.prefix !== undefined) {
    worlds = [await worldDown(values.prefix)].filter((w) => w.removed);
    results = worlds.length && values.ns === undefined ? [] : [await labDown(values.prefix, values.ns === undefined ? {} : { ns: values.ns })];
  } else {
    worlds = [await worldDown(DEFAULT_WORLD_PREFIX)].filter((w) => w.removed);
    results = [await labDown(DEFAULTS.prefix, values.ns === undefined ? {} : { ns: values.ns })];
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ removed: results, worlds })}\n`);
    return EXIT.healthy;
  }
  const worldLines = worlds.map((w) => {
    if (w.skipped) return `Left lab world "${w.prefix}" alone: ${w.skipped}; run lab down again once it is done.\n`;
    const inside = w.learnerNamespaces ? `, with ${w.learnerNamespaces} namespace(s) made inside it` : '';
    const procs = w.killed ? `; stopped ${w.killed} process(es) still running in it` : '';
    return `Removed lab world "${w.prefix}"${inside}${procs}\n`;
  });
  // Next to a removed world, "nothing to remove" for the lab of the same prefix is noise.
  const labResults = worlds.length ? results.filter((r) => r.removed.length || r.stateFileRemoved || r.skipped) : results;
  process.stdout.write(worldLines.join('') + (labResults.length || !worlds.length ? downText(labResults) : ''));
  return EXIT.healthy;
}

function listCommand(argv: string[]): number {
  const { values } = parseCommandArgs('lab list', argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(LAB_HELP);
    return EXIT.healthy;
  }
  const scenarios = listScenarios().map((s) => ({
    id: s.id,
    title: s.title,
    expect: s.expect,
    ...(s.fixable === undefined ? {} : { fixable: s.fixable }),
  }));
  const labs = listLabs();
  const worlds = listWorlds();
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ scenarios, labs, worlds })}\n`);
    return EXIT.healthy;
  }
  const idWidth = Math.max(...scenarios.map((s) => s.id.length));
  const lines = ['Scenarios (netdoctor lab up SCENARIO):', `  ${'SCENARIO'.padEnd(idWidth)}  ${'EXPECTED DIAGNOSIS'.padEnd(18)}  TITLE`];
  for (const s of scenarios) {
    const expected = s.expect.diagnosis ?? (s.expect.warn.length ? `healthy (warn)` : 'healthy');
    lines.push(`  ${s.id.padEnd(idWidth)}  ${expected.padEnd(18)}  ${s.title}`);
  }
  lines.push('', 'Labs up:');
  if (labs.length === 0) lines.push('  none');
  for (const l of labs) {
    const damage = l.missing.length ? `  (missing: ${l.missing.join(', ')})` : '';
    const status = l.status === 'up' ? '' : `  [${l.status}]`;
    lines.push(`  ${l.prefix}  ${l.scenario ?? '?'}  since ${l.createdAt ?? '?'}  ${l.namespaces.join(' ')}${status}${damage}`);
  }
  lines.push('', 'Lab worlds up (netdoctor lab shell --prefix P):');
  if (worlds.length === 0) lines.push('  none');
  for (const w of worlds) lines.push(`  ${w}`);
  if (labs.length || worlds.length) lines.push('', 'Remove one with: netdoctor lab down --prefix P   (or --all)');
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.healthy;
}

async function shellCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('lab shell', argv, { prefix: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(LAB_HELP);
    return EXIT.healthy;
  }
  const prefix = values.prefix ?? DEFAULT_WORLD_PREFIX;
  requireWorld(prefix); // before the greeting: a bad or absent world is one line, exit 2
  process.stderr.write(
    `netdoctor: a shell inside lab world "${prefix}". Commands here act on the world only; ` +
      `${TARGET_IP} stands in for 8.8.8.8. Leave with exit.\n`,
  );
  const r = await worldShell(prefix);
  if (r.spawnError) throw new CannotInspectError(`lab shell: could not start ${r.argv.at(-3) ?? 'the shell'} (${r.spawnError})`, 'is nsenter (util-linux) installed?');
  return r.exitCode;
}

/** `lab exec [--prefix P] [--] CMD ARGS...`: netdoctor's own flags stop at `--` or the first word. */
export function parseExecArgs(argv: string[]): { prefix: string; help: boolean; command: string[] } {
  let prefix = DEFAULT_WORLD_PREFIX;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return { prefix, help: false, command: argv.slice(i + 1) };
    if (a === '-h' || a === '--help') return { prefix, help: true, command: [] };
    if (a === '--prefix') {
      const v = argv[i + 1];
      if (v === undefined) throw new UsageError("lab exec: option '--prefix <value>' argument missing");
      prefix = v;
      i++;
    } else if (a.startsWith('--prefix=')) prefix = a.slice('--prefix='.length);
    else if (a.startsWith('-')) throw new UsageError(`lab exec: unknown option ${JSON.stringify(a)} (put the command after --: netdoctor lab exec -- CMD ARGS...)`);
    else return { prefix, help: false, command: argv.slice(i) };
  }
  return { prefix, help: false, command: [] };
}

async function execCommand(argv: string[]): Promise<number> {
  const { prefix, help, command } = parseExecArgs(argv);
  if (help) {
    process.stdout.write(LAB_HELP);
    return EXIT.healthy;
  }
  const r = await worldExec(prefix, command);
  if (r.spawnError) throw new CannotInspectError(`lab exec: could not start nsenter (${r.spawnError})`, 'install util-linux');
  return r.exitCode;
}

export async function labCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'shell':
      return shellCommand(rest);
    case 'exec':
      return execCommand(rest);
    case 'up':
      return upCommand(rest);
    case 'down':
      return downCommand(rest);
    case 'list':
    case 'ls':
      return listCommand(rest);
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(LAB_HELP);
      return EXIT.healthy;
    case undefined:
      throw new UsageError('lab: say what to do: up, down, list, shell or exec (try: netdoctor lab --help)');
    default:
      throw new UsageError(`lab: unknown subcommand ${JSON.stringify(sub)} (expected up, down, list, shell or exec)`);
  }
}
