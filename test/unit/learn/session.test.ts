// The session fed recorded watcher messages: progress, events, saving, and running a step for
// the learner, all without a kernel.
import { describe, expect, it } from 'vitest';
import { LearnSession, type SessionDeps } from '../../../src/learn/session.js';
import { newProgress, type Progress } from '../../../src/learn/progress.js';
import type { WatchMessage } from '../../../src/learn/types.js';
import { renderEvent, renderFailureMoment } from '../../../src/learn/render-text.js';
import { lessonStep } from '../../../src/learn/lesson.js';
import { observation, type Stage } from './fixtures.js';

function fake() {
  const saved: Progress[] = [];
  const ran: string[][] = [];
  let pings = 0;
  let push: (m: WatchMessage) => void = () => undefined;
  const deps: SessionDeps = {
    now: () => new Date('2026-01-01T00:00:00Z'),
    save: (p) => saved.push(p),
    watch: (on) => {
      push = on;
      return { requestPing: () => void pings++, stop: async () => undefined };
    },
    runInWorld: async (argv) => {
      ran.push(argv);
      return { exitCode: 0, stdout: '', stderr: '' };
    },
  };
  return { deps, saved, ran, pings: () => pings, push: (m: WatchMessage) => push(m) };
}

function feed(f: ReturnType<typeof fake>, stage: Stage, seq: number): void {
  const o = observation(stage);
  f.push({ type: 'snapshot', seq, snapshot: o.snapshot });
  if (o.ping) f.push({ type: 'ping', seq, ping: o.ping, path: o.path });
}

describe('LearnSession', () => {
  it('follows the world through the tutorial; saves on every tick; shows the failure moments', () => {
    const f = fake();
    const s = new LearnSession('w', newProgress('w', new Date()), f.deps);
    s.start();
    expect(s.view().ready).toBe(false);
    feed(f, 'empty', 1);
    expect(s.view().current).toBe('netns');
    feed(f, 'no-default-route', 2);
    expect(s.view().current).toBe('default-route');
    expect(s.view().lastChanges).toContain('+ namespace ns0');
    const moment = renderFailureMoment(lessonStep('default-route'), s.view().ping);
    expect(moment).toContain('connect: Network is unreachable');
    feed(f, 'no-masquerade', 3);
    expect(s.view().current).toBe('masquerade');
    const nat = renderFailureMoment(lessonStep('masquerade'), s.view().ping)!;
    expect(nat).toContain('100% packet loss');
    expect(nat).toContain('eth0 (uplink)');
    feed(f, 'complete', 4);
    expect(s.view().current).toBeNull();
    expect(s.view().done).toBe(15);
    expect(s.view().events.at(-1)?.kind).toBe('complete');
    expect(f.saved.at(-1)?.completedAt).not.toBeNull();
    expect(renderEvent(s.view().events.at(-1)!)).toMatch(/^DONE 15\/15/);
  });

  it('a ping taken before the latest change does not tick the last step', () => {
    const f = fake();
    const s = new LearnSession('w', newProgress('w', new Date()), f.deps);
    s.start();
    const o = observation('complete');
    f.push({ type: 'ping', seq: 1, ping: o.ping!, path: o.path });
    f.push({ type: 'snapshot', seq: 2, snapshot: o.snapshot });
    expect(s.view().current).toBe('ping');
    f.push({ type: 'ping', seq: 2, ping: o.ping!, path: o.path });
    expect(s.view().current).toBeNull();
  });

  it('Enter runs the current step\'s command in the world, then asks for a ping', async () => {
    const f = fake();
    const s = new LearnSession('w', newProgress('w', new Date()), f.deps);
    s.start();
    feed(f, 'veth-not-moved', 1);
    const r = await s.runStep();
    expect(f.ran).toEqual([['ip', 'link', 'set', 'ceth0', 'netns', 'ns0']]);
    expect(r?.exitCode).toBe(0);
    expect(f.pings()).toBe(1);
    await s.stop();
  });
});
