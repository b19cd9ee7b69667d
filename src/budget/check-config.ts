// The checks of perfkit.config.yaml, resolved: each `run` line split like a shell would, ${targets} filled
// in, the database, Redis and CDN targets added to the commands that take them, and every budget checked.
// A mistake names its exact key (checks[2].run, checks[0].budgets[1].better) and exits 2. Pure.
import { configError, usageError } from '../cli/errors.js';
import type { PerfkitConfigFile } from '../config/schema.js';
import { inferBetter } from './baseline.js';
import type { CheckBudget, ResolvedCheck } from './check-model.js';

/** The commands a check may run (the first words of `run`). */
export const CHECKABLE = ['db explain', 'db indexes', 'db slow', 'db analyze', 'cache inspect', 'cache warm', 'cdn invalidate', 'cdn purge', 'loadtest', 'lighthouse', 'doctor'];
/** Global flags that belong to `perfkit check` itself, not to one of its checks. */
const NOT_IN_A_CHECK = ['--format', '-o', '--output', '--config', '--quiet', '-q', '--verbose', '--no-color', '--fail-on'];

export function resolveChecks(file: PerfkitConfigFile, split: (s: string) => string[], where: string): ResolvedCheck[] {
  const checks = file.checks ?? [];
  if (!checks.length) throw configError(`${where}: no checks`, 'add a `checks:` list (each a name, a `run:` command line and budgets); `perfkit init` writes a starter');
  const seen = new Map<string, number>();
  const defaults = { inconclusive: file.check?.inconclusive ?? 'warn', regression: fraction(file.check?.regression, `${where}: check.regression`) };
  return checks.map((c, i) => {
    const key = `checks[${i}]`;
    if (seen.has(c.name)) throw configError(`${where}: ${key}.name: '${c.name}' is also the name of checks[${seen.get(c.name)}]`, 'give every check its own name');
    seen.set(c.name, i);
    const raw = Array.isArray(c.run) ? c.run : split(c.run);
    const argv = raw.map((w) => interpolate(w, file, `${where}: ${key}.run`));
    const command = CHECKABLE.filter((name) => name.split(' ').every((w, j) => argv[j] === w)).sort((a, b) => b.length - a.length)[0];
    if (!command) {
      const words = argv.slice(0, 2).join(' ');
      throw configError(`${where}: ${key}.run: '${words}' is not a perfkit command a check can run`, `start it with one of: ${CHECKABLE.join(', ')} (without "perfkit")`);
    }
    const own = argv.find((w) => NOT_IN_A_CHECK.includes(w) || NOT_IN_A_CHECK.some((f) => f.startsWith('--') && w.startsWith(`${f}=`)));
    if (own) throw configError(`${where}: ${key}.run: ${own} belongs to perfkit check itself, not to a check`, `drop it from the check; give it to perfkit check (e.g. perfkit check ${own} …)`);
    withTargets(command, argv, file);
    const budgets = (c.budgets ?? []).map((b, j): CheckBudget => {
      const bkey = `${key}.budgets[${j}]`;
      if (b.command !== undefined) throw configError(`${where}: ${bkey}.command: a check's budget belongs to its check`, 'drop `command` here; use it only in the top-level budgets list');
      const out: CheckBudget = { metric: b.metric, level: b.level, key: bkey, max: b.max, min: b.min };
      if (b.regression !== undefined) {
        const better = b.better ?? inferBetter(b.metric);
        if (!better) throw configError(`${where}: ${bkey}.better: perfkit cannot tell whether a higher or a lower '${b.metric}' is better`, 'add better: lower (latency, bytes, errors) or better: higher (scores, req/s, hit ratio)');
        out.regression = fraction(b.regression, `${where}: ${bkey}.regression`) ?? defaults.regression ?? 0.1;
        out.better = better;
        out.inconclusive = b.inconclusive ?? defaults.inconclusive;
        out.minChange = b.minChange;
      }
      return out;
    });
    return { name: c.name, command, argv, repeat: c.repeat ?? 1, budgets, key };
  });
}

/** --only a,b: the named checks, in config order; an unknown name lists the ones there are. */
export function selectChecks(all: ResolvedCheck[], only: string[] | undefined): ResolvedCheck[] {
  if (!only?.length) return all;
  const names = only.flatMap((o) => o.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = names.find((n) => !all.some((c) => c.name === n));
  if (unknown) throw usageError(`--only ${unknown}: no such check`, `the checks are: ${all.map((c) => c.name).join(', ')}`);
  return all.filter((c) => names.includes(c.name));
}

/** '10%' → 0.1; 0.1 → 0.1 (a number is a fraction). */
function fraction(v: string | number | undefined, key: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v.replace('%', '').trim()) / 100;
  if (!Number.isFinite(n) || n < 0) throw configError(`${key}: '${v}' is not a relative change`, "write a percentage like '10%' (or the fraction 0.1)");
  return n;
}

const VAR = /\$\{([A-Za-z_][\w.-]*)\}/g;

/** ${urls.home}, ${db}, ${redis}, ${cdn.<key>} from targets. */
function interpolate(word: string, file: PerfkitConfigFile, key: string): string {
  return word.replace(VAR, (_, name: string) => {
    const t = file.targets ?? {};
    const [head, ...rest] = name.split('.');
    const tail = rest.join('.');
    let v: unknown;
    if (head === 'urls') v = t.urls?.[tail];
    else if (head === 'db' && !tail) v = t.db;
    else if (head === 'redis' && !tail) v = t.redis;
    else if (head === 'cdn') v = t.cdn?.[tail];
    if (v === undefined) {
      const known = [...Object.keys(t.urls ?? {}).map((u) => `urls.${u}`), ...(t.db ? ['db'] : []), ...(t.redis ? ['redis'] : []), ...Object.keys(t.cdn ?? {}).map((k) => `cdn.${k}`)];
      throw configError(`${key}: \${${name}} is not in targets`, known.length ? `use one of: ${known.map((k) => `\${${k}}`).join(', ')}` : 'add it under targets: (db, redis, urls.<name>, cdn.<key>)');
    }
    return String(v);
  });
}

/** The database, Redis and CDN targets, for the commands that take them and did not name their own. */
function withTargets(command: string, argv: string[], file: PerfkitConfigFile): void {
  const t = file.targets ?? {};
  const has = (flag: string) => argv.some((w) => w === flag || w.startsWith(`${flag}=`));
  if (command.startsWith('db ') && t.db && !has('--db')) argv.push('--db', t.db);
  if (command.startsWith('cache ') && t.redis && !has('--redis')) argv.push('--redis', t.redis);
  if (command.startsWith('cdn ') && t.cdn) {
    for (const [k, v] of Object.entries(t.cdn)) {
      const flag = `--${k.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`;
      if (has(flag)) continue;
      if (v === true) argv.push(flag);
      else if (v !== false) argv.push(flag, String(v));
    }
  }
}
