// `netdoctor check`: diagnose once, print text or --json, exit with the contract's code.
import { readFile, writeFile } from 'node:fs/promises';
import { EXIT } from '../exit-codes.js';
import type { Report } from '../model/result.js';
import type { NetSnapshot } from '../model/snapshot.js';
import type { PingResult } from '../model/result.js';
import type { CaptureReport } from '../model/capture.js';
import { diagnose } from '../diagnosis/diagnose.js';
import { runDiagnosis } from '../diagnosis/run-diagnosis.js';
import { renderJson } from '../report/json.js';
import { renderText } from '../report/text.js';
import { styleFor } from '../report/style.js';
import { requireHostNs, requireRoot } from '../system/preflight.js';
import { UsageError } from '../validate.js';
import { parseCommandArgs } from './args.js';
import type { FixFlags } from './fix.js';
import { readTargetOptions, requireNs, TARGET_OPTIONS } from './target-options.js';

const HELP = `Usage: netdoctor check --ns NAME [options]

Diagnose why network namespace NAME cannot reach the target, step by step, following the
classic bridge + veth + NAT tutorial. Changes nothing.

Options:
  --ns NAME               the namespace to diagnose (\`ip netns list\`)
  --host-ns NAME          the namespace playing the host (default: the one netdoctor runs in)
  --bridge NAME           the bridge (default: inferred from the namespace's veth peer)
  --target IP             the IPv4 address to reach (default 8.8.8.8)
  --no-probe              do not ping; judge from the kernel's state only
  --no-capture            ping, but do not watch the packets on the bridge and the uplink
  --no-trace              capture, but do not trace who drops the packets (no temporary nft table)
  --json                  print one JSON document (schemaVersion 1) on stdout
  --save-snapshot FILE    also write the gathered facts to FILE (for bug reports and tests)
  --from-snapshot FILE    judge facts saved by --save-snapshot instead of this system
  -h, --help              this help

Fixing (changes the system; every change is journaled and \`netdoctor undo\` reverts it):
  --fix                   fix the failing steps one at a time, in dependency order, diagnosing
                          again after each fix; shows each fix's commands and asks y/n
  --yes                   with --fix: apply without asking (needed off a terminal)
  --dry-run               with --fix: print the fixes as a shell script; change nothing
  --trial SECONDS         with --fix: revert automatically after SECONDS unless confirmed
                          (on a terminal it asks; otherwise run \`netdoctor confirm\`); the
                          revert happens even if netdoctor is killed
  --persist               with --fix: keep ip_forward on after a reboot (a drop-in file under
                          /etc/sysctl.d; never /etc/sysctl.conf); not with --host-ns

Exit codes: 0 healthy, 1 a fault was found, 2 bad usage or input, 3 cannot inspect.
With --fix: 0 healthy after the fixes, 1 still broken (or a command failed and was rolled back),
2 refused (the namespace is not the one diagnosed) or bad usage, 3 cannot inspect.
`;

export interface SavedSnapshot {
  snapshot: NetSnapshot;
  ping: PingResult | null;
  /** The packet-path probe as it was judged live (it cannot be re-run from saved facts). */
  capture?: CaptureReport | null;
}

export function exitCodeFor(report: Report): number {
  if (report.diagnosis) return EXIT.fault;
  if (report.steps.some((s) => s.status === 'error')) return EXIT.cannotInspect;
  return EXIT.healthy;
}

export async function checkCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('check', argv, {
    ...TARGET_OPTIONS,
    json: { type: 'boolean' },
    'no-probe': { type: 'boolean' },
    'no-capture': { type: 'boolean' },
    'no-trace': { type: 'boolean' },
    'save-snapshot': { type: 'string' },
    'from-snapshot': { type: 'string' },
    fix: { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    'dry-run': { type: 'boolean' },
    trial: { type: 'string' },
    persist: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.healthy;
  }

  const fixFlags = readFixFlags(values);

  let report: Report;
  if (fixFlags) {
    if (values['from-snapshot'] !== undefined) throw new UsageError('check: --fix works on the live system, not with --from-snapshot');
    const opts = readTargetOptions(values);
    const ns = requireNs(opts, 'check');
    if (fixFlags.persist && opts.hostNs) {
      throw new UsageError('check: --persist configures the machine\'s boot (the root namespace), not --host-ns; run it as `ip netns exec HOST netdoctor ...` only if HOST really is the boot namespace');
    }
    const { fixCommand, requireConfirmationMode } = await import('./fix.js');
    const problem = requireConfirmationMode(fixFlags);
    if (problem) throw new UsageError(`check: ${problem}`);
    requireRoot('netdoctor check --fix');
    await requireHostNs(opts.hostNs);
    const done = await runDiagnosis({ ns, hostNs: opts.hostNs, bridge: opts.bridge, target: opts.target }, { probe: fixFlags.probe });
    for (const e of done.snapshot.errors) process.stderr.write(`netdoctor: warning: ${e}\n`);
    return fixCommand(done, fixFlags);
  }
  if (values['from-snapshot'] !== undefined) {
    const saved = await loadSnapshot(values['from-snapshot']);
    report = diagnose(saved.snapshot, saved.ping);
    report.probes.capture = saved.capture ?? null;
  } else {
    const opts = readTargetOptions(values);
    const ns = requireNs(opts, 'check');
    requireRoot('netdoctor check');
    await requireHostNs(opts.hostNs);
    const done = await runDiagnosis({ ns, hostNs: opts.hostNs, bridge: opts.bridge, target: opts.target }, { probe: !values['no-probe'], capture: !values['no-capture'], trace: !values['no-trace'] });
    report = done.report;
    for (const e of done.snapshot.errors) process.stderr.write(`netdoctor: warning: ${e}\n`);
    if (values['save-snapshot'] !== undefined) {
      const saved: SavedSnapshot = { snapshot: done.snapshot, ping: done.ping, capture: done.report.probes.capture };
      await writeFile(values['save-snapshot'], `${JSON.stringify(saved, null, 2)}\n`);
    }
  }

  process.stdout.write(values.json ? renderJson(report) : renderText(report, styleFor(process.stdout), process.stdout.columns ?? 100));
  return exitCodeFor(report);
}

function readFixFlags(values: { fix?: boolean; yes?: boolean; 'dry-run'?: boolean; trial?: string; persist?: boolean; json?: boolean; 'no-probe'?: boolean }): FixFlags | null {
  if (!values.fix) {
    const stray = (['yes', 'dry-run', 'trial', 'persist'] as const).find((k) => values[k] !== undefined);
    if (stray) throw new UsageError(`check: --${stray} only makes sense with --fix`);
    return null;
  }
  let trialSeconds: number | null = null;
  if (values.trial !== undefined) {
    trialSeconds = Number(values.trial);
    if (!/^\d+$/.test(values.trial) || trialSeconds < 1 || trialSeconds > 86_400) {
      throw new UsageError(`check: --trial ${JSON.stringify(values.trial)}: a number of seconds from 1 to 86400`);
    }
  }
  if (values['dry-run'] && (trialSeconds || values.persist)) throw new UsageError('check: --dry-run changes nothing, so --trial and --persist do not apply');
  return {
    yes: !!values.yes,
    dryRun: !!values['dry-run'],
    json: !!values.json,
    probe: !values['no-probe'],
    persist: !!values.persist,
    trialSeconds,
  };
}

async function loadSnapshot(path: string): Promise<SavedSnapshot> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--from-snapshot ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? 'cannot read'}`);
  }
  try {
    const value = JSON.parse(text) as SavedSnapshot;
    if (value?.snapshot?.schemaVersion !== 1) throw new Error('not a netdoctor snapshot (schemaVersion 1)');
    return value;
  } catch (err) {
    throw new UsageError(`--from-snapshot ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
}
