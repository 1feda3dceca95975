// Challenges: a world built from a broken scenario without saying which. The learner names the
// broken step (a diagnosis step id, or the lesson step that would have prevented it) and is
// graded against the scenario's own expectation. Pure.
import { STEP_IDS, isStepId, type StepId } from '../diagnosis/steps.js';
import type { Scenario } from '../lab/scenario.js';
import { UsageError, quoteForMessage } from '../validate.js';
import { LESSON, isLessonStepId } from './lesson.js';

/** Scenarios a challenge can use: broken ones (a diagnosis is expected). */
export function challengeScenarios(all: Scenario[]): Scenario[] {
  return all.filter((s) => s.expect.diagnosis !== null && s.expect.egress === 'broken');
}

export function pickChallenge(all: Scenario[], name: string | undefined, random: () => number = Math.random): Scenario {
  const pool = challengeScenarios(all);
  if (!name || name === 'random') {
    const s = pool[Math.floor(random() * pool.length)];
    if (!s) throw new UsageError('no broken scenario to build a challenge from');
    return s;
  }
  const s = pool.find((x) => x.id === name);
  if (!s) {
    const known = all.find((x) => x.id === name);
    throw new UsageError(
      known
        ? `--challenge ${name}: that scenario is healthy, nothing to find (pick a broken one, or random)`
        : `--challenge ${quoteForMessage(name)}: no such scenario (see netdoctor lab list)`,
    );
  }
  return s;
}

/** A diagnosis step id from what the learner typed: `host.masquerade`, or the lesson's `masquerade`. */
export function normalizeAnswer(answer: string): StepId {
  const a = answer.trim();
  if (isStepId(a)) return a;
  if (isLessonStepId(a)) return LESSON.find((s) => s.id === a)!.checks;
  throw new UsageError(`--answer ${quoteForMessage(answer)}: name a step, one of ${STEP_IDS.join(', ')}`);
}

export interface Grade {
  answer: StepId;
  truth: StepId;
  right: boolean;
}

export function grade(answer: string, scenario: Scenario): Grade {
  const truth = scenario.expect.diagnosis;
  if (!truth) throw new Error(`scenario ${scenario.id} is not broken`);
  const a = normalizeAnswer(answer);
  return { answer: a, truth, right: a === truth };
}
