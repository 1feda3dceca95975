// The interactive session: header, the live checklist with the diagnosis under it (or a
// step's detail, the keys, the packet path, a fix prompt), a status line and the keys.
// Finished actions go to Ink's <Static> (printed once, kept in the scrollback); everything
// below is sized to the terminal so it fits at 80x24 and re-lays out on resize.
import { Box, Static, Text, useApp, useInput } from 'ink';
import { escapeControl } from '../report/escape.js';
import { focusIndex } from '../session/state.js';
import type { SessionActions, SessionTarget } from '../session/types.js';
import { Checklist } from './Checklist.js';
import { useSession } from './hooks/use-session.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { Lines } from './lines.js';
import { detailLines, footerText, helpLines, promptLines, questionLines, summaryLines } from './panels.js';
import { PathPanel } from './PathPanel.js';
import { ThemeContext, useTheme, type Theme } from './theme.js';

export interface AppProps {
  actions: SessionActions;
  target: SessionTarget;
  theme: Theme;
  /** Called after the user quits (the command then cleans up and exits). */
  onQuit?: () => void;
}

function Header({ target, live }: { target: SessionTarget; live: ReturnType<typeof useSession>['state']['live'] }) {
  const theme = useTheme();
  const t = (live.report ?? live.verdict)?.target;
  const host = (t?.hostNs ?? target.hostNs) ? `host ${escapeControl(t?.hostNs ?? target.hostNs ?? '')}` : 'host: this namespace';
  // What matters most comes first: a narrow terminal cuts the host side (given by the user),
  // not the target, the uplink or the bridge netdoctor found.
  const parts = [`uplink ${escapeControl(t?.uplink ?? '?')}`, `bridge ${escapeControl(t?.bridge ?? target.bridge ?? '?')}`, host];
  return (
    <Text wrap="truncate-end">
      <Text bold color={theme.accent}>
        netdoctor {escapeControl(target.ns)}
      </Text>
      <Text> to {t?.probe ?? target.target}</Text>
      <Text dimColor>
        {target.labPrefix ? ' (sandbox lab)' : ''} ({parts.join(', ')})
      </Text>
    </Text>
  );
}

export function Session({ actions, target, onQuit }: Omit<AppProps, 'theme'>) {
  const { exit } = useApp();
  const { state, onKey } = useSession(actions, () => {
    onQuit?.();
    exit();
  });
  useInput(onKey);
  const { columns, rows } = useTerminalSize();
  const width = Math.max(40, columns);
  // Header, status and keys lines, and one spare row so the frame never reaches the bottom.
  const main = Math.max(6, rows - 4);
  const focus = focusIndex(state);
  const diagnosisId = (state.live.report ?? state.live.verdict)?.diagnosis?.step ?? null;
  const last = state.log.at(-1);

  let body;
  if (state.prompt) {
    // The question stays on screen however many commands are shown above it.
    const question = questionLines(state.prompt.question, width);
    body = (
      <Box flexDirection="column">
        <Lines lines={promptLines(state.prompt.offers, state.prompt.question, width).slice(0, -question.length)} height={Math.max(1, main - question.length)} />
        <Lines lines={question} height={question.length} />
      </Box>
    );
  } else if (state.view === 'help') {
    body = <Lines lines={helpLines(width)} height={main} />;
  } else if (state.view === 'path' && state.path) {
    body = <PathPanel path={state.path} width={width} height={main} />;
  } else if (state.view === 'path') {
    body = <Lines lines={[{ text: 'Starting the capture…', tone: 'dim' }]} height={main} />;
  } else if (state.view === 'detail' && focus !== null && state.live.steps[focus]) {
    body = <Lines lines={detailLines(state.live.steps[focus]!, width)} height={main} />;
  } else {
    const summary = summaryLines(state.live, state.diagnosing, width);
    const n = state.live.steps.length;
    const listRows = Math.min(n, Math.max(8, main - 1 - summary.length));
    body = (
      <Box flexDirection="column">
        <Checklist steps={state.live.steps} selected={state.selected} focus={focus} diagnosisId={diagnosisId} height={listRows} />
        <Text> </Text>
        <Lines lines={summary} height={Math.max(1, main - 1 - listRows)} />
      </Box>
    );
  }

  // While re-checking, the last thing done stays in view (the egress line says it is re-checking).
  // While a question is open nothing is being done yet: say so, not "fixing…".
  const status = state.prompt ? 'nothing changes until you answer' : state.busy ?? (last ? last.text : state.diagnosing ? 'checking…' : '');
  const statusTone = state.busy || state.diagnosing ? 'dim' : last?.level === 'error' ? 'fail' : last?.level === 'ok' ? 'pass' : 'plain';
  return (
    <>
      <Static items={state.log}>{(l) => <Text key={l.id}>{`${l.level === 'error' ? '!' : l.level === 'ok' ? '+' : '-'} ${escapeControl(l.text)}`}</Text>}</Static>
      <Box flexDirection="column" width={width}>
        <Header target={target} live={state.live} />
        <Box height={main} flexDirection="column" overflow="hidden">
          {body}
        </Box>
        <Lines lines={[{ text: escapeControl(status) || ' ', tone: statusTone }]} height={1} />
        <Text dimColor wrap="truncate-end">
          {state.prompt ? 'y apply  n cancel' : state.view === 'help' ? 'any key closes' : footerText(width)}
        </Text>
      </Box>
    </>
  );
}

export function App({ theme, ...rest }: AppProps) {
  return (
    <ThemeContext.Provider value={theme}>
      <Session {...rest} />
    </ThemeContext.Provider>
  );
}
