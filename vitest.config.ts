// Test runner settings. Integration tests share one real PostgreSQL and Redis (scripts/setup-services.sh),
// so files run in at most two forked workers; CLI tests spawn bin/perfkit.js, which needs `npm run build`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // The JSON results let .ci/run print one plain 'N passed, N failed' line at the end.
    reporters: ['default', ['json', { outputFile: '.vitest/results.json' }]],
  },
});
