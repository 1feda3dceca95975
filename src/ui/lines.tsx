// Panels are built as lists of one-row lines, so the layout knows exactly how tall each is
// and clips it to the room it has: the frame never outgrows the terminal (which would make
// Ink repaint the whole screen on every update).
import { Box, Text } from 'ink';
import { wrapText } from '../report/wrap.js';
import { useTheme, type Theme } from './theme.js';

export type Tone = 'plain' | 'bold' | 'dim' | 'pass' | 'fail' | 'warn' | 'accent' | 'title';

export interface Line {
  text: string;
  tone?: Tone;
}

export const line = (text: string, tone: Tone = 'plain'): Line => ({ text, tone });

/** Prose wrapped to the width, every row a line. */
export function wrapped(text: string, width: number, indent: string, tone: Tone = 'plain'): Line[] {
  return wrapText(text, Math.max(20, width - 1), indent).map((t) => line(t, tone));
}

function toneProps(tone: Tone, theme: Theme) {
  switch (tone) {
    case 'bold':
      return { bold: true };
    case 'title':
      return { bold: true, color: theme.accent };
    case 'dim':
      return { dimColor: true };
    case 'pass':
      return { color: theme.pass };
    case 'fail':
      return { color: theme.fail, bold: true };
    case 'warn':
      return { color: theme.warn };
    case 'accent':
      return { color: theme.accent };
    default:
      return {};
  }
}

/** Render at most `height` lines; when clipped, the last row says how much is hidden. */
export function Lines({ lines, height }: { lines: Line[]; height: number }) {
  const theme = useTheme();
  const shown = lines.length > height ? [...lines.slice(0, Math.max(0, height - 1)), line(`  … ${lines.length - height + 1} more lines (a larger terminal shows them)`, 'dim')] : lines;
  return (
    <Box flexDirection="column">
      {shown.map((l, i) => (
        <Text key={i} wrap="truncate-end" {...toneProps(l.tone ?? 'plain', theme)}>
          {l.text === '' ? ' ' : l.text}
        </Text>
      ))}
    </Box>
  );
}
