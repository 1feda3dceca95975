// Loading Ink and React is the slowest part of starting the interactive commands (hundreds of
// ms on a small machine). One part of it is avoidable: Ink's layout engine (yoga) checks
// `typeof fetch` while it loads; in Node that first touch loads the whole fetch implementation
// (undici, ~100 ms here) only for yoga to fetch its inline WebAssembly through a data: URL.
// With fetch hidden during the import, yoga decodes the same bytes directly. netdoctor itself
// never uses fetch; it is restored right after.
// (React's production build would load faster still, but the session then exits at once.)

export async function loadUi<T>(load: () => Promise<T>): Promise<T> {
  const fetchDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (fetchDescriptor?.configurable) Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    if (fetchDescriptor?.configurable) Object.defineProperty(globalThis, 'fetch', fetchDescriptor);
  }
}
