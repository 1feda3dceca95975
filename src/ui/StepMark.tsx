// A step's status as a fixed-width word, coloured when colour is on.
import { Text } from 'ink';
import type { LiveStatus } from '../session/types.js';
import { useTheme, type Theme } from './theme.js';

const WORD: Record<LiveStatus, string> = { pass: 'ok', fail: 'FAIL', warn: 'warn', skip: 'skip', error: 'ERR', running: '...' };

export function statusColor(status: LiveStatus, theme: Theme): string | undefined {
  switch (status) {
    case 'pass':
      return theme.pass;
    case 'fail':
    case 'error':
      return theme.fail;
    case 'warn':
      return theme.warn;
    default:
      return theme.muted;
  }
}

export function StepMark({ status }: { status: LiveStatus }) {
  const theme = useTheme();
  return (
    <Text color={statusColor(status, theme)} bold={status === 'fail' || status === 'error'}>
      {WORD[status].padEnd(4)}
    </Text>
  );
}
