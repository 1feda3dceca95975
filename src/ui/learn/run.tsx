// Mounts the learn screen on the terminal and keeps it in step with the session.
import { render } from 'ink';
import { useEffect, useState } from 'react';
import type { LearnSession, LearnView } from '../../learn/session.js';
import { LearnApp } from './LearnApp.js';

function useLearnView(session: LearnSession): LearnView {
  const [view, setView] = useState(session.view());
  useEffect(() => session.onChange((v) => setView(v)), [session]);
  return view;
}

function Connected({ session, onQuit }: { session: LearnSession; onQuit: () => void }) {
  const view = useLearnView(session);
  return <LearnApp view={view} onRun={() => void session.runStep()} onQuit={onQuit} />;
}

export async function runLearnUi(session: LearnSession): Promise<number> {
  session.start();
  const app = render(<Connected session={session} onQuit={() => undefined} />, { exitOnCtrlC: false });
  await app.waitUntilExit();
  await session.stop();
  return 0;
}
