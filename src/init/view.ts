// The human view of `perfkit init`: what was found in the project, the checks written, what to run next.
import type { Section } from '../report/model.js';
import type { Detected, EnvName } from './detect.js';

export interface InitData {
  path: string;
  detected: Detected;
  /** The checks written active (the commented-out examples are not listed). */
  checks: Array<{ name: string; run: string }>;
}

export function initView(data: InitData): Section[] {
  const d = data.detected;
  const rows: Array<[string, string, string]> = [];
  // The environment first: when it names the server, the starter leaves the target to it.
  if (d.postgres) rows.push(['PostgreSQL', urlFromEnv(d.postgres.env) ?? d.postgres.url ?? 'no address: set DATABASE_URL, or targets.db', d.postgres.from.join('\n')]);
  if (d.redis) rows.push(['Redis', urlFromEnv(d.redis.env) ?? d.redis.url ?? "perfkit's default, redis://127.0.0.1:6379", d.redis.from.join('\n')]);
  if (d.web) rows.push(['Web app', `${d.web.framework} at ${d.web.url} (port from ${d.web.portFrom})`, d.web.from]);
  if (d.sql) rows.push(['SQL files', `${d.sql.files} in ${d.sql.dir}/; checks ${d.sql.first}`, `${d.sql.dir}/`]);
  const sections: Section[] = [];
  sections.push(
    rows.length
      ? { title: 'Found', kind: 'table', columns: ['what', 'where', 'from'], rows }
      : { title: 'Found', kind: 'text', text: `nothing to point checks at${d.files.length ? ` in ${d.files.join(', ')}` : ' (no package.json, .env or compose file here)'}: the generic starter, every check commented out` },
  );
  if (data.checks.length) sections.push({ title: 'Checks written', kind: 'table', columns: ['name', 'run'], rows: data.checks.map((c) => [c.name, c.run]) });
  sections.push({ title: 'Next', kind: 'text', text: nextSteps(data).join('\n') });
  return sections;
}

function urlFromEnv(env: EnvName[]): string | undefined {
  const e = env.find((x) => x.reads && x.locates);
  return e ? `${e.name}, from the environment (named in ${e.file})` : undefined;
}

function nextSteps(data: InitData): string[] {
  const out = [`wrote ${data.path}: read it, and adjust the budgets to your numbers`];
  if (data.checks.length) {
    out.push(
      'perfkit doctor                                     what is available here (PostgreSQL extensions, Redis, Chromium)',
      'perfkit check --list                               what would run, with the targets filled in',
      'perfkit check --save-baseline perf-baseline.json   run the checks and keep the numbers',
      'perfkit check --baseline perf-baseline.json        later: fail on regressions against them',
    );
  } else {
    out.push('uncomment the checks that apply, then `perfkit check --list` to see what would run', '`perfkit doctor` says what is available here');
  }
  return out;
}
