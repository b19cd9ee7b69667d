// Test runner settings. Integration tests share one real PostgreSQL and Redis (scripts/setup-services.sh),
// so files run in at most two forked workers; CLI tests spawn bin/perfkit.js, which needs `npm run build`.
// Two groups: everything else first, then test/timing/ alone, so the one test that measures time (loadtest
// accuracy) does not share the two cores with other test files.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // The JSON results let .ci/run print one plain 'N passed, N failed' line at the end.
    reporters: ['default', ['json', { outputFile: '.vitest/results.json' }]],
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: ['test/timing/**'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timing', include: ['test/timing/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
