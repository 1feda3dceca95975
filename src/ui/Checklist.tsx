// The tutorial's steps, one row each, filling in live. When they do not all fit, a window
// follows the focused step and says how many rows are above and below.
import { Box, Text } from 'ink';
import { escapeControl } from '../report/escape.js';
import type { LiveStep } from '../session/types.js';
import { StepMark } from './StepMark.js';
import { useTheme } from './theme.js';

export interface ChecklistProps {
  steps: LiveStep[];
  /** The selected row (inverse video); null: none. */
  selected: number | null;
  /** The row kept in view: the selection, else the diagnosis. */
  focus: number | null;
  diagnosisId: string | null;
  height: number;
}

/** Which rows to show in `height` lines, keeping `focus` visible. */
export function windowFor(count: number, height: number, focus: number | null): { start: number; end: number } {
  if (count <= height) return { start: 0, end: count };
  // Room for the "above"/"below" lines, at least one step.
  const rows = Math.max(1, height - 2);
  const f = focus ?? 0;
  const start = Math.max(0, Math.min(count - rows, f - Math.floor(rows / 2)));
  return { start, end: Math.min(count, start + rows) };
}

export function Checklist({ steps, selected, focus, diagnosisId, height }: ChecklistProps) {
  const theme = useTheme();
  const { start, end } = windowFor(steps.length, height, focus);
  const idWidth = Math.max(17, ...steps.map((s) => s.id.length));
  return (
    <Box flexDirection="column">
      {start > 0 && <Text dimColor>{`  ↑ ${start} more above`}</Text>}
      {steps.slice(start, end).map((step, i) => {
        const index = start + i;
        const isSelected = index === selected;
        const isDiagnosis = step.id === diagnosisId;
        return (
          // One Text per row, so the row truncates as a whole and never wraps.
          <Text key={step.id} wrap="truncate-end">
            <Text inverse={isSelected}>
              <Text color={isDiagnosis ? theme.fail : undefined} bold={isDiagnosis}>
                {isDiagnosis ? '>' : isSelected ? '*' : ' '}
              </Text>{' '}
              <StepMark status={step.status} /> <Text bold={isDiagnosis}>{step.id.padEnd(idWidth)}</Text>
            </Text>
            <Text dimColor={step.status === 'skip' || step.status === 'running'}> {escapeControl(step.summary)}</Text>
          </Text>
        );
      })}
      {end < steps.length && <Text dimColor>{`  ↓ ${steps.length - end} more below`}</Text>}
    </Box>
  );
}
