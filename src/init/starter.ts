// The commented starter perfkit.config.yaml, written for what detectProject found: the general keys,
// `targets:` pointing at the project's servers, and `checks:` for `perfkit check`. With nothing found it
// is the generic starter, every check commented out. Always valid against configSchema. Pure.
import type { Detected, ServiceDetected } from './detect.js';
import type { EnvName } from './env-names.js';
import { commented, starterChecks, type CheckEntry } from './starter-checks.js';

export interface Starter {
  text: string;
  /** Every check in the file, active or a commented-out example. */
  checks: Array<Pick<CheckEntry, 'name' | 'run' | 'active'>>;
}

export function buildStarter(d: Detected): Starter {
  const checks = starterChecks(d);
  const active = checks.filter((c) => c.active);
  const text = [
    ...header(d),
    ...GENERAL,
    '',
    ...targets(d),
    '',
    '# How `perfkit check` judges `regression:` budgets against --baseline: a change fails only when it is',
    "# at least the budget's size AND the samples show it is not noise (a Mann-Whitney test).",
    'check:',
    commented('  inconclusive: warn', 'when the samples cannot tell: warn or fail'),
    commented('  # alpha: 0.05', 'significance level of that test'),
    '',
    '# The checks `perfkit check` runs, in order (`--only a,b` picks some). `run` is a perfkit command line',
    '# without `perfkit`, a string or a list; `repeat` runs it N times for more samples. Each budget names',
    "# a metric of that command's summary and a bound: max, min, or regression (against --baseline), at",
    '# level error (default) or warn. A metric the report does not have fails at its level.',
    active.length ? 'checks:' : '# checks:',
    ...checks.flatMap((c, i) => [...(!c.active && (i === 0 || checks[i - 1]!.active) ? [notFound(active.length > 0)] : []), ...c.lines, '']),
    ...BUDGETS,
  ].join('\n');
  return { text, checks: checks.map(({ name, run, active }) => ({ name, run, active })) };
}

function notFound(some: boolean): string {
  return some ? '  # Not found in this project; uncomment what applies:' : '  # Nothing was found to check here: uncomment what applies (and the `checks:` line).';
}

function header(d: Detected): string[] {
  const sources = d.files.map((f) => (f.startsWith('.env') ? `${f} (names only)` : f));
  const list = sources.length > 1 ? `${sources.slice(0, -1).join(', ')} and ${sources.at(-1)}` : sources[0];
  return [
    `# perfkit configuration${d.name ? ` for ${d.name}` : ''}, written by \`perfkit init\`${list ? ' from what it found in' : '.'}`,
    ...(list ? [`# ${list}.`] : []),
    '# Precedence: command-line flags > environment variables > this file. Every key is optional; delete',
    '# what you do not need. This file is usually committed: keep passwords out of it.',
    '#',
    '#   perfkit check --list                               what would run, with the targets filled in',
    '#   perfkit check                                      run every check; exit 1 when a budget fails',
    '#   perfkit check --save-baseline perf-baseline.json   keep this run (on your main branch, say)',
    '#   perfkit check --baseline perf-baseline.json        compare with it: regression budgets',
    '',
  ];
}

const GENERAL = `# Report format on stdout: table, json, markdown, junit or html.
format: table

# Which finding severity fails the run (exit code 1): error, warn or never.
failOn: error

db:
  # The database plain \`perfkit db …\` commands examine (after --db, PERFKIT_DB_URL and DATABASE_URL).
  # Prefer the environment for anything with a password: this file is usually committed.
  # url: postgres://app@localhost:5432/shop

  # Limits for perfkit's own session, so it never holds locks or runs long on your server.
  statementTimeout: 30s
  lockTimeout: 5s
  # connectTimeout: 10s

# explain:
#   # Thresholds of \`perfkit db explain\` rules (a name and a number each; see the README for the
#   # names), and rule ids to switch off.
#   thresholds:
#     misestimate.warnFactor: 10
#     seq-scan-filter.minRowsScanned: 10000
#   disabledRules: []`.split('\n');

const BUDGETS = `# Budgets for every command, not only checks: a metric from a report's summary and a bound (max, min,
# or regression against a baseline, used by \`perfkit check\`), with level error (default) or warn.
# \`command\` limits a budget to one command. A metric a report does not have fails at its level, so a
# typo cannot pass CI.
budgets:
  - metric: findings.warn
    max: 5
    level: warn
  # - metric: executionMs          # \`perfkit db explain --analyze\`: execution time in ms
  #   max: 200
  #   command: db explain
`.split('\n');

const EXAMPLE = { postgres: 'postgres://app@127.0.0.1:5432/shop', redis: 'redis://127.0.0.1:6379' };

function targets(d: Detected): string[] {
  const dbLines = serviceTarget('db', 'postgres', d.postgres, false);
  const body = [
    ...dbLines,
    ...serviceTarget('redis', 'redis', d.redis, dbLines.includes(NO_DOTENV)),
    ...(d.web
      ? [
          '  urls:',
          `    # ${d.web.framework}, on the port from ${d.web.portFrom}.`,
          `    home: ${d.web.url}`,
          commented(`    # api: ${d.web.url}api/items`, 'add the pages and endpoints that matter'),
        ]
      : [commented('  # urls:', '${urls.<name>} in a check\'s run'), '  #   home: http://127.0.0.1:3000/']),
    '  # A CDN in front of the app: cdn checks get --provider, --server … from here.',
    '  # cdn: { provider: varnish, server: http://127.0.0.1:6081 }',
  ];
  const active = body.some((l) => /^ {2}[a-z]/.test(l));
  return [
    '# Where the checks point. `perfkit check` passes targets to each check as flags (db → --db, redis →',
    "# --redis, cdn → --provider, --server …) unless its `run` has its own, and fills in ${db}, ${redis} and",
    '# ${urls.<name>}. As flags they win over PERFKIT_DB_URL, DATABASE_URL and REDIS_URL inside',
    '# `perfkit check`: leave one commented to let the environment decide.',
    active ? 'targets:' : '# targets:',
    ...body,
  ];
}

const NO_DOTENV = '  # perfkit does not load .env files itself: export the variable, or run perfkit under your env loader.';

function serviceTarget(key: 'db' | 'redis', kind: 'postgres' | 'redis', s: ServiceDetected | undefined, explained: boolean): string[] {
  const example = s?.url ?? EXAMPLE[kind];
  const label = kind === 'postgres' ? 'PostgreSQL' : 'Redis';
  if (!s) return [commented(`  # ${key}: ${example}`, `${key === 'db' ? 'db' : 'cache'} checks get --${key}`)];
  const located = s.env.filter((e) => e.reads && e.locates);
  if (located.length) {
    return [
      `  # ${names(located)}: perfkit reads ${located.length > 1 ? 'them' : 'it'} from the environment, so ${key} stays commented.`,
      ...(explained ? [] : [NO_DOTENV]),
      `  # ${key}: ${example}`,
    ];
  }
  const svc = s.service;
  if (s.url && svc) {
    const password = s.env.find((e) => e.name === 'PGPASSWORD');
    const lines = [`  # ${svc.file}, service ${svc.service} (${svc.image}), published on port ${svc.port}.`];
    if (kind === 'postgres') lines.push(`  # No password here: perfkit reads PGPASSWORD${password ? ` (named in ${password.file})` : ''}, or put the whole URL in PERFKIT_DB_URL.`);
    return [...lines, `  ${key}: ${s.url}`];
  }
  const found = `${label}, found in ${[...new Set(s.from.map((f) => f.split(':')[0]))].join(', ')}`;
  if (kind === 'redis') return [`  # ${found}. perfkit reads REDIS_URL, else uses ${EXAMPLE.redis};`, '  # or uncomment:', `  # redis: ${example}`];
  return [`  # ${found}. Where is it? Set DATABASE_URL or PERFKIT_DB_URL, or uncomment:`, `  # db: ${example}`];
}

function names(env: EnvName[]): string {
  const byFile = new Map<string, string[]>();
  for (const e of env) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e.name]);
  return [...byFile].map(([file, n]) => `${n.join(', ')} ${n.length > 1 ? 'are' : 'is'} named in ${file}`).join('; ');
}
