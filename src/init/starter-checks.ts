// The `checks:` list of the starter config: one check per capability found in the project, each with
// budgets that say what they measure; commented-out examples for the rest. Pure.
import type { Detected } from './detect.js';

export interface CheckEntry {
  name: string;
  run: string;
  /** Written as YAML (true) or as a commented-out example (false). */
  active: boolean;
  lines: string[];
}

interface Budget {
  yaml: string;
  comment: string;
  active?: boolean;
}

interface CheckSpec {
  name: string;
  about: string[];
  run: string;
  runComment?: string;
  repeat?: { n: number; comment: string };
  budgets: Budget[];
  active: boolean;
}

const COL = 56;

/** `code   # comment`, the comments of a block lined up. */
export function commented(code: string, comment: string | undefined, col = COL): string {
  return comment ? `${code.padEnd(col - 1)} # ${comment}` : code;
}

function render(c: CheckSpec): CheckEntry {
  const item = [
    ...c.about.map((l) => `  # ${l}`),
    `  - name: ${c.name}`,
    commented(`    run: ${c.run}`, c.runComment),
    ...(c.repeat ? [commented(`    repeat: ${c.repeat.n}`, c.repeat.comment)] : []),
    '    budgets:',
    ...c.budgets.map((b) => commented(`      ${b.active === false ? '# ' : ''}- ${b.yaml}`, b.comment)),
  ];
  // A commented-out check keeps its indentation, so uncommenting it is deleting "# " on each line.
  const lines = c.active ? item : item.map((l) => (l.startsWith('  #') ? l : `  # ${l.slice(2)}`));
  return { name: c.name, run: c.run, active: c.active, lines };
}

/** A check name from a file name: sql/top-products.sql → top-products-query. */
export function queryCheckName(file: string): string {
  const base = (file.split('/').pop() ?? file).replace(/\.sql$/i, '').replace(/[^\w.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  if (!base) return 'query';
  return /query$/i.test(base) ? base : `${base}-query`;
}

function dbCheck(d: Detected): CheckSpec {
  const active = Boolean(d.postgres);
  const target = 'It gets --db from targets.db (or PERFKIT_DB_URL / DATABASE_URL when that is commented).';
  const sql = d.sql;
  if (active && !sql) {
    return {
      name: 'db-health',
      active,
      about: [
        'The database health report: slow queries (pg_stat_statements), index advice and health checks, as',
        'one 0-100 score.',
        target,
        'To time one query, save it in sql/<name>.sql and add a `db explain --analyze --file` check like the',
        'example further down.',
      ],
      run: 'db analyze',
      budgets: [
        { yaml: '{ metric: score, min: 70 }', comment: '0-100; every finding costs points' },
        { yaml: '{ metric: findings.error, max: 0, level: warn }', comment: 'findings at error level' },
        { yaml: '{ metric: score, regression: 10% }', comment: 'needs repeat: 5 (4+ samples a side)', active: false },
      ],
    };
  }
  const file = sql?.first ?? 'sql/slow-query.sql';
  const timed = !sql || (!sql.params && !sql.writes);
  const about = sql
    ? [`The query in ${file}${sql.files > 1 ? ` (the first of ${sql.files} .sql files in ${sql.dir}/)` : ''}.`, target]
    : ['A query you care about, saved in a file. It gets --db from targets.db (or the environment).'];
  if (timed) about.push('EXPLAIN ANALYZE runs it inside a transaction that is rolled back, with statement_timeout and', 'lock_timeout set (db.statementTimeout, db.lockTimeout above).');
  else if (sql?.params) about.push("It has $1-style placeholders, so this plans it generically (costs, no timing). To time it, add", `--analyze --params '[42, "open"]' with realistic values, and budget executionMs instead of totalCost.`);
  else about.push('It changes data, so it is planned, not run: --analyze --allow-writes would run it inside a', 'transaction that is rolled back.');
  return {
    name: sql ? queryCheckName(file) : 'slow-query',
    active,
    about,
    run: `db explain ${timed ? '--analyze ' : ''}--file ${file}`,
    runComment: 'any perfkit command line, without `perfkit`',
    repeat: { n: 5, comment: 'samples: max/min use the median' },
    budgets: timed
      ? [
          { yaml: '{ metric: executionMs, max: 100 }', comment: 'execution time, ms' },
          { yaml: '{ metric: executionMs, regression: 10% }', comment: '10% slower than --baseline, beyond noise' },
          { yaml: '{ metric: sharedRead, max: 1000 }', comment: 'pages read from disk, not from cache', active: false },
        ]
      : [
          { yaml: '{ metric: totalCost, max: 10000 }', comment: "the planner's cost estimate" },
          { yaml: '{ metric: totalCost, regression: 10% }', comment: '10% costlier than --baseline' },
        ],
  };
}

function cacheCheck(d: Detected): CheckSpec {
  return {
    name: 'cache',
    active: Boolean(d.redis),
    about: [
      'Redis: hit ratio, memory by namespace, big and cold keys, from INFO and a SCAN sample of 10,000 keys',
      '(never KEYS; nothing is written). It gets --redis from targets.redis (or REDIS_URL).',
    ],
    run: 'cache inspect --sample 10000',
    budgets: [
      { yaml: '{ metric: hitRatio, min: 0.9, level: warn }', comment: 'hits / lookups since Redis started' },
      { yaml: '{ metric: evictedKeys, max: 0, level: warn }', comment: 'keys evicted for lack of memory' },
      { yaml: '{ metric: hitRatio, regression: 10% }', comment: 'add repeat: 5 to compare with --baseline', active: false },
    ],
  };
}

function pageCheck(d: Detected): CheckSpec {
  return {
    name: 'home-page',
    active: Boolean(d.web),
    about: [
      'Lighthouse on the home page, each run on a fresh Chromium (`perfkit doctor` says if there is one).',
      'Measure a production build (build, then start), not the dev server.',
    ],
    run: 'lighthouse ${urls.home} --runs 5',
    runComment: '${urls.home} comes from targets.urls',
    budgets: [
      { yaml: '{ metric: performance, min: 80 }', comment: 'performance score, 0-100' },
      { yaml: '{ metric: lcp, max: 2500 }', comment: 'Largest Contentful Paint, ms' },
      { yaml: '{ metric: lcp, regression: 10% }', comment: 'needs 4+ runs a side: 3 never show it' },
    ],
  };
}

function loadCheck(d: Detected): CheckSpec {
  return {
    name: 'home-load',
    active: Boolean(d.web),
    about: [
      '10 s of HTTP load at 50 requests/s (the rate holds even when the server slows down). Point it at an',
      'API route (add urls.api under targets, then ${urls.api}) to measure the backend, not page rendering.',
    ],
    run: 'loadtest ${urls.home} --rate 50 -d 10s',
    budgets: [
      { yaml: '{ metric: latency.p95, max: 200 }', comment: 'ms; 95% of requests were faster' },
      { yaml: '{ metric: errorRate, max: 0.01 }', comment: 'failed or non-2xx, as a fraction' },
      { yaml: '{ metric: latency.p95, regression: 10% }', comment: 'one sample per second: 10 a side' },
    ],
  };
}

/** The checks, active first, each as its YAML lines (indented for under `checks:`). */
export function starterChecks(d: Detected): CheckEntry[] {
  const specs = [dbCheck(d), cacheCheck(d), pageCheck(d), loadCheck(d)];
  // With no SQL folder, the active check is db analyze; a commented explain example shows the other way.
  if (d.postgres && !d.sql) specs.push({ ...dbCheck({ ...d, postgres: undefined }), active: false });
  return [...specs.filter((s) => s.active), ...specs.filter((s) => !s.active)].map(render);
}
