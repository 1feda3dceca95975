// The learn screen: finished steps scroll up in <Static>, the current step below with what to
// do, why and the command, the tutorial's failure moment when the world shows it (with the live
// capture of the ping on br0 and eth0), the captured round trip once done, and what just
// changed. Renders a LearnView; all logic is in src/learn/session.ts.
import { Box, Static, Text, useApp, useInput } from 'ink';
import { shellQuote, escapeControl } from '../../report/escape.js';
import { LESSON, lessonStep, type LessonStepId } from '../../learn/lesson.js';
import type { LearnEvent } from '../../learn/progress.js';
import type { LearnView } from '../../learn/session.js';
import { pathLines } from '../../learn/render-text.js';

function num(id: LessonStepId): string {
  return `${LESSON.findIndex((s) => s.id === id) + 1}/${LESSON.length}`;
}

export function EventLine({ ev }: { ev: LearnEvent }) {
  if (ev.kind === 'complete') {
    return (
      <Text color="green" bold>
        All {LESSON.length} steps done: ns0 reaches the lab internet. You built container egress by hand.
      </Text>
    );
  }
  const step = lessonStep(ev.step);
  return (
    <Box flexDirection="column">
      {ev.kind === 'tick' ? (
        <Text>
          <Text color="green">✓ </Text>
          <Text dimColor>{num(ev.step)} </Text>
          {step.title}
          {ev.outOfOrder ? <Text color="yellow"> (out of order)</Text> : null}
          <Text dimColor> — {escapeControl(ev.detail)}</Text>
        </Text>
      ) : (
        <Text>
          <Text color="red">✗ </Text>
          <Text dimColor>{num(ev.step)} </Text>
          {step.title} <Text color="red">undone</Text>
          <Text dimColor> — {escapeControl(ev.detail)}</Text>
        </Text>
      )}
      {ev.changes.slice(0, 6).map((c, i) => (
        <Text key={i} dimColor>
          {'    '}
          {c}
        </Text>
      ))}
    </Box>
  );
}

/** The capture's lines (render-text's pathLines, unwrapped): Ink wraps them, keeping each line's indent. */
function PathLines({ lines }: { lines: string[] }) {
  return (
    <>
      {lines.map((l, i) => {
        const indent = /^ */.exec(l)![0].length;
        return (
          <Box key={i} paddingLeft={indent}>
            <Text color="cyan">{l.slice(indent)}</Text>
          </Box>
        );
      })}
    </>
  );
}

export function FailureMoment({ view }: { view: LearnView }) {
  if (!view.current) return null;
  const step = lessonStep(view.current);
  const p = view.ping;
  if (!step.failure || !p?.fresh || p.ping.received > 0) return null;
  const seen = p.ping.error ?? `${p.ping.transmitted} packets transmitted, 0 received, 100% packet loss`;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="yellow" paddingX={1} marginTop={1}>
      <Text>
        <Text color="yellow">Right now </Text>
        <Text dimColor>$ {shellQuote(['ip', 'netns', 'exec', 'ns0', 'ping', '-c', '1', p.ping.target])}</Text>
      </Text>
      <Text color="red">{escapeControl(seen)}</Text>
      <Text>
        That is the tutorial&apos;s &quot;{step.failure.expect}&quot;: {step.failure.why}
      </Text>
      {step.failure.capture ? <PathLines lines={pathLines(p.path, p.ping.target, Infinity)} /> : null}
    </Box>
  );
}

export function CurrentStep({ view }: { view: LearnView }) {
  if (!view.ready) return <Text dimColor>Looking at lab world &quot;{view.prefix}&quot;...</Text>;
  if (!view.current) {
    const p = view.ping;
    // The round trip the capture watched: MASQUERADE's rewrite, seen on eth0.
    const trip = p?.fresh && p.ping.received > 0 ? pathLines(p.path, p.ping.target, Infinity) : [];
    return (
      <Box flexDirection="column">
        <Text color="green" bold>
          Every step holds. Press q to quit; remove the world with: netdoctor lab down
        </Text>
        {trip.length ? (
          <Box flexDirection="column" borderStyle="round" borderColor="green" paddingX={1} marginTop={1}>
            <PathLines lines={trip} />
          </Box>
        ) : null}
      </Box>
    );
  }
  const step = lessonStep(view.current);
  const ahead = LESSON.slice(LESSON.findIndex((s) => s.id === view.current) + 1).filter((s) => view.progress.ticks[s.id]);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>
        ▶ Step {num(step.id)}: {step.title}
      </Text>
      <Box paddingLeft={2} flexDirection="column">
        <Text>{step.why}</Text>
        <Text>
          <Text color="cyan">$ {shellQuote(step.command)}</Text>
        </Text>
        {view.judgement ? <Text dimColor>now: {escapeControl(view.judgement[step.id].detail)}</Text> : null}
        {ahead.length ? <Text color="yellow">already done ahead: {ahead.map((s) => s.id).join(', ')}</Text> : null}
      </Box>
      <FailureMoment view={view} />
    </Box>
  );
}

export function StatusLine({ view }: { view: LearnView }) {
  if (view.running) return <Text color="cyan">running {shellQuote(lessonStep(view.running).command)} in the lab...</Text>;
  if (view.ran) {
    const ok = view.ran.exitCode === 0;
    return (
      <Box flexDirection="column">
        <Text color={ok ? 'green' : 'red'}>
          ran {shellQuote(lessonStep(view.ran.step).command)}: exit {String(view.ran.exitCode)}
        </Text>
        {view.ran.output
          ? view.ran.output
              .split('\n')
              .slice(0, 4)
              .map((l, i) => (
                <Text key={i} dimColor>
                  {'  '}
                  {escapeControl(l)}
                </Text>
              ))
          : null}
      </Box>
    );
  }
  if (view.error) return <Text color="red">{escapeControl(view.error)}</Text>;
  return null;
}

export function LearnScreen({ view }: { view: LearnView }) {
  const history = view.events;
  return (
    <Box flexDirection="column">
      <Static items={history.map((ev, i) => ({ ev, key: `${i}-${ev.at}` }))}>{(item) => <EventLine key={item.key} ev={item.ev} />}</Static>
      <Text>
        <Text bold>netdoctor learn</Text>
        <Text dimColor>
          {' '}
          lab world &quot;{view.prefix}&quot; · {view.done}/{view.total} done · type the commands in: netdoctor lab shell
          {view.prefix === 'ndlearn' ? '' : ` --prefix ${view.prefix}`}
        </Text>
      </Text>
      <CurrentStep view={view} />
      <Box marginTop={1}>
        <StatusLine view={view} />
      </Box>
      <Text dimColor>{view.current ? 'Enter: let netdoctor run this step · q: quit (progress is saved)' : 'q: quit (progress is saved)'}</Text>
    </Box>
  );
}

export function LearnApp({ view, onRun, onQuit }: { view: LearnView; onRun: () => void; onQuit: () => void }) {
  const { exit } = useApp();
  useInput((input, key) => {
    if (key.return) onRun();
    else if (input === 'q' || (key.ctrl && input === 'c')) {
      onQuit();
      exit();
    }
  });
  return <LearnScreen view={view} />;
}
