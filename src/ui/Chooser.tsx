// Before the session, when no --ns was given: pick one of the host's namespaces or a container
// of a netdoctor lab that is up, or (with neither) say so and offer netdoctor's sandbox lab.
// The list scrolls within the terminal, however many namespaces the host has.
import { Box, Text, useApp, useInput, type Key } from 'ink';
import { useRef, useState } from 'react';
import { escapeControl } from '../report/escape.js';
import { windowFor } from './Checklist.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { splitKeys } from './hooks/type-ahead.js';
import { ThemeContext, type Theme } from './theme.js';

/** A container of a lab that is up, with what `lab up` said to diagnose it against. */
export interface LabContainer {
  ns: string;
  hostNs: string;
  target: string;
  lab: string;
  scenario: string | null;
}

export type Choice = { kind: 'ns'; ns: string } | { kind: 'lab-container'; ns: string; hostNs: string; target: string } | { kind: 'lab' } | null;

export interface ChooserProps {
  namespaces: string[];
  /** Containers of netdoctor labs that are up (listed after the user's own namespaces). */
  labs?: LabContainer[];
  /** The scenario the sandbox lab would show. */
  labScenario: string;
  theme: Theme;
  onChoose(choice: Choice): void;
}

function ChooserBody({ namespaces, labs = [], labScenario, onChoose }: Omit<ChooserProps, 'theme'>) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const [index, setIndexState] = useState(0);
  // Keys can arrive before the re-render that re-binds the input handler: read the latest.
  const indexRef = useRef(0);
  const setIndex = (f: (i: number) => number) => {
    indexRef.current = f(indexRef.current);
    setIndexState(indexRef.current);
  };
  const options = [
    ...namespaces.map((ns) => ({ label: escapeControl(ns), choice: { kind: 'ns', ns } as Choice })),
    ...labs.map((c) => ({
      // Short enough for 80 columns; the host side and target are the lab's own (shown once chosen).
      label: `${escapeControl(c.ns)}  (lab ${escapeControl(c.lab)}${c.scenario ? `: ${escapeControl(c.scenario)}` : ''})`,
      choice: { kind: 'lab-container', ns: c.ns, hostNs: c.hostNs, target: c.target } as Choice,
    })),
    { label: `netdoctor's sandbox lab (scenario ${labScenario}, removed on quit)`, choice: { kind: 'lab' } as Choice },
  ];
  const offerOnly = options.length === 1;
  const finished = useRef(false);
  const done = (choice: Choice) => {
    finished.current = true;
    onChoose(choice);
    exit();
  };
  const onKey = (input: string, key: Key) => {
    if (finished.current) return;
    if (input === 'q' || key.escape || (key.ctrl && input === 'c')) return done(null);
    if (offerOnly) {
      if (input === 'y' || input === 'Y' || key.return) return done({ kind: 'lab' });
      if (input === 'n' || input === 'N') return done(null);
      return;
    }
    if (key.upArrow || input === 'k') setIndex((i) => Math.max(0, i - 1));
    else if (key.downArrow || input === 'j') setIndex((i) => Math.min(options.length - 1, i + 1));
    else if (key.pageUp) setIndex((i) => Math.max(0, i - 10));
    else if (key.pageDown) setIndex((i) => Math.min(options.length - 1, i + 10));
    else if (key.return) done(options[indexRef.current]!.choice);
  };
  // Keys typed quickly (or before Ink listened) arrive as one chunk, "j\r": one at a time.
  useInput((input, key) => {
    for (const [i, k] of splitKeys(input, key)) onKey(i, k);
  });
  if (offerOnly) {
    return (
      <Box flexDirection="column" width={columns}>
        <Text bold>No network namespace of your own on this host.</Text>
        <Text wrap="wrap">
          netdoctor can build its sandbox lab (the tutorial with its classic mistake, scenario {labScenario}) in namespaces of its own, diagnose it with you, and remove it when you quit. Your host is not touched.
        </Text>
        <Text> </Text>
        <Text bold>Build the lab? [Y/n]</Text>
      </Box>
    );
  }
  // Title, keys line and a spare row: the rest lists options, scrolled to keep the cursor in view.
  const { start, end } = windowFor(options.length, Math.max(3, rows - 3), index);
  return (
    <Box flexDirection="column" width={columns}>
      <Text bold wrap="truncate-end">
        Which namespace should netdoctor diagnose?{options.length > end - start ? ` (${options.length - 1} namespaces)` : ''}
      </Text>
      {start > 0 && <Text dimColor>{`  ↑ ${start} more above`}</Text>}
      {options.slice(start, end).map((o, i) => (
        <Text key={start + i} inverse={start + i === index} wrap="truncate-end">
          {start + i === index ? '> ' : '  '}
          {o.label}
        </Text>
      ))}
      {end < options.length && <Text dimColor>{`  ↓ ${options.length - end} more below`}</Text>}
      <Text dimColor wrap="truncate-end">
        j/k or arrows move, Enter chooses, q quits
      </Text>
    </Box>
  );
}

export function Chooser({ theme, ...rest }: ChooserProps) {
  return (
    <ThemeContext.Provider value={theme}>
      <ChooserBody {...rest} />
    </ThemeContext.Provider>
  );
}
