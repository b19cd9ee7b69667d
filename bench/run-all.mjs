#!/usr/bin/env node
// Runs every benchmark in bench/ in turn (each compares perfkit with its anchor in the same run) and
// exits non-zero if any of them misses its floor. Needs `npm run build` first. Not part of CI.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benches = ['startup.mjs', 'explain-lint.mjs', 'index-advisor.mjs', 'slow-log.mjs', 'cache-inspect.mjs', 'cache-warm.mjs', 'loadtest.mjs', 'lighthouse.mjs'];
let failed = 0;
for (const b of benches) {
  console.log(`\n== bench/${b}`);
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(b, import.meta.url)), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
console.log(`\n${benches.length - failed} of ${benches.length} benchmarks met their floor`);
process.exit(failed ? 1 : 0);
