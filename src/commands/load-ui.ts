// Loading Ink and React is the slowest part of starting the interactive commands (hundreds of
// ms on a small machine). One part of it is avoidable: Ink's layout engine (yoga) checks
// `typeof fetch` while it loads; in Node that first touch loads the whole fetch implementation
// (undici, ~100 ms here) only for yoga to fetch its inline WebAssembly through a data: URL.
// With fetch hidden during the import, yoga decodes the same bytes directly. netdoctor itself
// never uses fetch; it is restored right after.
// (React's production build would load faster still, but the session then exits at once.)
//
// Ink also decides once, as it loads, whether it runs in CI (CI or CONTINUOUS_INTEGRATION set):
// then it draws nothing until the app exits. The UI is only loaded for a person at a terminal
// (both stdin and stdout are TTYs; everything else gets the plain report), so a CI variable
// left in someone's shell, or set by a CI runner driving a real terminal, must not blank the
// screen: the variables are hidden during the import, and restored right after.
const CI_VARS = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

export async function loadUi<T>(load: () => Promise<T>): Promise<T> {
  const fetchDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (fetchDescriptor?.configurable) Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  const ci = CI_VARS.map((k) => [k, process.env[k]] as const);
  for (const [k] of ci) delete process.env[k];
  try {
    return await load();
  } finally {
    if (fetchDescriptor?.configurable) Object.defineProperty(globalThis, 'fetch', fetchDescriptor);
    for (const [k, v] of ci) if (v !== undefined) process.env[k] = v;
  }
}
