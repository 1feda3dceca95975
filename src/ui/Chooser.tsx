// Before the session, when no --ns was given: pick one of the host's namespaces, or (with
// none of the user's own) say so and offer netdoctor's sandbox lab instead.
import { Box, Text, useApp, useInput } from 'ink';
import { useRef, useState } from 'react';
import { escapeControl } from '../report/escape.js';
import { ThemeContext, type Theme } from './theme.js';

export type Choice = { kind: 'ns'; ns: string } | { kind: 'lab' } | null;

export interface ChooserProps {
  namespaces: string[];
  /** The scenario the sandbox lab would show. */
  labScenario: string;
  theme: Theme;
  onChoose(choice: Choice): void;
}

function ChooserBody({ namespaces, labScenario, onChoose }: Omit<ChooserProps, 'theme'>) {
  const { exit } = useApp();
  const [index, setIndexState] = useState(0);
  // Keys can arrive before the re-render that re-binds the input handler: read the latest.
  const indexRef = useRef(0);
  const setIndex = (f: (i: number) => number) => {
    indexRef.current = f(indexRef.current);
    setIndexState(indexRef.current);
  };
  const options = [...namespaces.map((ns) => ({ label: escapeControl(ns), choice: { kind: 'ns', ns } as Choice })), { label: `netdoctor's sandbox lab (scenario ${labScenario}, removed on quit)`, choice: { kind: 'lab' } as Choice }];
  const done = (choice: Choice) => {
    onChoose(choice);
    exit();
  };
  useInput((input, key) => {
    if (input === 'q' || key.escape || (key.ctrl && input === 'c')) return done(null);
    if (!namespaces.length) {
      if (input === 'y' || input === 'Y' || key.return) return done({ kind: 'lab' });
      if (input === 'n' || input === 'N') return done(null);
      return;
    }
    if (key.upArrow || input === 'k') setIndex((i) => Math.max(0, i - 1));
    else if (key.downArrow || input === 'j') setIndex((i) => Math.min(options.length - 1, i + 1));
    else if (key.return) done(options[indexRef.current]!.choice);
  });
  if (!namespaces.length) {
    return (
      <Box flexDirection="column">
        <Text bold>No network namespace of your own on this host.</Text>
        <Text wrap="wrap">
          netdoctor can build its sandbox lab (the tutorial with its classic mistake, scenario {labScenario}) in namespaces of its own, diagnose it with you, and remove it when you quit. Your host is not touched.
        </Text>
        <Text> </Text>
        <Text bold>Build the lab? [Y/n]</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column">
      <Text bold>Which namespace should netdoctor diagnose?</Text>
      {options.map((o, i) => (
        <Text key={o.label} inverse={i === index} wrap="truncate-end">
          {i === index ? '> ' : '  '}
          {o.label}
        </Text>
      ))}
      <Text dimColor>j/k or arrows move, Enter chooses, q quits</Text>
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
