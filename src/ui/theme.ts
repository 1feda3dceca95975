// Colours for the session, or none at all under NO_COLOR (https://no-color.org): then
// emphasis is carried by bold, inverse and the text itself, never by colour alone.
import { createContext, useContext } from 'react';

export interface Theme {
  pass?: string;
  fail?: string;
  warn?: string;
  accent?: string;
  muted?: string;
}

export const COLOR_THEME: Theme = { pass: 'green', fail: 'red', warn: 'yellow', accent: 'cyan', muted: 'gray' };
export const PLAIN_THEME: Theme = {};

export function themeFor(env: NodeJS.ProcessEnv): Theme {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? PLAIN_THEME : COLOR_THEME;
}

export const ThemeContext = createContext<Theme>(COLOR_THEME);

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
