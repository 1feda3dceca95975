// `netdoctor check`: diagnose once, print text or --json, exit with the contract's code.
import { readFile, writeFile } from 'node:fs/promises';
import { EXIT } from '../exit-codes.js';
import type { Report } from '../model/result.js';
import type { NetSnapshot } from '../model/snapshot.js';
import type { DnsProbeResult, MtuProbeResult, PingResult } from '../model/result.js';
import type { CaptureReport } from '../model/capture.js';
import { diagnose } from '../diagnosis/diagnose.js';
import { runDiagnosis } from '../diagnosis/run-diagnosis.js';
import { existsSync } from 'node:fs';
import { renderJson } from '../report/json.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderSummaryMarkdown, renderSummaryText, verdictOf } from '../report/summary.js';
import { procNetns } from '../system/run.js';
import { VERSION } from '../version.js';
import { renderText } from '../report/text.js';
import { styleFor } from '../report/style.js';
import { requireHostNs, requireRoot } from '../system/preflight.js';
import { UsageError } from '../validate.js';
import { escapeControl } from '../report/escape.js';
import { parseCommandArgs } from './args.js';
import type { FixFlags } from './fix.js';
import { readTargetOptions, requireNs, TARGET_OPTIONS } from './target-options.js';

const HELP = `Usage: netdoctor check --ns NAME [options]
       netdoctor check --pid PID [options]
       netdoctor check --all [--jobs N] [options]

Diagnose why network namespace NAME cannot reach the target, step by step, following the
classic bridge + veth + NAT tutorial. Changes nothing.

Options:
  --ns NAME               the namespace to diagnose (\`ip netns list\`)
  --pid PID               diagnose the network namespace process PID lives in (a container)
  --all                   every namespace connected to the host side: named ones and those
                          only processes hold; one line each (exit 1 if any has a fault)
  --jobs N                --all: diagnose at most N namespaces at once (default 8)
  --format FORMAT         text (default), json, or markdown (a report to paste into an issue)
  --host-ns NAME          the namespace playing the host (default: the one netdoctor runs in)
  --bridge NAME           the bridge (default: inferred from the namespace's veth peer)
  --target IP             the IPv4 address to reach (default 8.8.8.8)
  --no-probe              no live probes (ping, capture, DNS query, path MTU); judge from the kernel's state only
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
  /** The DNS probe (absent in snapshots saved before it existed). */
  dns?: DnsProbeResult | null;
  /** The path MTU probe (absent in older snapshots). */
  mtu?: MtuProbeResult | null;
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
    format: { type: 'string' },
    pid: { type: 'string' },
    all: { type: 'boolean' },
    jobs: { type: 'string' },
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
  const format = outputFormat(values.format, values.json);
  if (values.all) {
    if (fixFlags) throw new UsageError('check: --fix repairs one namespace at a time: use --ns, not --all');
    return checkAllCommand(values, format);
  }
  if (fixFlags && values.pid !== undefined) throw new UsageError('check: --fix needs a named namespace (--ns), not --pid');
  if (values.jobs !== undefined) throw new UsageError('--jobs goes with --all');

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
    for (const e of done.snapshot.errors) process.stderr.write(`netdoctor: warning: ${escapeControl(e)}\n`);
    return fixCommand(done, fixFlags);
  }
  if (values['from-snapshot'] !== undefined) {
    const saved = await loadSnapshot(values['from-snapshot']);
    report = diagnose(saved.snapshot, saved.ping, saved.dns ?? null, saved.mtu ?? null);
    report.probes.capture = saved.capture ?? null;
  } else {
    const opts = readTargetOptions(values);
    const ns = values.pid !== undefined ? pidNamespace(values.pid, opts.ns) : requireNs(opts, 'check');
    requireRoot('netdoctor check');
    await requireHostNs(opts.hostNs);
    const done = await runDiagnosis({ ns, hostNs: opts.hostNs, bridge: opts.bridge, target: opts.target }, { probe: !values['no-probe'], capture: !values['no-capture'], trace: !values['no-trace'] });
    report = done.report;
    for (const e of done.snapshot.errors) process.stderr.write(`netdoctor: warning: ${escapeControl(e)}\n`);
    if (values['save-snapshot'] !== undefined) {
      const saved: SavedSnapshot = { snapshot: done.snapshot, ping: done.ping, dns: done.dns, mtu: done.mtu, capture: done.report.probes.capture };
      await writeFile(values['save-snapshot'], `${JSON.stringify(saved, null, 2)}\n`);
    }
  }

  process.stdout.write(
    format === 'json' ? renderJson(report) : format === 'markdown' ? renderMarkdown(report, VERSION) : renderText(report, styleFor(process.stdout), process.stdout.columns ?? 100),
  );
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

type Format = 'text' | 'json' | 'markdown';

function outputFormat(format: string | undefined, json: boolean | undefined): Format {
  if (format !== undefined && !['text', 'json', 'markdown'].includes(format)) {
    throw new UsageError(`--format ${JSON.stringify(format)}: one of text, json, markdown`);
  }
  if (json && format !== undefined && format !== 'json') throw new UsageError(`--json and --format ${format} contradict each other`);
  return json ? 'json' : ((format as Format | undefined) ?? 'text');
}

/** --pid PID: the namespace that process lives in, entered as /proc/PID/ns/net. */
function pidNamespace(pid: string, ns: string | null): string {
  if (ns !== null) throw new UsageError('--pid and --ns name two namespaces: give one');
  if (!/^[1-9]\d{0,9}$/.test(pid)) throw new UsageError(`--pid ${JSON.stringify(pid)}: not a process id`);
  const path = procNetns(Number(pid));
  if (!existsSync(path)) throw new UsageError(`--pid ${pid}: no such process`);
  return path;
}

async function checkAllCommand(values: Record<string, string | boolean | undefined>, format: Format): Promise<number> {
  for (const flag of ['ns', 'pid', 'bridge', 'save-snapshot', 'from-snapshot']) {
    if (values[flag] !== undefined) throw new UsageError(`--all diagnoses every namespace: do not combine it with --${flag}`);
  }
  const jobsText = values.jobs === undefined ? '8' : String(values.jobs);
  if (!/^\d{1,3}$/.test(jobsText) || Number(jobsText) < 1 || Number(jobsText) > 256) throw new UsageError(`--jobs ${JSON.stringify(jobsText)}: a whole number from 1 to 256`);
  const opts = readTargetOptions(values as Parameters<typeof readTargetOptions>[0]);
  requireRoot('netdoctor check --all');
  await requireHostNs(opts.hostNs);
  const { checkAll } = await import('./check-all.js');
  const results = await checkAll({ hostNs: opts.hostNs, target: opts.target, probe: !values['no-probe'], jobs: Number(jobsText) });
  if (format === 'json') process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else if (format === 'markdown') process.stdout.write(renderSummaryMarkdown(results));
  else process.stdout.write(renderSummaryText(results, styleFor(process.stdout)));
  const verdicts = results.map((r) => verdictOf(r.report));
  return verdicts.includes('fault') ? EXIT.fault : verdicts.includes('error') ? EXIT.cannotInspect : EXIT.healthy;
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
