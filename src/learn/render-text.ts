// The plain-text face of `netdoctor learn` (not on a terminal, or --plain): one line per event,
// stable prefixes (STEP, TICK, UNDONE, TRY, DONE) that scripts and tests can follow. Pure.
import { escapeControl, shellQuote } from '../report/escape.js';
import { wrapText } from '../report/wrap.js';
import { LESSON, lessonStep, type LessonStep, type LessonStepId } from './lesson.js';
import type { LearnEvent } from './progress.js';
import type { PathEvidence } from './types.js';
import type { LearnView, PingView } from './session.js';

const TOTAL = LESSON.length;

function num(id: LessonStepId): string {
  return `${LESSON.findIndex((s) => s.id === id) + 1}/${TOTAL}`;
}

export function renderHeader(view: LearnView): string {
  const p = view.prefix;
  return [
    `netdoctor learn: the tutorial, one step at a time, in lab world "${p}" (${view.done}/${view.total} done).`,
    `Type each command in the lab: netdoctor lab shell${p === 'ndlearn' ? '' : ` --prefix ${p}`}   (or: netdoctor lab exec -- CMD...)`,
    '',
  ].join('\n');
}

export function renderStepIntro(step: LessonStep, width = 92): string {
  return [
    `STEP ${num(step.id)} ${step.id}: ${step.title}`,
    `  run: ${shellQuote(step.command)}`,
    ...wrapText(`why: ${step.why}`, width, '  '),
    '',
  ].join('\n');
}

export function pathLines(path: PathEvidence | null): string[] {
  if (!path) return [];
  const hop = (h: PathEvidence['bridge'], what: 'bridge' | 'uplink') => {
    if (!h) return `${what}: not there yet`;
    if (path.source === 'counters') {
      // Counters see every packet (ARP too), in and out: say only what they can.
      return what === 'bridge'
        ? `${h.interface} (bridge): ${h.requests} packet(s) in from the container side, ${h.replies} out`
        : `${h.interface} (uplink): ${h.requests} packet(s) out to the internet, ${h.replies} in`;
    }
    const from = h.sources.length ? ` from ${h.sources.join(', ')}` : '';
    return `${h.interface} (${what}): ${h.requests} echo request(s)${from}, ${h.replies} repl${h.replies === 1 ? 'y' : 'ies'}`;
  };
  const how = path.source === 'capture' ? 'live capture' : 'packet counters';
  return [`on the wire (${how}):`, `  ${hop(path.bridge, 'bridge')}`, `  ${hop(path.uplink, 'uplink')}`];
}

/** The tutorial's failure moment for the current step, as the world shows it right now. */
export function renderFailureMoment(step: LessonStep, ping: PingView | null): string | null {
  if (!step.failure || !ping?.fresh || ping.ping.received > 0) return null;
  const seen = ping.ping.error ?? `${ping.ping.transmitted} packets transmitted, 0 received, 100% packet loss`;
  const lines = [
    `TRY  ${shellQuote(['ip', 'netns', 'exec', 'ns0', 'ping', '-c', '1', ping.ping.target])}  ->  ${escapeControl(seen)}`,
    ...wrapText(`this is the tutorial's "${step.failure.expect}": ${step.failure.why}`, 92, '  '),
  ];
  if (step.failure.capture) lines.push(...pathLines(ping.path).map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}

export function renderEvent(ev: LearnEvent): string {
  if (ev.kind === 'complete') {
    return `DONE ${TOTAL}/${TOTAL}: ns0 reaches ${lessonStep('ping').command.at(-1)} through br0, the host's forwarding and MASQUERADE. You built container egress by hand.\n`;
  }
  const changes = ev.changes.map((c) => `  ${c}\n`).join('');
  if (ev.kind === 'untick') return `UNDONE ${num(ev.step)} ${ev.step}: ${escapeControl(ev.detail)}\n${changes}`;
  return `TICK ${num(ev.step)} ${ev.step}${ev.outOfOrder ? ' (out of order)' : ''}: ${escapeControl(ev.detail)}\n${changes}`;
}
