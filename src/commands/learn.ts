// `netdoctor learn`: follow the tutorial in a lab world, one step at a time, ticked live.
// Thin wiring: the lesson, judge and progress live in src/learn, the Ink UI in src/ui/learn
// (loaded only on a terminal), the world in src/lab/world.ts.
import { distFile } from '../dist-path.js';
import { EXIT, CannotInspectError } from '../exit-codes.js';
import { loadUi } from './load-ui.js';
import type { Report } from '../model/result.js';
import { findScenario, listScenarios } from '../lab/scenario.js';
import { readWorld, worldDown, worldRun, worldUp } from '../lab/world.js';
import { DEFAULT_WORLD_PREFIX, worldPaths } from '../lab/world-plan.js';
import { nsInode } from '../system/ns-procs.js';
import { jsonText } from '../report/json.js';
import { renderText } from '../report/text.js';
import { styleFor } from '../report/style.js';
import { escapeControl, shellQuote } from '../report/escape.js';
import { STEP_IDS } from '../diagnosis/steps.js';
import { UsageError } from '../validate.js';
import { grade, pickChallenge } from '../learn/challenge.js';
import { LESSON, TUTORIAL_ADDRESSES, lessonStep } from '../learn/lesson.js';
import { judge } from '../learn/judge.js';
import { advance, currentStep, doneCount, newProgress, tickedInLessonOrder, type LearnEvent, type Progress } from '../learn/progress.js';
import { renderEvent, renderFailureMoment, renderHeader, renderRoundTrip, renderStepIntro } from '../learn/render-text.js';
import { pathVerdict } from '../learn/path.js';
import { LearnSession, type SessionDeps } from '../learn/session.js';
import { forget, learnDir, loadChallenge, loadProgress, saveChallenge, saveProgress } from '../learn/store.js';
import type { WatchMessage } from '../learn/types.js';
import { startWatch } from '../learn/watch.js';
import { parseCommandArgs } from './args.js';

export const LEARN_HELP = `Usage: netdoctor learn [--up] [--reset] [--prefix P] [--json] [--plain]
       netdoctor learn --challenge [NAME|random] [--prefix P]
       netdoctor learn --answer STEP | --check [--prefix P]

Follow the classic container-networking tutorial by doing it, in a lab world where its commands
work verbatim and nothing touches this machine. netdoctor shows one step at a time (what to do,
why, the command), watches the world and ticks each step the moment it holds, showing what
changed. Type the commands in \`netdoctor lab shell\` in another terminal, or press Enter and
netdoctor runs the step for you. ${TUTORIAL_ADDRESSES.target} stands in for 8.8.8.8. At the tutorial's
failure moments it pings and shows that ping captured live on br0 and eth0: where it stopped,
and the source it left with (private before MASQUERADE, eth0's own address after).

Options:
  --up                 build the lab world first if it is not up (a fresh world replays the
                       steps you had already done)
  --reset              forget your progress and start over (an existing world is rebuilt empty)
  --prefix P           the lab world (default "${DEFAULT_WORLD_PREFIX}")
  --json               judge the world once and print one JSON document (no watching)
  --plain              plain text lines even on a terminal (the default when not on one)
  --challenge [NAME]   build a world with something broken (a scenario from \`lab list\`, or
                       random) without saying what; investigate it in \`lab shell\`
  --answer STEP        name the broken step of the challenge (e.g. host.masquerade); graded
                       against the scenario, then netdoctor shows its own diagnosis
  --check              you fixed the challenge? netdoctor checks (ping and diagnosis)

Progress is saved in ${'$'}NETDOCTOR_LEARN_DIR or /var/lib/netdoctor/learn and resumed.
Quit with q or Ctrl-C; remove the world with: netdoctor lab down
`;

function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new CannotInspectError('netdoctor learn needs root (it builds and watches a lab world)', 'run it with sudo');
  }
}

function worldIsUp(prefix: string): boolean {
  return readWorld(prefix)?.status === 'up' && nsInode(worldPaths(prefix).mnt) !== null;
}

function cliPath(): string {
  return distFile('cli.js');
}

/** netdoctor's own diagnosis of the learner's ns0, run inside the world. */
async function diagnoseWorld(prefix: string): Promise<Report> {
  const r = await worldRun(prefix, [process.execPath, cliPath(), 'check', '--ns', 'ns0', '--target', TUTORIAL_ADDRESSES.target, '--json'], 60_000);
  try {
    return JSON.parse(r.stdout) as Report;
  } catch {
    throw new CannotInspectError(`could not diagnose the lab world: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`}`, 'is the world still up? netdoctor lab list');
  }
}

/** Run the ticked steps again in a fresh world, in lesson order, so the learner resumes where they were. */
async function replay(prefix: string, progress: Progress): Promise<string[]> {
  const ran: string[] = [];
  for (const id of tickedInLessonOrder(progress)) {
    if (id === 'ping') continue;
    const step = lessonStep(id);
    const r = await worldRun(prefix, [...step.command]);
    if (r.exitCode === 0) ran.push(id);
  }
  return ran;
}

function sessionDeps(prefix: string): SessionDeps {
  return {
    now: () => new Date(),
    save: saveProgress,
    watch: (onMessage) => startWatch(prefix, onMessage),
    runInWorld: async (argv) => {
      const r = await worldRun(prefix, argv);
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    },
  };
}

/** --json: one observation of the world, judged; progress saved; one document out. */
async function jsonOnce(prefix: string, progress: Progress): Promise<number> {
  const messages: WatchMessage[] = [];
  const w = startWatch(prefix, (m) => messages.push(m), { once: true });
  await w.exited;
  const snap = messages.find((m) => m.type === 'snapshot');
  if (!snap || snap.type !== 'snapshot') throw new CannotInspectError(`could not read the lab world: ${w.stderr().trim().split('\n').pop() ?? 'no snapshot'}`, 'is the world up? netdoctor lab list');
  const pingMsg = messages.find((m) => m.type === 'ping');
  const ping = pingMsg?.type === 'ping' ? pingMsg : null;
  const j = judge(snap.snapshot, ping?.ping ?? null, ping !== null);
  const { progress: next, events } = advance(progress, j, [], new Date());
  if (events.length) saveProgress(next);
  const doc = {
    schemaVersion: 1,
    prefix,
    done: doneCount(next, j),
    total: LESSON.length,
    current: currentStep(next, j),
    complete: next.completedAt !== null,
    steps: LESSON.map((s) => ({ id: s.id, title: s.title, command: s.command, checks: s.checks, state: j[s.id].state, detail: j[s.id].detail, ticked: next.ticks[s.id] ?? null })),
    // path: what crossed br0 and eth0 (live capture, or counters with the reason), and its verdict.
    ping: ping ? { ...ping.ping, path: ping.path ? { ...ping.path, verdict: pathVerdict(ping.path, ping.ping.target) } : null } : null,
    events,
  };
  process.stdout.write(`${JSON.stringify(doc)}\n`);
  return EXIT.healthy;
}

/** Plain text: a line per event until the lesson is complete or we are stopped. */
async function plain(prefix: string, session: LearnSession): Promise<number> {
  const out = (s: string) => process.stdout.write(s);
  out(renderHeader(session.view()));
  let introduced: string | null = null;
  let moment: string | null = null;
  const introduce = () => {
    const v = session.view();
    if (!v.ready) return;
    if (v.current && v.current !== introduced) {
      introduced = v.current;
      out(renderStepIntro(lessonStep(v.current)));
    }
    if (v.current) {
      const m = renderFailureMoment(lessonStep(v.current), v.ping);
      if (m && m !== moment) {
        moment = m;
        out(m);
      }
    }
  };
  return new Promise<number>((resolve) => {
    let finished = false;
    const finish = async (code: number) => {
      if (finished) return;
      finished = true;
      await session.stop();
      resolve(code);
    };
    session.onChange((view, events: LearnEvent[]) => {
      for (const ev of events) {
        out(renderEvent(ev));
        // The ping got through: show it crossing br0 and eth0, translated.
        if (ev.kind === 'tick' && ev.step === 'ping') out(renderRoundTrip(view.ping) ?? '');
      }
      introduce();
      if (view.ready && view.current === null) {
        // Resumed on a world where every step already holds: no event says so, so say it here.
        if (!events.some((e) => e.kind === 'complete')) out(renderEvent({ kind: 'complete', at: new Date().toISOString() }));
        void finish(EXIT.healthy);
      }
    });
    process.once('SIGINT', () => void finish(EXIT.healthy));
    process.once('SIGTERM', () => void finish(EXIT.healthy));
    session.start();
  });
}

async function challengeUp(prefix: string, name: string | undefined, json: boolean): Promise<number> {
  if (worldIsUp(prefix)) {
    throw new UsageError(`lab world "${prefix}" is up; a challenge builds its own. Remove it first (netdoctor lab down --prefix ${prefix}) or use another --prefix`);
  }
  const scenario = pickChallenge(listScenarios(), name);
  await worldDown(prefix); // leftovers of a half-built one
  await worldUp(prefix, scenario, { secret: true });
  saveChallenge({ schemaVersion: 1, prefix, scenario: scenario.id, startedAt: new Date().toISOString(), answers: [] });
  const p = prefix === DEFAULT_WORLD_PREFIX ? '' : ` --prefix ${prefix}`;
  if (json) {
    process.stdout.write(`${JSON.stringify({ schemaVersion: 1, prefix, challenge: 'ready', commands: { shell: `netdoctor lab shell${p}`, answer: `netdoctor learn --answer STEP${p}`, check: `netdoctor learn --check${p}` } })}\n`);
    return EXIT.healthy;
  }
  process.stdout.write(
    [
      `Challenge ready in lab world "${prefix}".`,
      '',
      'Someone followed the tutorial in it (ns0, br0, veth0/ceth0, 192.168.0.0/16, eth0 to the lab internet),',
      `but ns0 cannot reach ${TUTORIAL_ADDRESSES.target} (the lab's 8.8.8.8). One thing is wrong. Find it:`,
      `  netdoctor lab shell${p}`,
      'Then name the broken step:',
      `  netdoctor learn --answer STEP${p}     STEP: ${STEP_IDS.join(', ')}`,
      'or fix it and ask netdoctor to check:',
      `  netdoctor learn --check${p}`,
      '',
    ].join('\n'),
  );
  return EXIT.healthy;
}

function requireChallenge(prefix: string) {
  const c = loadChallenge(prefix);
  if (!c || !worldIsUp(prefix)) {
    throw new UsageError(`no challenge is running in lab world "${prefix}"; start one with: netdoctor learn --challenge`);
  }
  return c;
}

async function answer(prefix: string, step: string, json: boolean): Promise<number> {
  const c = requireChallenge(prefix);
  const scenario = findScenario(c.scenario);
  const g = grade(step, scenario);
  saveChallenge({ ...c, answers: [...c.answers, { step: g.answer, right: g.right, at: new Date().toISOString() }] });
  const report = await diagnoseWorld(prefix);
  if (json) {
    process.stdout.write(`${jsonText({ schemaVersion: 1, prefix, answer: g.answer, right: g.right, truth: g.truth, scenario: { id: scenario.id, title: scenario.title, story: scenario.story }, diagnosis: report })}\n`);
    return g.right ? EXIT.healthy : EXIT.fault;
  }
  const lines = g.right
    ? [`Right: the broken step is ${g.truth}.`, `  ${scenario.title}`, `  ${scenario.story}`]
    : [`Not quite: you named ${g.answer}; the broken step is ${g.truth}.`, `  ${scenario.title}`, `  ${scenario.story}`];
  lines.push('', "netdoctor's own diagnosis of the world:", '');
  process.stdout.write(`${lines.join('\n')}\n${renderText(report, styleFor(process.stdout), process.stdout.columns ?? 100)}`);
  return g.right ? EXIT.healthy : EXIT.fault;
}

async function checkFixed(prefix: string, json: boolean): Promise<number> {
  const c = requireChallenge(prefix);
  const scenario = findScenario(c.scenario);
  const report = await diagnoseWorld(prefix);
  const fixed = report.egress === 'ok';
  if (json) {
    process.stdout.write(`${jsonText({ schemaVersion: 1, prefix, fixed, truth: fixed ? scenario.expect.diagnosis : null, diagnosis: report })}\n`);
    return fixed ? EXIT.healthy : EXIT.fault;
  }
  const head = fixed
    ? `Fixed: ns0 reaches ${TUTORIAL_ADDRESSES.target}. The broken step was ${scenario.expect.diagnosis}: ${scenario.title}.`
    : `Not fixed yet: ns0 still cannot reach ${TUTORIAL_ADDRESSES.target}.`;
  process.stdout.write(`${head}\n\nnetdoctor's own diagnosis of the world:\n\n${renderText(report, styleFor(process.stdout), process.stdout.columns ?? 100)}`);
  return fixed ? EXIT.healthy : EXIT.fault;
}

export async function learnCommand(argv: string[]): Promise<number> {
  // --challenge takes an optional value: `--challenge` alone means random.
  const args = argv.flatMap((a, i) => (a === '--challenge' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('-')) ? ['--challenge=random'] : [a]));
  const { values } = parseCommandArgs('learn', args, {
    prefix: { type: 'string' },
    up: { type: 'boolean' },
    reset: { type: 'boolean' },
    json: { type: 'boolean' },
    plain: { type: 'boolean' },
    challenge: { type: 'string' },
    answer: { type: 'string' },
    check: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(LEARN_HELP);
    return EXIT.healthy;
  }
  const modes = [values.challenge !== undefined, values.answer !== undefined, !!values.check].filter(Boolean).length;
  if (modes > 1) throw new UsageError('learn: --challenge, --answer and --check are separate steps; use one at a time');
  const prefix = values.prefix ?? DEFAULT_WORLD_PREFIX;
  requireRoot();
  learnDir(); // validated lazily by the store
  if (values.challenge !== undefined) return challengeUp(prefix, values.challenge, !!values.json);
  if (values.answer !== undefined) return answer(prefix, values.answer, !!values.json);
  if (values.check) return checkFixed(prefix, !!values.json);

  if (values.reset) {
    forget(prefix, 'progress');
    forget(prefix, 'challenge');
    const wasUp = worldIsUp(prefix);
    if (wasUp) await worldDown(prefix);
    if (wasUp || values.up) await worldUp(prefix);
    process.stderr.write(`netdoctor learn: progress forgotten${wasUp ? `; lab world "${prefix}" rebuilt empty` : ''}.\n`);
    if (!process.stdout.isTTY && !values.json && !values.up) return EXIT.healthy;
  }

  let progress = loadProgress(prefix) ?? newProgress(prefix, new Date());
  if (!worldIsUp(prefix)) {
    if (!values.up) {
      throw new UsageError(`no lab world "${prefix}" is up; start with: netdoctor learn --up${prefix === DEFAULT_WORLD_PREFIX ? '' : ` --prefix ${prefix}`}`);
    }
    await worldUp(prefix);
    forget(prefix, 'challenge');
    const replayed = await replay(prefix, progress);
    if (replayed.length) process.stderr.write(`netdoctor learn: resuming: rebuilt your ${replayed.length} finished step(s) in the fresh world.\n`);
  } else if (loadChallenge(prefix)) {
    throw new UsageError(`lab world "${prefix}" holds a challenge; answer it (--answer STEP / --check) or remove it: netdoctor lab down${prefix === DEFAULT_WORLD_PREFIX ? '' : ` --prefix ${prefix}`}`);
  }
  saveProgress(progress);
  if (values.json) return jsonOnce(prefix, progress);

  const session = new LearnSession(prefix, progress, sessionDeps(prefix));
  if (process.stdout.isTTY && process.stdin.isTTY && !values.plain) {
    const { runLearnUi } = await loadUi(() => import('../ui/learn/run.js'));
    return runLearnUi(session);
  }
  progress = session.view().progress;
  return plain(prefix, session);
}

export { escapeControl, shellQuote };
