// `netdoctor` with no command: the interactive session. It picks what to diagnose (the
// namespace given; without --ns a choice among the host's namespaces, or the sandbox lab
// when the host has none of its own) and runs the Ink app over it. When stdin or stdout is
// not a terminal it prints the same report as `check` instead of waiting for keys.
// Heavy modules (Ink, React, the lab builder) load only on the path that needs them, so the
// first frame comes quickly.
import { EXIT } from '../exit-codes.js';
import type { Report } from '../model/result.js';
import type { LiveReport } from '../session/types.js';
import { CLEAR, preFrame } from '../session/preframe.js';
import { UsageError } from '../validate.js';
import { parseCommandArgs } from './args.js';
import { loadUi } from './load-ui.js';
import { readTargetOptions, TARGET_OPTIONS, type TargetOptions } from './target-options.js';
import type { LabContainer } from '../ui/Chooser.js';
import { onEndSignals } from './end-signals.js';
import { holdKeys } from './tty-keys.js';

async function exitCodeFor(report: Report): Promise<number> {
  return (await import('./check.js')).exitCodeFor(report);
}

const HELP = `Usage: netdoctor [--ns NAME] [--host-ns NAME] [--bridge NAME] [--target IP] [--no-probe]
                 [--no-capture] [--no-trace]

The interactive session: a live checklist of the tutorial's steps, the diagnosis with its
evidence, and keys to fix (f, a), undo (u), re-run (r) and capture (c); ? lists the keys.
c (and, by itself, a check whose every step passes but whose ping fails) pings while it
captures, and draws the packet path with live counts and the source before and after NAT.
Without --ns: choose among this host's namespaces, or, with none of your own, a sandbox lab
with the tutorial's classic mistake. Off a terminal it prints the same report as \`check\`.
See \`netdoctor check --help\` for the options and \`netdoctor --help\` for everything else.
`;

/** The longest the session waits for the first diagnosis before loading Ink anyway. */
const INK_DEFER_MS = 400;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The sandbox shown to someone with nothing of their own to diagnose. */
export const DEMO_SCENARIO = 'no-masquerade';

/** What there is to diagnose: the user's own namespaces, and the containers of labs that are up. */
async function candidates(): Promise<{ mine: string[]; labs: LabContainer[] }> {
  const [{ listLabs }, { listNamespaces }] = await Promise.all([import('../lab/lab.js'), import('../system/snapshot.js')]);
  const labs = listLabs();
  const present = await listNamespaces();
  // A lab's namespaces by name, not by prefix: the user's own `nd-web` is theirs even with lab "nd" up.
  const ofLabs = new Set(labs.flatMap((l) => l.namespaces));
  const mine = present.filter((n) => !ofLabs.has(n));
  const running = labs
    .filter((l) => l.status === 'up' && !l.missing.length)
    .flatMap((l) => l.containers.filter((c) => present.includes(c.ns)).map((c) => ({ ...c, lab: l.prefix, scenario: l.scenario })));
  return { mine, labs: running };
}

/** Namespaces that belong to the user, not to netdoctor's labs. */
async function userNamespaces(): Promise<string[]> {
  return (await candidates()).mine;
}

/** The sandbox lab's prefix: per process, or fixed by tests so runs never collide. */
function labPrefix(): string {
  return process.env.NETDOCTOR_SESSION_LAB_PREFIX || `nddemo${process.pid}`;
}

export async function sessionCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('netdoctor', argv, { ...TARGET_OPTIONS, 'no-probe': { type: 'boolean' }, 'no-capture': { type: 'boolean' }, 'no-trace': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.healthy;
  }
  const opts = readTargetOptions(values);
  const probe = !values['no-probe'];
  const interactive = !!process.stdin.isTTY && !!process.stdout.isTTY;
  // From now on keys typed early are not echoed over the first frame; Ink receives them.
  if (interactive) holdKeys();
  // The first frame goes out before anything heavy loads: the whole checklist, checking.
  const framed = interactive && !!opts.ns;
  if (framed) process.stdout.write(CLEAR + preFrame(opts.ns!, process.stdout.columns ?? 80, process.stdout.rows ?? 24));
  try {
    const { requireHostNs, requireRoot } = await import('../system/preflight.js');
    requireRoot('netdoctor');
    await requireHostNs(opts.hostNs);
  } catch (err) {
    if (framed) process.stdout.write(CLEAR);
    throw err;
  }
  const watch = { capture: !values['no-capture'], trace: !values['no-trace'] };
  return interactive ? interactiveSession(opts, probe, watch) : reportSession(opts, probe, watch);
}

/** Off a terminal: the same report as `check`. */
interface Watch {
  capture: boolean;
  trace: boolean;
}

async function reportSession(opts: TargetOptions, probe: boolean, { capture, trace }: Watch): Promise<number> {
  const [{ runDiagnosis }, { renderText }, { styleFor }] = await Promise.all([
    import('../diagnosis/run-diagnosis.js'),
    import('../report/text.js'),
    import('../report/style.js'),
  ]);
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
    const done = await runDiagnosis({ ns, hostNs: opts.hostNs, bridge: opts.bridge, target: opts.target }, { probe, capture, trace });
    out.write(renderText(done.report, style, out.columns ?? 100));
    return await exitCodeFor(done.report);
  }

  // Nothing of the user's own: show netdoctor at work on a lab, then take the lab away.
  const { labDown, labUp } = await import('../lab/lab.js');
  const prefix = labPrefix();
  out.write(style.dim(`No network namespace of your own on this host, so netdoctor builds its sandbox lab\n(scenario "${DEMO_SCENARIO}", in namespaces ${prefix}-*) and diagnoses that. Your host is not touched.\n\n`));
  // Interrupted (Ctrl-C, the pipe's reader killed): finish the step under way, then remove the lab.
  const signals = onEndSignals(() => undefined);
  try {
    const lab = await labUp(DEMO_SCENARIO, { prefix });
    if (signals.received) return signals.exitCode();
    const done = await runDiagnosis(
      { ns: lab.names.containerNs, hostNs: lab.names.hostNs, bridge: null, target: lab.addresses.target },
      { probe, capture, trace },
    );
    if (signals.received) return signals.exitCode();
    out.write(renderText(done.report, style, out.columns ?? 100));
    out.write(style.dim(`\nThe lab is removed again. To explore it yourself: netdoctor lab up ${DEMO_SCENARIO}, then the check command it prints.\n`));
    return await exitCodeFor(done.report);
  } finally {
    await labDown(prefix);
    signals.release();
  }
}

/**
 * Clear the screen in the same write as Ink's first frame, not before it: the plain frame stays
 * up while Ink mounts (a blank screen for 0.1-0.7 s otherwise). Writes without a line break
 * (hiding the cursor) pass through; the first with one is the frame.
 */
function clearWithFirstFrame(out: NodeJS.WriteStream): void {
  const write = out.write;
  out.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string' && chunk.includes('\n')) {
      out.write = write;
      return (write as (...a: unknown[]) => boolean).call(out, CLEAR + chunk, ...rest);
    }
    return (write as (...a: unknown[]) => boolean).call(out, chunk, ...rest);
  } as typeof out.write;
}

async function interactiveSession(opts: TargetOptions, probe: boolean, watch: Watch): Promise<number> {
  // The terminal closing (or SIGTERM, SIGINT) ends the session as q does: what is on screen
  // unmounts, a fix run rolls back, the sandbox lab is removed.
  let unmount: (() => void) | null = null;
  const signals = onEndSignals(() => {
    try {
      unmount?.();
    } catch {
      // The terminal is gone: Ink could not restore it, which no longer matters.
    }
  });
  try {
    return await sessionIn(opts, probe, watch, signals, (u) => (unmount = u));
  } finally {
    signals.release();
  }
}

async function sessionIn(
  opts: TargetOptions,
  probe: boolean,
  watch: Watch,
  signals: ReturnType<typeof onEndSignals>,
  onScreen: (unmount: (() => void) | null) => void,
): Promise<number> {
  const { themeFor } = await import('../ui/theme.js');
  const theme = themeFor(process.env);
  let target = { ns: opts.ns ?? '', hostNs: opts.hostNs, bridge: opts.bridge, target: opts.target, labPrefix: null as string | null };

  if (!opts.ns) {
    const [{ mountChooser }, { mine, labs }] = await Promise.all([loadUi(() => import('../ui/mount.js')), candidates()]);
    let choice: import('../ui/Chooser.js').Choice = null;
    const chooser = mountChooser({ namespaces: mine, labs, labScenario: DEMO_SCENARIO, theme, onChoose: (c) => (choice = c) });
    onScreen(() => chooser.unmount());
    if (signals.received) chooser.unmount();
    await chooser.waitUntilExit();
    onScreen(null);
    const picked = choice as import('../ui/Chooser.js').Choice;
    if (signals.received) return signals.exitCode();
    if (!picked) return EXIT.healthy;
    // The chooser gave the terminal back to cooked mode: hold keys again until the app reads them.
    holdKeys();
    if (picked.kind === 'ns') target = { ...target, ns: picked.ns };
    // A running lab's container: diagnosed against its own host side and target, as `lab up` printed.
    else if (picked.kind === 'lab-container') target = { ...target, ns: picked.ns, hostNs: picked.hostNs, target: picked.target };
    else {
      const { labUp } = await import('../lab/lab.js');
      const prefix = labPrefix();
      process.stdout.write(`Building the sandbox lab (namespaces ${prefix}-*)…\n`);
      try {
        const lab = await labUp(DEMO_SCENARIO, { prefix });
        target = { ns: lab.names.containerNs, hostNs: lab.names.hostNs, bridge: null, target: lab.addresses.target, labPrefix: prefix };
      } catch (err) {
        // A half-built lab goes too.
        await (await import('../lab/lab.js')).labDown(prefix).catch(() => undefined);
        throw err;
      }
    }
  }

  try {
    if (signals.received) return signals.exitCode();
    // Start diagnosing before Ink loads, and show a first frame meanwhile: the checklist is
    // on screen at once and fills in as soon as Ink takes over.
    const { createSessionActions } = await import('../session/actions.js');
    const actions = createSessionActions({ input: { ns: target.ns, hostNs: target.hostNs, bridge: target.bridge, target: target.target }, probe, ...watch });
    // Until Ink draws, the plain frame shows each verdict as it comes in.
    let inkDraws = false;
    const frame = (live: LiveReport | null = null) => process.stdout.write(CLEAR + preFrame(target.ns, process.stdout.columns ?? 80, process.stdout.rows ?? 24, live?.steps ?? [], live?.verdict ?? null));
    const diagnosed = actions.prefetch((live) => {
      if (!inkDraws) frame(live);
    });
    if (!opts.ns) frame();
    // Tests only: keep the first frame up a while, so a test can type at it deterministically.
    const holdFrameMs = Number(process.env.NETDOCTOR_TEST_HOLD_FRAME_MS) || 0;
    if (holdFrameMs > 0) await new Promise((r) => setTimeout(r, Math.min(holdFrameMs, 10_000)));
    // Ink and React take hundreds of ms of CPU to load, and loading holds up the event loop:
    // the diagnosis's own callbacks (and so the plain frame's verdicts) would wait behind it.
    // So Ink loads once the diagnosis has its result, or after INK_DEFER_MS (a slow probe),
    // whichever comes first. Keys typed meanwhile are held for Ink (holdKeys).
    await Promise.race([diagnosed, sleep(INK_DEFER_MS)]);
    const { mountApp } = await loadUi(() => import('../ui/mount.js'));
    inkDraws = true;
    clearWithFirstFrame(process.stdout);
    const app = mountApp({ actions, target, theme });
    onScreen(() => app.unmount());
    if (signals.received) app.unmount();
    await app.waitUntilExit();
    onScreen(null);
    // A fix run interrupted by quitting rolls back before the session ends.
    await actions.shutdown();
    if (signals.received) return signals.exitCode();
    const report: Report | null = actions.last()?.report ?? null;
    return report ? await exitCodeFor(report) : EXIT.healthy;
  } finally {
    if (target.labPrefix) {
      const { labDown } = await import('../lab/lab.js');
      await labDown(target.labPrefix);
      process.stdout.write(`Removed the sandbox lab (${target.labPrefix}-*).\n`);
    }
  }
}
