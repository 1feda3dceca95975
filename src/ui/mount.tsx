// Mounts the session's Ink screens. The one module the session loads for its UI: it imports
// Ink and React statically, so the bundle (scripts/bundle.mjs) resolves React's CommonJS
// exports here. A dynamic `import('react')` from a bundled chunk sees only `default`
// (createElement would be undefined), and keeping every React import static avoids that.
import { render, type Instance } from 'ink';
import { App, type AppProps } from './App.js';
import { Chooser, type ChooserProps } from './Chooser.js';

export function mountApp(props: AppProps): Instance {
  return render(<App {...props} />, { exitOnCtrlC: false });
}

export function mountChooser(props: ChooserProps): Instance {
  return render(<Chooser {...props} />);
}
