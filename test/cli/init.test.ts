// `perfkit init` as a user runs it: writes a starter config for the project it is run in, that perfkit
// itself accepts, with no secret from the project's files in it; never overwrites one without --force.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectOneLineError, parseReport, runCli } from '../helpers/cli.js';
import { configSchema, validate } from '../../src/config/schema.js';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(path.join(os.tmpdir(), 'perfkit-init-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('perfkit init', () => {
  it('writes a commented perfkit.config.yaml that validates against the config schema', async () => {
    const r = await runCli(['init', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    const file = path.join(dir, 'perfkit.config.yaml');
    const report = parseReport(r.stdout);
    expect(report.summary).toMatchObject({ written: 1, checks: 0 });
    // An empty folder: nothing found, so the generic starter with every check commented out.
    expect(report.data).toEqual({ path: file, detected: { files: [], notes: [] }, checks: [] });

    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').filter((l) => l.trim().startsWith('#')).length).toBeGreaterThan(5);
    const parsed = validate(configSchema, YAML.parse(text));
    if (!parsed.ok) throw new Error(`starter config is invalid: ${JSON.stringify(parsed.issues)}`);
    expect(parsed.value.db).toMatchObject({ statementTimeout: 30_000, lockTimeout: 5_000 });
    expect(parsed.value.failOn).toBe('error');
    expect(parsed.value.budgets?.length).toBeGreaterThan(0);
    expect(parsed.value.checks).toBeUndefined();
    expect(text).toContain('# checks:');
    // No temp file is left beside it.
    expect(readdirSync(dir)).toEqual(['perfkit.config.yaml']);
  });

  it('refuses to overwrite an existing file (exit 2), naming it, and leaves it untouched', async () => {
    const file = path.join(dir, 'perfkit.config.yaml');
    writeFileSync(file, 'format: json\n');
    const r = await runCli(['init'], { cwd: dir });
    expect(r.code).toBe(2);
    const line = expectOneLineError(r);
    expect(line).toContain('perfkit.config.yaml already exists');
    expect(line).toContain('--force');
    expect(readFileSync(file, 'utf8')).toBe('format: json\n');
  });

  it('--force replaces it, and perfkit loads the new file on the next run', async () => {
    const file = path.join(dir, 'perfkit.config.yaml');
    writeFileSync(file, 'format: json\n');
    const r = await runCli(['init', '--force'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(parseReport(r.stdout).summary.written).toBe(1); // the old file asked for JSON
    expect(readFileSync(file, 'utf8')).toContain('statementTimeout: 30s');
    // The starter says `format: table`: with no --format, the next run renders a table.
    const again = await runCli(['init', '--force'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^perfkit init\s+PASS/);
  });

  it('writes targets and checks for a Next.js app with PostgreSQL and Redis in compose, and no secret from .env', async () => {
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'shop', scripts: { dev: 'next dev -p 4000', start: 'next start -p 4000' }, dependencies: { next: '15.1.0', react: '19.0.0', pg: '8.13.0' }, devDependencies: { ioredis: '5.4.0' } }),
    );
    writeFileSync(
      path.join(dir, 'docker-compose.yml'),
      'services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_USER: shop\n      POSTGRES_PASSWORD: compose-pw-91\n    ports: ["5544:5432"]\n  cache:\n    image: redis:7-alpine\n    ports: ["6390:6379"]\n',
    );
    writeFileSync(path.join(dir, '.env'), 'PGPASSWORD=env-pw-42\nSESSION_SECRET=env-session-77\nREDIS_URL=redis://:env-redis-13@127.0.0.1:6390\n');
    mkdirSync(path.join(dir, 'sql'));
    writeFileSync(path.join(dir, 'sql', 'checkout.sql'), 'select * from orders where status = \'open\' order by created_at desc limit 20;\n');

    const r = await runCli(['init', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    const report = parseReport(r.stdout);
    const file = path.join(dir, 'perfkit.config.yaml');
    expect(report.summary).toMatchObject({ written: 1, checks: 4 });
    expect(report.data.detected).toMatchObject({
      name: 'shop',
      files: ['package.json', '.env', 'docker-compose.yml'],
      postgres: { url: 'postgres://shop@127.0.0.1:5544/shop', from: ['package.json: pg', 'docker-compose.yml: service db (postgres:16) on port 5544', '.env: PGPASSWORD'] },
      redis: { url: 'redis://127.0.0.1:6390', from: ['package.json: ioredis', 'docker-compose.yml: service cache (redis:7-alpine) on port 6390', '.env: REDIS_URL'] },
      web: { framework: 'next', port: 4000, url: 'http://127.0.0.1:4000/' },
      sql: { dir: 'sql', first: 'sql/checkout.sql', params: false, writes: false },
    });

    const text = readFileSync(file, 'utf8');
    for (const secret of ['compose-pw-91', 'env-pw-42', 'env-session-77', 'env-redis-13', 'SESSION_SECRET']) {
      expect(text).not.toContain(secret);
      expect(r.stdout).not.toContain(secret);
    }
    const parsed = validate(configSchema, YAML.parse(text));
    if (!parsed.ok) throw new Error(`starter config is invalid: ${JSON.stringify(parsed.issues)}`);
    const c = parsed.value;
    // REDIS_URL is in .env and perfkit reads it: targets.redis stays commented so the environment decides.
    expect(c.targets).toEqual({ db: 'postgres://shop@127.0.0.1:5544/shop', urls: { home: 'http://127.0.0.1:4000/' } });
    expect(text).toContain('# REDIS_URL is named in .env: perfkit reads it from the environment, so redis stays commented.');
    expect(text).toContain('perfkit reads PGPASSWORD (named in .env)');
    expect(c.check).toEqual({ inconclusive: 'warn' });
    expect(c.checks?.map((x) => [x.name, x.run])).toEqual([
      ['checkout-query', 'db explain --analyze --file sql/checkout.sql'],
      ['cache', 'cache inspect --sample 10000'],
      ['home-page', 'lighthouse ${urls.home} --runs 5'],
      ['home-load', 'loadtest ${urls.home} --rate 50 -d 10s'],
    ]);
    expect(c.checks?.[0]?.budgets).toEqual([
      { metric: 'executionMs', max: 100, level: 'error' },
      { metric: 'executionMs', regression: '10%', level: 'error' },
    ]);
    expect(report.data.checks).toEqual(c.checks?.map((x) => ({ name: x.name, run: x.run })));
    expect(text).toContain('perfkit check --save-baseline perf-baseline.json');

    // `perfkit check` takes it as written: the checks resolve against the targets.
    const list = await runCli(['check', '--list', '--format', 'json'], { cwd: dir });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('sql/checkout.sql');
    expect(list.stdout).toContain('http://127.0.0.1:4000/');
    expect(list.stdout).toContain('postgres://shop@127.0.0.1:5544/shop');
  });

  it('says in the table what it found and what to run next, and reports files it could not use', async () => {
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ dependencies: { express: '4', knex: '3', pg: '8' }, scripts: { start: 'PORT=8081 node server.js' } }));
    writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  db:\n    image: postgres:16\n');
    const r = await runCli(['init'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^perfkit init\s+PASS/);
    expect(r.stdout).toContain('PostgreSQL');
    expect(r.stdout).toContain('express at http://127.0.0.1:8081/');
    expect(r.stdout).toContain('db-health');
    expect(r.stdout).toContain('perfkit check --list');
    expect(r.stdout).toContain('publishes no port');
    const parsed = validate(configSchema, YAML.parse(readFileSync(path.join(dir, 'perfkit.config.yaml'), 'utf8')));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(parsed.value.targets).toEqual({ urls: { home: 'http://127.0.0.1:8081/' } });
    expect(parsed.value.checks?.map((x) => x.name)).toEqual(['db-health', 'home-page', 'home-load']);
  });
});
