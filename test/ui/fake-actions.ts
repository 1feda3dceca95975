// Fake SessionActions for component tests: real reports (recorded snapshots judged by the
// real pure core, through the same live stages), no system. Every call is recorded.
import { readFileSync } from 'node:fs';
import type { SavedSnapshot } from '../../src/commands/check.js';
import { judgeLive, type FactStage } from '../../src/diagnosis/live.js';
import type { CaptureSupport, Confirm, LiveReport, PathView, SessionActions } from '../../src/session/types.js';

export function loadSnapshot(id: string): SavedSnapshot {
  return JSON.parse(readFileSync(new URL(`../fixtures/snapshots/${id}.json`, import.meta.url), 'utf8')) as SavedSnapshot;
}

/** The live updates a real run would give for this recorded scenario, in order. */
export function liveSequence(id: string): LiveReport[] {
  // "healthy+noreply": every passive step passes, but nothing answers the ping.
  const [base, variant] = id.split('+') as [string, string | undefined];
  const { snapshot, ping: recorded, dns } = loadSnapshot(base);
  const ping = variant === 'noreply' && recorded ? { ...recorded, received: 0, rttMs: null } : recorded;
  const stages: FactStage[][] = [[], ['links'], ['links', 'rules'], ['links', 'rules', 'ping', 'dns']];
  return stages.map((s, i) => judgeLive(i === 0 ? null : snapshot, ping, new Set(s), dns ?? null));
}

export interface FakeActions extends SessionActions {
  calls: string[];
  /** Resolve the diagnosis that is waiting (when created with `hold`). */
  release(): void;
  /** Scenarios the next diagnoses report, in turn (the last one repeats). */
  scenarios: string[];
}

export function fakeActions(opts: { scenarios: string[]; hold?: boolean; capture?: CaptureSupport; fixResult?: boolean }): FakeActions {
  const calls: string[] = [];
  let releaseNow: (() => void) | null = null;
  let run = 0;
  const self: FakeActions = {
    calls,
    scenarios: opts.scenarios,
    release: () => releaseNow?.(),
    async diagnose(onUpdate) {
      const id = self.scenarios[Math.min(run, self.scenarios.length - 1)]!;
      run++;
      calls.push(`diagnose ${id}`);
      const seq = liveSequence(id);
      for (const live of seq.slice(0, -1)) onUpdate(live);
      if (opts.hold) await new Promise<void>((r) => (releaseNow = r));
      const last = seq.at(-1)!;
      onUpdate(last);
      return last;
    },
    async fix(stepIds, confirm: Confirm, onEvent) {
      calls.push(`fix ${stepIds.join(',')}`);
      const step = self.scenarios.length && liveSequence(self.scenarios[Math.min(run - 1, self.scenarios.length - 1)]!).at(-1)!.steps.find((s) => s.id === stepIds[0]);
      const yes = await confirm(step?.fix ? [{ stepId: step.id, plan: step.fix }] : [], 'Apply these commands?');
      calls.push(`confirm ${yes}`);
      if (!yes) return { changed: false, message: 'not applied' };
      onEvent({ level: 'info', text: '$ fake command' });
      return { changed: opts.fixResult ?? true, message: `applied the fix for ${stepIds.join(', ')}; re-checking` };
    },
    async fixAll(confirm) {
      calls.push('fixAll');
      const yes = await confirm([], 'Fix everything?');
      return { changed: yes, message: yes ? 'applied everything' : 'not applied' };
    },
    async undo(confirm) {
      calls.push('undo');
      const yes = await confirm([], 'Undo these fixes?');
      return { changed: yes, message: yes ? 'undid host.masquerade; re-checking' : 'undo cancelled' };
    },
    capture: opts.capture ?? { available: false, reason: 'no capture in this test' },
  };
  return self;
}

/** A capture that reports what the test pushes. */
export function fakeCapture(): CaptureSupport & { push(v: PathView): void; stopped: number; started: number } {
  let listener: ((v: PathView) => void) | null = null;
  const c = {
    available: true as const,
    stopped: 0,
    started: 0,
    start(onUpdate: (v: PathView) => void) {
      c.started++;
      listener = onUpdate;
      return {
        stop: async () => {
          c.stopped++;
          listener = null;
        },
      };
    },
    push(v: PathView) {
      listener?.(v);
    },
  };
  return c;
}
