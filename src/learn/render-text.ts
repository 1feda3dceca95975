// The plain-text face of `netdoctor learn` (not on a terminal, or --plain): one line per event,
// stable prefixes (STEP, TICK, UNDONE, TRY, DONE) that scripts and tests can follow. Pure.
import { escapeControl, shellQuote } from '../report/escape.js';
import { wrapText } from '../report/wrap.js';
import { LESSON, TUTORIAL_ADDRESSES, lessonStep, type LessonStep, type LessonStepId } from './lesson.js';
import { pathVerdict } from './path.js';
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

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What the capture's verdict teaches, in the lesson's words (one sentence). */
function lesson(path: PathEvidence, target: string): string | null {
  const br = path.bridge?.interface ?? 'br0';
  const up = path.uplink?.interface ?? 'eth0';
  const ns = path.nsAddress ?? "ns0's address";
  switch (pathVerdict(path, target)) {
    case 'never-reaches-bridge':
      return `Nothing reached ${br}: the packet never left ns0, so no wire saw it.`;
    case 'not-forwarded':
      return `The host received it on ${br} but did not pass it on: nothing left on ${up}.`;
    case 'leaves-untranslated':
      return `It left ${up} with the private source ${ns}: nobody on the internet routes a reply to a private address, so none comes back. MASQUERADE rewrites that source.`;
    case 'no-answer-upstream':
      return `It left ${up} translated, but nothing answered: it is lost beyond this host.`;
    case 'reply-not-returned':
      return `The reply came back on ${up}, but the host did not pass it on to ${br}.`;
    case 'ok': {
      const nat = (path.uplink?.sources ?? []).filter((a) => a !== path.nsAddress);
      return nat.length
        ? `MASQUERADE rewrote the source ${ns} to ${nat.join(', ')} on the way out, and the reply's destination back again.`
        : 'The round trip worked.';
    }
    default:
      return null;
  }
}

/**
 * What crossed br0 and eth0 while netdoctor pinged. A live capture names the sources: the
 * private 192.168.0.2 leaving untranslated before MASQUERADE, eth0's own address after it.
 * Counters can only count, and say why there is no capture.
 */
export function pathLines(path: PathEvidence | null, target: string = TUTORIAL_ADDRESSES.target, width = 92): string[] {
  if (!path) return [];
  const { bridge: br, uplink: up } = path;
  if (path.source === 'counters') {
    // Counters see every packet (ARP too), in and out: say only what they can.
    const off = path.captureUnavailable;
    return [
      'on the wire (packet counters: they count every packet and cannot tell addresses):',
      `  ${br ? `${br.interface} (bridge): ${br.requests} packet(s) in from the container side, ${br.replies} out` : 'bridge: not there yet'}`,
      `  ${up ? `${up.interface} (uplink): ${up.requests} packet(s) out to the internet, ${up.replies} in` : 'uplink: not there yet'}`,
      ...(off ? wrapText(`no live capture: ${escapeControl(off.reason)}; to get it: ${escapeControl(off.remedy)}`, width, '  ') : []),
    ];
  }
  const lines = [`live capture of this ping on ${[br?.interface, up?.interface].filter(Boolean).join(' and ')}:`];
  if (br) {
    const from = br.sources.length ? ` from ${br.sources.join(', ')}` : ' from ns0';
    lines.push(`  ${br.interface} (bridge): ${count(br.requests, 'echo request', 'echo requests')}${from}${br.replies || up?.replies ? `, ${count(br.replies, 'reply', 'replies')} back` : ''}`);
  }
  if (up) {
    const how = up.sources.map((a) => (a === path.nsAddress ? `from ${a} (private, untranslated)` : `as ${a}${a === path.uplinkAddress ? ` (${up.interface}'s own address)` : ''}`));
    const leave = up.requests === 1 ? 'leaves' : 'leave';
    const replies = up.requests || up.replies ? `, ${count(up.replies, 'reply', 'replies')}` : '';
    lines.push(`  ${up.interface} (uplink): ${count(up.requests, 'echo request', 'echo requests')} ${up.requests ? `${leave} ${how.join(', ')}` : 'left'}${replies}`);
  } else lines.push('  uplink: not captured');
  const teach = lesson(path, target);
  if (teach) lines.push(...wrapText(teach, width, '  '));
  return lines;
}

/** The tutorial's failure moment for the current step, as the world shows it right now. */
export function renderFailureMoment(step: LessonStep, ping: PingView | null): string | null {
  if (!step.failure || !ping?.fresh || ping.ping.received > 0) return null;
  const seen = ping.ping.error ?? `${ping.ping.transmitted} packets transmitted, 0 received, 100% packet loss`;
  const lines = [
    `TRY  ${shellQuote(['ip', 'netns', 'exec', 'ns0', 'ping', '-c', '1', ping.ping.target])}  ->  ${escapeControl(seen)}`,
    ...wrapText(`this is the tutorial's "${step.failure.expect}": ${step.failure.why}`, 92, '  '),
  ];
  if (step.failure.capture) lines.push(...pathLines(ping.path, ping.ping.target, 90).map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}

/** Once the last step ticked: the round trip as the capture saw it (MASQUERADE at work). */
export function renderRoundTrip(ping: PingView | null): string | null {
  if (!ping?.fresh || ping.ping.received === 0 || !ping.path) return null;
  return `${pathLines(ping.path, ping.ping.target, 90).map((l) => `  ${l}`).join('\n')}\n`;
}

export function renderEvent(ev: LearnEvent): string {
  if (ev.kind === 'complete') {
    return `DONE ${TOTAL}/${TOTAL}: ns0 reaches ${lessonStep('ping').command.at(-1)} through br0, the host's forwarding and MASQUERADE. You built container egress by hand.\n`;
  }
  const changes = ev.changes.map((c) => `  ${c}\n`).join('');
  if (ev.kind === 'untick') return `UNDONE ${num(ev.step)} ${ev.step}: ${escapeControl(ev.detail)}\n${changes}`;
  return `TICK ${num(ev.step)} ${ev.step}${ev.outOfOrder ? ' (out of order)' : ''}: ${escapeControl(ev.detail)}\n${changes}`;
}
