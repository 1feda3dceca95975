// `netdoctor` with no command: the session. It picks what to diagnose (the namespace given,
// the only one there is, or the sandbox lab when the host has none of its own) and reports.
// The interactive Ink UI builds on this; without a terminal it prints the same report as
// `check`.
import { EXIT } from '../exit-codes.js';
import { runDiagnosis } from '../diagnosis/run-diagnosis.js';
import { renderText } from '../report/text.js';
import { styleFor } from '../report/style.js';
import { requireHostNs, requireRoot } from '../system/preflight.js';
import { listNamespaces } from '../system/snapshot.js';
import { labDown, labUp, listLabs } from '../lab/lab.js';
import { UsageError } from '../validate.js';
import { parseCommandArgs } from './args.js';
import { exitCodeFor } from './check.js';
import { readTargetOptions, TARGET_OPTIONS } from './target-options.js';

const HELP = `Usage: netdoctor [--ns NAME] [--host-ns NAME] [--bridge NAME] [--target IP] [--no-probe]

Diagnose a namespace's way to the internet. Without --ns: the only namespace on this host,
or, when there is none of your own, a sandbox lab with the tutorial's classic mistake.
See \`netdoctor check --help\` for the options and \`netdoctor --help\` for everything else.
`;

/** The sandbox shown to someone with nothing of their own to diagnose. */
export const DEMO_SCENARIO = 'no-masquerade';

/** Namespaces that belong to the user, not to netdoctor's labs. */
async function userNamespaces(): Promise<string[]> {
  const labPrefixes = listLabs().map((l) => `${l.prefix}-`);
  return (await listNamespaces()).filter((n) => !labPrefixes.some((p) => n.startsWith(p)));
}

export async function sessionCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('netdoctor', argv, { ...TARGET_OPTIONS, 'no-probe': { type: 'boolean' }, 'no-capture': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.healthy;
  }
  const opts = readTargetOptions(values);
  requireRoot('netdoctor');
  await requireHostNs(opts.hostNs);
  const probe = !values['no-probe'];
  const out = process.stdout;
  const style = styleFor(out);

  let ns = opts.ns;
  if (!ns) {
    const mine = await userNamespaces();
    if (mine.length > 1) {
      throw new UsageError(`several namespaces here (${mine.join(', ')}): choose one with --ns NAME`);
    }
    if (mine.length === 1) ns = mine[0]!;
  }
  if (ns) {
    const done = await runDiagnosis({ ns, hostNs: opts.hostNs, bridge: opts.bridge, target: opts.target }, { probe, capture: !values['no-capture'] });
    out.write(renderText(done.report, style, out.columns ?? 100));
    return exitCodeFor(done.report);
  }

  // Nothing of the user's own: show netdoctor at work on a lab, then take the lab away.
  const prefix = `nddemo${process.pid}`;
  out.write(style.dim(`No network namespace of your own on this host, so netdoctor builds its sandbox lab\n(scenario "${DEMO_SCENARIO}", in namespaces ${prefix}-*) and diagnoses that. Your host is not touched.\n\n`));
  const lab = await labUp(DEMO_SCENARIO, { prefix });
  try {
    const done = await runDiagnosis(
      { ns: lab.names.containerNs, hostNs: lab.names.hostNs, bridge: null, target: lab.addresses.target },
      { probe, capture: !values['no-capture'] },
    );
    out.write(renderText(done.report, style, out.columns ?? 100));
    out.write(style.dim(`\nThe lab is removed again. To explore it yourself: netdoctor lab up ${DEMO_SCENARIO}, then the check command it prints.\n`));
    return exitCodeFor(done.report);
  } finally {
    await labDown(prefix);
  }
}
