import { defineConfig } from 'vitest/config';

// The stress tests (hundreds of labs, 50 diagnoses at once, kills at random points) run after
// everything else, so their load never makes another test's timing-sensitive probe flaky.
const STRESS = ['test/integration/hunt.test.ts', 'test/integration/load.test.ts', 'test/integration/crash.test.ts', 'test/integration/fix-faults.test.ts'];

export default defineConfig({
  test: {
    // Integration tests build real namespaces; each uses a unique prefix so files run in parallel.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: STRESS } },
      { extends: true, test: { name: 'stress', include: STRESS, sequence: { groupOrder: 1 } } },
    ],
  },
});
