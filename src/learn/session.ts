// One learning session over a lab world: the watcher's messages in, judged, progress moved on,
// events and a view out. Both the Ink UI and the plain-text mode drive it; neither holds logic.
// Everything that touches the system comes in through `deps`, so tests feed recorded snapshots.
import type { NetSnapshot } from '../model/snapshot.js';
import type { PingResult } from '../model/result.js';
import { describeChanges } from './changes.js';
import { judge, type Judgement } from './judge.js';
import { LESSON, LESSON_STEP_IDS, lessonStep, type LessonStepId } from './lesson.js';
import { advance, currentStep, doneCount, type LearnEvent, type Progress } from './progress.js';
import type { PathEvidence, WatchMessage } from './types.js';

export interface PingView {
  ping: PingResult;
  path: PathEvidence | null;
  /** Taken in the state the world is in now. */
  fresh: boolean;
}

export interface RanStep {
  step: LessonStepId;
  exitCode: number | null;
  output: string;
}

export interface LearnView {
  prefix: string;
  progress: Progress;
  judgement: Judgement | null;
  current: LessonStepId | null;
  done: number;
  total: number;
  ping: PingView | null;
  /** Recent events, newest last (bounded). */
  events: LearnEvent[];
  /** What changed in the world most recently. */
  lastChanges: string[];
  /** netdoctor is running this step's command for the learner. */
  running: LessonStepId | null;
  ran: RanStep | null;
  error: string | null;
  /** The first snapshot has arrived. */
  ready: boolean;
}

export interface SessionDeps {
  now(): Date;
  save(p: Progress): void;
  /** Start watching the world; the session calls stop() when it ends. */
  watch(onMessage: (m: WatchMessage) => void): { requestPing(): void; stop(): Promise<void> };
  /** Run one command inside the world, output captured. */
  runInWorld(argv: string[]): Promise<{ exitCode: number | null; stdout: string; stderr: string }>;
}

const MAX_EVENTS = 50;

export class LearnSession {
  private snapshot: NetSnapshot | null = null;
  private seq = 0;
  private pingSeq = -1;
  private listeners = new Set<(view: LearnView, events: LearnEvent[]) => void>();
  private watcher: { requestPing(): void; stop(): Promise<void> } | null = null;
  private state: LearnView;

  constructor(prefix: string, progress: Progress, private readonly deps: SessionDeps) {
    this.state = {
      prefix,
      progress,
      judgement: null,
      current: currentStep(progress, null),
      done: doneCount(progress, null),
      total: LESSON.length,
      ping: null,
      events: [],
      lastChanges: [],
      running: null,
      ran: null,
      error: null,
      ready: false,
    };
  }

  view(): LearnView {
    return this.state;
  }

  onChange(fn: (view: LearnView, events: LearnEvent[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    this.watcher ??= this.deps.watch((m) => this.receive(m));
  }

  async stop(): Promise<void> {
    const w = this.watcher;
    this.watcher = null;
    await w?.stop();
    this.deps.save(this.state.progress);
  }

  /** A message from the watcher (public for tests). */
  receive(m: WatchMessage): void {
    if (m.type === 'error') {
      this.update({ error: m.message }, []);
      return;
    }
    if (m.type === 'snapshot') {
      const changes = describeChanges(this.snapshot, m.snapshot);
      this.snapshot = m.snapshot;
      this.seq = m.seq;
      const ping = this.state.ping ? { ...this.state.ping, fresh: this.pingSeq === this.seq } : null;
      this.rejudge(changes, { ping, ready: true, lastChanges: changes.length ? changes : this.state.lastChanges });
      return;
    }
    this.pingSeq = m.seq;
    this.rejudge([], { ping: { ping: m.ping, path: m.path, fresh: m.seq === this.seq } });
  }

  private rejudge(changes: string[], patch: Partial<LearnView>): void {
    if (!this.snapshot) {
      this.update(patch, []);
      return;
    }
    const ping = patch.ping !== undefined ? patch.ping : this.state.ping;
    const judgement = judge(this.snapshot, ping?.ping ?? null, ping?.fresh ?? false);
    const { progress, events } = advance(this.state.progress, judgement, changes, this.deps.now());
    if (events.length) this.deps.save(progress);
    this.update(
      {
        ...patch,
        progress,
        judgement,
        current: currentStep(progress, judgement),
        done: doneCount(progress, judgement),
        events: [...this.state.events, ...events].slice(-MAX_EVENTS),
        // The output of a step netdoctor ran is old news once that step ticked.
        ran: this.state.ran && events.some((e) => e.kind === 'tick' && e.step === this.state.ran?.step) ? null : this.state.ran,
        error: null,
      },
      events,
    );
  }

  private update(patch: Partial<LearnView>, events: LearnEvent[]): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn(this.state, events);
  }

  /** Run a step's command in the world for the learner (the current step by default). */
  async runStep(id: LessonStepId | null = this.state.current): Promise<RanStep | null> {
    if (!id || this.state.running) return null;
    const step = lessonStep(id);
    this.update({ running: id, ran: null }, []);
    const r = await this.deps.runInWorld([...step.command]);
    const ran: RanStep = { step: id, exitCode: r.exitCode, output: `${r.stdout}${r.stderr}`.trim() };
    this.update({ running: null, ran }, []);
    this.watcher?.requestPing();
    return ran;
  }
}

export { LESSON_STEP_IDS };
