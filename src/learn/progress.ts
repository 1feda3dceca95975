// A learner's progress through the lesson, and how each new judgement of the world moves it:
// ticks (in the order they happened, out-of-order ones marked), unticks when something was
// undone, and completion. Pure; store.ts saves it.
import { LESSON, LESSON_STEP_IDS, type LessonStepId } from './lesson.js';
import type { Judgement, StepVerdict } from './judge.js';

export interface Tick {
  at: string;
  /** 1 for the first step ticked, 2 for the next ... */
  order: number;
}

export interface Progress {
  schemaVersion: 1;
  prefix: string;
  startedAt: string;
  ticks: Partial<Record<LessonStepId, Tick>>;
  completedAt: string | null;
}

export type LearnEvent =
  | { kind: 'tick'; step: LessonStepId; index: number; order: number; outOfOrder: boolean; detail: string; changes: string[]; at: string }
  | { kind: 'untick'; step: LessonStepId; index: number; detail: string; changes: string[]; at: string }
  | { kind: 'complete'; at: string };

export function newProgress(prefix: string, now: Date): Progress {
  return { schemaVersion: 1, prefix, startedAt: now.toISOString(), ticks: {}, completedAt: null };
}

export function stepIndex(id: LessonStepId): number {
  return LESSON_STEP_IDS.indexOf(id);
}

/** Done: the world shows it; or the world cannot tell right now and it was ticked before. */
export function isDone(p: Progress, id: LessonStepId, v: StepVerdict | undefined): boolean {
  if (!v) return p.ticks[id] !== undefined;
  return v.state === 'holds' || (v.state === 'unknown' && p.ticks[id] !== undefined);
}

/** The step to show: the first one in lesson order that is not done (null: all done). */
export function currentStep(p: Progress, j: Judgement | null): LessonStepId | null {
  return LESSON_STEP_IDS.find((id) => !isDone(p, id, j?.[id])) ?? null;
}

export function doneCount(p: Progress, j: Judgement | null): number {
  return LESSON_STEP_IDS.filter((id) => isDone(p, id, j?.[id])).length;
}

/** Apply a new judgement of the world. `changes` (what changed in the world) go with every event it causes. */
export function advance(p: Progress, j: Judgement, changes: string[], now: Date): { progress: Progress; events: LearnEvent[] } {
  const at = now.toISOString();
  const ticks = { ...p.ticks };
  const events: LearnEvent[] = [];
  let order = Math.max(0, ...Object.values(ticks).map((t) => t?.order ?? 0));
  for (const [i, id] of LESSON_STEP_IDS.entries()) {
    const v = j[id];
    if (v.state === 'holds' && !ticks[id]) {
      order++;
      ticks[id] = { at, order };
      // Out of order: an earlier step is still not done at the moment this one holds.
      const outOfOrder = LESSON_STEP_IDS.slice(0, i).some((e) => !(j[e].state === 'holds' || (j[e].state === 'unknown' && ticks[e])));
      events.push({ kind: 'tick', step: id, index: i, order, outOfOrder, detail: v.detail, changes, at });
    } else if (v.state === 'missing' && ticks[id]) {
      delete ticks[id];
      events.push({ kind: 'untick', step: id, index: i, detail: v.detail, changes, at });
    }
  }
  const all = LESSON_STEP_IDS.every((id) => ticks[id]);
  let completedAt = p.completedAt;
  if (all && !completedAt) {
    completedAt = at;
    events.push({ kind: 'complete', at });
  }
  return { progress: { ...p, ticks, completedAt }, events };
}

/** Steps ticked in a saved progress, in lesson order (to rebuild them in a fresh world). */
export function tickedInLessonOrder(p: Progress): LessonStepId[] {
  return LESSON.map((s) => s.id).filter((id) => p.ticks[id] !== undefined);
}
