// `netdoctor lab up|down|list`: thin wiring from arguments to src/lab and back to text or JSON.
import { EXIT, CannotInspectError } from '../exit-codes.js';
import { labDown, labDownAll, labUp, listLabs, LabBuildError, type LabDownResult, type LabInfo } from '../lab/lab.js';
import { listScenarios } from '../lab/scenario.js';
import { DEFAULTS, TARGET_IP, type LabOptions } from '../lab/topology.js';
import { UsageError } from '../validate.js';
import { shellQuote as showCommand } from '../report/escape.js';
import { wrapText } from '../report/wrap.js';
import { parseCommandArgs } from './args.js';

export const LAB_HELP = `netdoctor lab: a disposable sandbox that rebuilds the tutorial (correctly, or with one
mistake) entirely inside network namespaces of its own. It never touches the host's links,
routes, rules or sysctls; its "internet" is a namespace where ${TARGET_IP} stands in for 8.8.8.8.

Usage:
  netdoctor lab up [SCENARIO] [options]    build a lab (SCENARIO: an id from \`lab list\`, default
                                           "healthy", or a path to a scenario .json file)
  netdoctor lab down [--prefix P | --all]  remove a lab completely (default prefix "${DEFAULTS.prefix}")
  netdoctor lab list [--json]              scenarios with their expected diagnosis, and labs that are up

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
  --all             remove every lab recorded under /run/netdoctor/labs

Interface names live inside the lab's own namespaces, so the tutorial's names (br0, veth0,
eth0) cannot clash with the real host's.
`;

function labUpText(info: LabInfo): string {
  const n = info.names;
  const a = info.addresses;
  const lines = [
    `Lab "${info.prefix}" is up: ${info.scenario.id} — ${info.scenario.title}`,
    '',
    ...wrapText(info.scenario.story, 92, '  '),
    '',
    'Namespaces (the root namespace is untouched):',
    `  ${n.containerNs.padEnd(20)} the container: ${n.vethNs} ${a.nsCidr}, gateway ${a.bridgeIp}`,
    `  ${n.hostNs.padEnd(20)} stands in for the host: bridge ${n.bridge} ${a.bridgeCidr}, ${n.vethHost} on the bridge, uplink ${n.uplink} ${a.uplinkCidr} via ${a.gateway}`,
    ...info.containers.map((c) => `  ${c.ns.padEnd(20)} another container on ${n.bridge}: ${c.vethNs} ${c.cidr} (${c.vethHost} on the bridge)`),
    `  ${n.inetNs.padEnd(20)} the internet: ${a.target} stands in for 8.8.8.8; no route back to ${a.subnet}`,
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
      r.removed.length || r.stateFileRemoved
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
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    1,
  );
  if (values.help) {
    process.stdout.write(LAB_HELP);
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
  const results = values.all
    ? await labDownAll()
    : [await labDown(values.prefix ?? DEFAULTS.prefix, values.ns === undefined ? {} : { ns: values.ns })];
  process.stdout.write(values.json ? `${JSON.stringify({ removed: results })}\n` : downText(results));
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
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ scenarios, labs })}\n`);
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
  if (labs.length) lines.push('', 'Remove one with: netdoctor lab down --prefix P   (or --all)');
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.healthy;
}

export async function labCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
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
      throw new UsageError('lab: say what to do: up, down or list (try: netdoctor lab --help)');
    default:
      throw new UsageError(`lab: unknown subcommand ${JSON.stringify(sub)} (expected up, down or list)`);
  }
}
