// `perfkit check` end to end: a config whose checks use the real local PostgreSQL, Redis and an HTTP server
// started here; a baseline saved, then a slower server fails a regression budget (exit 1, JUnit names it,
// the GitHub step summary shows the delta, annotations on stderr) while an unchanged one passes (exit 0);
// --list, --only, --strict-env, --calibrate, a check whose service is down (exit 3), and bad input (exit 2).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, parseReport, runCli } from '../helpers/cli.js';
import { requirePg, requireRedis } from '../helpers/services.js';

let server: http.Server;
let url = '';
/** The server answers every request this many ms after it arrives; tests change it between runs. */
let delayMs = 10;
let pgUrl = '';
let redisUrl = '';

beforeAll(async () => {
  pgUrl = await requirePg();
  redisUrl = await requireRedis();
  server = http.createServer((_req, res) => setTimeout(() => res.end('{"ok":true}'), delayMs));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

function project(config: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'perfkit-check-'));
  writeFileSync(path.join(dir, 'perfkit.config.yaml'), config);
  return dir;
}

const config = (extra = '') => `
targets:
  db: ${pgUrl}
  redis: ${redisUrl}
  urls:
    api: ${url}/api/items
checks:
  - name: sleepy-query
    run: db explain "SELECT pg_sleep(0.005)" --analyze
    repeat: 2
    budgets:
      - { metric: executionMs, max: 5000 }
  - name: api
    run: loadtest \${urls.api} -c 2 -a 40
    repeat: 5
    budgets:
      - { metric: latency.p50, max: 1000 }
      - { metric: latency.p50, regression: 20%, minChange: 5 }
      - { metric: errorRate, max: 0 }
  - name: cache
    run: cache inspect --sample 50
    budgets:
      - { metric: memoryBytes, max: 100000000000 }
${extra}`;

describe('perfkit check against real PostgreSQL, Redis and HTTP', () => {
  let dir = '';

  it('--list shows what would run, with targets filled in, and runs nothing', async () => {
    dir = project(config());
    const r = await runCli(['check', '--list', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    expect(rep.data.checks).toEqual([]);
    const listed = rep.data.listed;
    expect(listed.map((c: { name: string }) => c.name)).toEqual(['sleepy-query', 'api', 'cache']);
    // The target is filled in (its password redacted in the report, as everywhere).
    expect(listed[0].argv.slice(0, 5)).toEqual(['db', 'explain', 'SELECT pg_sleep(0.005)', '--analyze', '--db']);
    expect(listed[0].argv[5]).toMatch(/^postgres:\/\/perfkit:\*+@127\.0\.0\.1:5432\/perfkit_test$/);
    expect(listed[1].argv.slice(0, 2)).toEqual(['loadtest', `${url}/api/items`]);
    expect(listed[2].argv).toContain(redisUrl);
  });

  it('saves a baseline; an unchanged server passes against it (exit 0)', async () => {
    delayMs = 10;
    const save = await runCli(['check', '--save-baseline', 'base.json', '--format', 'json'], { cwd: dir, timeoutMs: 120_000 });
    expect(save.stderr).toBe('');
    expect(save.code).toBe(0);
    const base = JSON.parse(readFileSync(path.join(dir, 'base.json'), 'utf8'));
    expect(base.command).toBe('check');
    expect(base.data.checks.find((c: { name: string }) => c.name === 'api').samples['latency.p50']).toHaveLength(5);
    expect(base.data.fingerprint.postgres).toMatch(/PostgreSQL \d+/);
    expect(base.data.fingerprint.redis).toMatch(/^\d+\./);

    const again = await runCli(['check', '--baseline', 'base.json', '--format', 'json'], { cwd: dir, timeoutMs: 120_000 });
    expect(again.code).toBe(0);
    const rep = parseReport(again.stdout);
    const reg = rep.budgets.find((b: { metric: string; operator: string }) => b.metric === 'api/latency.p50' && b.operator === 'regression');
    expect(reg.status).toBe('pass');
    expect(rep.data.baseline.envDiff).toEqual([]);
  }, 300_000);

  it('a slower server fails the regression budget: exit 1, JUnit names it, the step summary shows the delta', async () => {
    delayMs = 60;
    const summary = path.join(dir, 'summary.md');
    const r = await runCli(['check', '--baseline', 'base.json', '-o', 'perf.xml'], { cwd: dir, timeoutMs: 120_000, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
    delayMs = 10;
    expect(r.code).toBe(1);
    const xml = readFileSync(path.join(dir, 'perf.xml'), 'utf8');
    expect(xml).toMatch(/<testcase name="budget api\/latency\.p50 regression [^"]*"[^>]*>\s*<failure message="api\/latency\.p50 regression ≤ 20% \(actual \+\d+/);
    expect(xml).toMatch(/<testcase name="budget api\/latency\.p50 &lt;= 1000"[^>]*>\s*<system-out>/);
    const md = readFileSync(summary, 'utf8');
    expect(md).toMatch(/\| api \| latency\.p50 \| [\d.]+ \| [\d.]+ \| \+\d+(\.\d+)?% \|/);
    expect(r.stderr).toMatch(/^::error title=perfkit check%3A api\/latency\.p50::/m);
  }, 300_000);

  it('--strict-env fails against a baseline from another machine; without it the difference is a warning', async () => {
    const base = JSON.parse(readFileSync(path.join(dir, 'base.json'), 'utf8'));
    base.data.fingerprint.cpuModel = 'Some Other CPU @ 9.9GHz';
    writeFileSync(path.join(dir, 'elsewhere.json'), JSON.stringify(base));
    const warn = await runCli(['check', '--only', 'cache', '--baseline', 'elsewhere.json', '--format', 'json'], { cwd: dir, timeoutMs: 60_000 });
    const w = parseReport(warn.stdout);
    expect(w.findings.find((f: { rule: string }) => f.rule === 'baseline-environment')).toMatchObject({ severity: 'warn' });
    expect(w.data.baseline.envDiff[0]).toMatch(/^cpuModel: .* → /);
    const strict = await runCli(['check', '--only', 'cache', '--baseline', 'elsewhere.json', '--strict-env', '--format', 'json'], { cwd: dir, timeoutMs: 60_000 });
    expect(strict.code).toBe(1);
    expect(parseReport(strict.stdout).findings.find((f: { rule: string }) => f.rule === 'baseline-environment').severity).toBe('error');
  }, 120_000);

  it('--calibrate runs the checks several times and proposes regression tolerances', async () => {
    const r = await runCli(['check', '--only', 'sleepy-query', '--calibrate', '2', '--format', 'json'], { cwd: dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const cal = parseReport(r.stdout).data.calibration;
    expect(cal[0]).toMatchObject({ check: 'sleepy-query', metric: 'executionMs', n: 4 });
    expect(cal[0].proposedRegression).toBeGreaterThan(0);
  }, 120_000);

  it('a check whose service is down is reported, the others still run, exit 3', async () => {
    const d = project(config().replace(`redis: ${redisUrl}`, 'redis: redis://127.0.0.1:1'));
    const r = await runCli(['check', '--only', 'sleepy-query,cache', '--format', 'json'], { cwd: d, timeoutMs: 120_000 });
    expect(r.code).toBe(3);
    const rep = parseReport(r.stdout);
    expect(rep.data.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([['sleepy-query', 'pass'], ['cache', 'error']]);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^perfkit: check 'cache' could not run: .*127\.0\.0\.1:1.*Fix: /);
  }, 120_000);
});

describe('perfkit check: bad input', () => {
  const bad = async (cfg: string, args: string[] = []) => runCli(['check', ...args], { cwd: project(cfg), timeoutMs: 60_000 });

  it('an unknown check type names the key and the commands there are', async () => {
    const r = await bad('checks:\n  - name: q\n    run: db explian "SELECT 1"\n');
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/perfkit\.config\.yaml: checks\[0\]\.run: 'db explian' is not a perfkit command.*db explain, db indexes/);
  });

  it('an unknown metric in a budget lists the metrics that exist', async () => {
    const r = await bad(`checks:\n  - name: q\n    run: db explain "SELECT 1" --db ${pgUrl}\n    budgets:\n      - { metric: executionMillis, max: 5 }\n`);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/checks\[0\]\.budgets\[0\]\.metric: 'executionMillis' is not in db explain's summary \(it has .*totalCost/);
  });

  it('a baseline file from another schema version exits 2', async () => {
    const dir = project(`checks:\n  - name: q\n    run: db explain "SELECT 1" --db ${pgUrl}\n`);
    writeFileSync(path.join(dir, 'old.json'), JSON.stringify({ schemaVersion: 0, command: 'check', data: { checks: [] } }));
    const r = await runCli(['check', '--baseline', 'old.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/--baseline: old\.json has report schemaVersion 0; this perfkit reads 1\. Fix: save a new baseline/);
  });

  it.each([
    ['no checks', 'format: table\n', [], /no checks/],
    ['a target that does not exist', 'targets:\n  urls: { a: http://x/ }\nchecks:\n  - name: q\n    run: loadtest ${urls.b}\n', [], /checks\[0\]\.run: \$\{urls\.b\} is not in targets.*\$\{urls\.a\}/],
    ['two checks with one name', 'checks:\n  - { name: q, run: doctor }\n  - { name: q, run: doctor }\n', [], /checks\[1\]\.name: 'q' is also the name of checks\[0\]/],
    ['a global flag inside a check', 'checks:\n  - { name: q, run: doctor --format json }\n', [], /checks\[0\]\.run: --format belongs to perfkit check itself/],
    ['a bad flag of the command', 'checks:\n  - { name: q, run: loadtest http://127.0.0.1:1/ --rat 5 }\n', [], /checks\[0\]\.run: unknown option '--rat'/],
    ['a regression on a metric of unknown direction', 'checks:\n  - name: q\n    run: doctor\n    budgets: [{ metric: keys, regression: 10% }]\n', [], /budgets\[0\]\.better: perfkit cannot tell/],
    ['--only a check that does not exist', 'checks:\n  - { name: q, run: doctor }\n', ['--only', 'nope'], /--only nope: no such check.*the checks are: q/],
  ])('%s exits 2 with one line', async (_name, cfg, args, pattern) => {
    const r = await bad(cfg as string, args as string[]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(pattern as RegExp);
  });

  it('no config file at all exits 2 and names perfkit init', async () => {
    const r = await runCli(['check'], { cwd: mkdtempSync(path.join(tmpdir(), 'perfkit-check-none-')) });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/no config file.*perfkit init/);
  });
});
