// What `perfkit init` finds in a project, from file contents only: package.json (drivers, frameworks,
// ports), the compose file's services and published ports, the NAMES in .env files, a folder of .sql files.
import { describe, expect, it } from 'vitest';
import { detectProject, type ProjectReader } from '../../src/init/detect.js';
import { scriptPort } from '../../src/init/web.js';

/** A project as a map of path → text; folders are the paths' prefixes. */
function memoryReader(files: Record<string, string>): ProjectReader {
  return {
    read: async (f) => files[f],
    list: async (dir) => {
      const names = Object.keys(files)
        .filter((f) => f.startsWith(`${dir}/`) && !f.slice(dir.length + 1).includes('/'))
        .map((f) => f.slice(dir.length + 1));
      return names.length ? names : undefined;
    },
  };
}

const pkg = (o: Record<string, unknown>) => JSON.stringify(o);
const detect = (files: Record<string, string>) => detectProject(memoryReader(files));

describe('detectProject: package.json', () => {
  it('finds PostgreSQL, Redis and a Next.js app from dependencies and devDependencies, with the name', async () => {
    const d = await detect({ 'package.json': pkg({ name: 'shop', dependencies: { next: '15', pg: '8' }, devDependencies: { ioredis: '5' } }) });
    expect(d.name).toBe('shop');
    expect(d.postgres).toMatchObject({ from: ['package.json: pg'], env: [] });
    expect(d.postgres?.url).toBeUndefined(); // packages say what, not where
    expect(d.redis?.from).toEqual(['package.json: ioredis']);
    expect(d.web).toEqual({ framework: 'next', from: 'package.json: next', port: 3000, portFrom: "next's default", url: 'http://127.0.0.1:3000/' });
    expect(d.files).toEqual(['package.json']);
    expect(d.notes).toEqual([]);
  });

  it('counts ORMs and query builders as PostgreSQL unless only another database driver is there', async () => {
    for (const lib of ['prisma', '@prisma/client', 'knex', 'typeorm', 'sequelize', 'drizzle-orm', 'kysely', 'postgres', 'pg-promise']) {
      expect((await detect({ 'package.json': pkg({ dependencies: { [lib]: '1' } }) })).postgres?.from, lib).toEqual([`package.json: ${lib}`]);
    }
    expect((await detect({ 'package.json': pkg({ dependencies: { knex: '3', mysql2: '3' } }) })).postgres).toBeUndefined();
    expect((await detect({ 'package.json': pkg({ dependencies: { knex: '3', mysql2: '3', pg: '8' } }) })).postgres?.from).toEqual(['package.json: pg, knex']);
  });

  it('finds Redis through queue and cache libraries', async () => {
    for (const lib of ['redis', 'bullmq', 'bull', 'cache-manager-redis-yet', 'cache-manager-ioredis-yet', 'connect-redis']) {
      expect((await detect({ 'package.json': pkg({ dependencies: { [lib]: '1' } }) })).redis, lib).toBeDefined();
    }
    expect((await detect({ 'package.json': pkg({ dependencies: { '@upstash/redis': '1', lodash: '4' } }) })).redis).toBeUndefined();
  });

  it.each([
    [{ next: '15' }, {}, 3000, "next's default"],
    [{ nuxt: '3' }, {}, 3000, "nuxt's default"],
    [{ vite: '5' }, {}, 5173, "vite's default"],
    [{ astro: '4' }, {}, 4321, "astro's default"],
    [{ '@sveltejs/kit': '2', vite: '5' }, {}, 5173, "sveltekit's default"],
    [{ '@remix-run/node': '2', vite: '5' }, {}, 5173, "remix's default"],
    [{ '@remix-run/node': '1' }, {}, 3000, "remix's default"],
    [{ express: '4', vite: '5' }, {}, 3000, "express's default"], // vite is the build tool here
    [{ '@nestjs/core': '10' }, { start: 'nest start', dev: 'nest start --watch' }, 3000, "nest's default (scripts.start sets none)"],
    [{ next: '15' }, { dev: 'next dev -p 4000' }, 4000, 'package.json scripts.dev (-p 4000)'],
    [{ next: '15' }, { start: 'next start -p 8080', dev: 'next dev -p 4000' }, 8080, 'package.json scripts.start (-p 8080)'],
    [{ next: '15' }, { start: 'next start', dev: 'next dev -p 4000' }, 3000, "next's default (scripts.start sets none)"],
    [{ astro: '4' }, { dev: 'astro dev --port=4400' }, 4400, 'package.json scripts.dev (--port 4400)'],
    [{ vite: '5' }, { dev: 'vite --host --port 8000' }, 8000, 'package.json scripts.dev (--port 8000)'],
    [{ express: '4' }, { start: 'cross-env PORT=5000 node server.js' }, 5000, 'package.json scripts.start (PORT=5000)'],
    [{ fastify: '4' }, { start: 'tsc -p tsconfig.json && node dist/server.js' }, 3000, "fastify's default (scripts.start sets none)"],
    [{ hono: '4' }, { dev: 'VITE_PORT=9000 tsx watch src/index.ts' }, 3000, "hono's default"],
  ])('web app %j with scripts %j serves on %i (%s)', async (deps, scripts, port, portFrom) => {
    const d = await detect({ 'package.json': pkg({ dependencies: deps, scripts }) });
    expect(d.web).toMatchObject({ port, portFrom, url: `http://127.0.0.1:${port}/` });
  });

  it('reads no port from a docker-style mapping or a tsconfig flag', () => {
    expect(scriptPort({ start: 'docker run -p 8080:80 app' })).toBeUndefined();
    expect(scriptPort({ dev: 'tsc -p tsconfig.json --watch' })).toBeUndefined();
  });

  it('notes a package.json that is not JSON without quoting it, and goes on with the other files', async () => {
    const d = await detect({ 'package.json': '{"name": "x", "password": "hunter2",}', 'compose.yaml': 'services:\n  db:\n    image: postgres:16\n    ports: ["5432:5432"]\n' });
    expect(d.notes).toEqual([expect.objectContaining({ rule: 'init-unreadable', file: 'package.json', title: 'package.json is not valid JSON' })]);
    expect(JSON.stringify(d)).not.toContain('hunter2');
    expect(d.postgres?.url).toBe('postgres://postgres@127.0.0.1:5432/postgres');
  });
});

describe('detectProject: compose file', () => {
  const compose = `services:
  app:
    build: .
    environment:
      DATABASE_URL: postgres://app:app-secret@db:5432/shop
  db:
    image: docker.io/library/postgres:16-alpine
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: compose-secret
      POSTGRES_DB: shop
    ports:
      - "127.0.0.1:5433:5432"
  cache:
    image: redis:7
    ports:
      - target: 6379
        published: "6380"
  redis-ui:
    image: rediscommander/redis-commander
    ports: ["8081:8081"]
  metrics:
    image: prometheuscommunity/postgres-exporter
    ports: ["9187:9187"]
`;

  it('turns postgres and redis services into local URLs on their published ports, without any password', async () => {
    const d = await detect({ 'compose.yaml': compose });
    expect(d.postgres).toMatchObject({ url: 'postgres://app@127.0.0.1:5433/shop', from: ['compose.yaml: service db (docker.io/library/postgres:16-alpine) on port 5433'] });
    expect(d.redis).toMatchObject({ url: 'redis://127.0.0.1:6380', from: ['compose.yaml: service cache (redis:7) on port 6380'] });
    expect(JSON.stringify(d)).not.toMatch(/secret/);
  });

  it('reads list-form environment, ${VAR:-default} ports, and the image defaults for user and database', async () => {
    const d = await detect({
      'docker-compose.yml': `services:
  pg:
    image: postgis/postgis:16-3.4
    environment: ["POSTGRES_DB=geo", "POSTGRES_USER=\${PGUSER}", "POSTGRES_PASSWORD=x"]
    ports: ["\${PG_PORT:-5435}:5432"]
`,
    });
    expect(d.postgres?.url).toBe('postgres://postgres@127.0.0.1:5435/geo');
  });

  it('uses the first compose file Docker would, and notes a service that publishes no port', async () => {
    const d = await detect({
      'compose.yaml': 'services:\n  db:\n    image: postgres:16\n    expose: ["5432"]\n',
      'docker-compose.yml': 'services:\n  db:\n    image: postgres:16\n    ports: ["5432:5432"]\n',
    });
    expect(d.files).toEqual(['compose.yaml']);
    expect(d.postgres?.url).toBeUndefined();
    expect(d.notes).toEqual([expect.objectContaining({ rule: 'init-no-port', file: 'compose.yaml', fix: expect.stringContaining('5432:5432') })]);
  });

  it('notes a compose file that is not YAML', async () => {
    const d = await detect({ 'compose.yaml': 'services:\n  db: [\n' });
    expect(d.notes[0]).toMatchObject({ rule: 'init-unreadable', file: 'compose.yaml', title: 'compose.yaml is not valid YAML' });
    expect(d.postgres).toBeUndefined();
  });
});

describe('detectProject: .env names', () => {
  const env = '# local\nexport DATABASE_URL=postgres://app:env-secret-1@localhost/shop\nPGPASSWORD="env-secret-2"\nREDIS_URL=redis://:env-secret-3@localhost:6379\nSTRIPE_KEY=sk_live_env-secret-4\n';

  it('keeps the names of connection variables and never their values', async () => {
    const d = await detect({ 'package.json': pkg({ dependencies: { pg: '8', ioredis: '5' } }), '.env': env, '.env.example': 'DATABASE_URL=\nPOSTGRES_URL=\n' });
    expect(d.postgres?.env.map((e) => `${e.name} ${e.file} ${e.reads}`)).toEqual(['DATABASE_URL .env true', 'PGPASSWORD .env true', 'POSTGRES_URL .env.example false']);
    expect(d.redis?.env.map((e) => e.name)).toEqual(['REDIS_URL']);
    expect(d.files).toEqual(['package.json', '.env', '.env.example']);
    expect(JSON.stringify(d)).not.toMatch(/env-secret|sk_live|STRIPE/);
    // POSTGRES_URL: perfkit does not read it, and says how to pass it.
    expect(d.notes).toEqual([expect.objectContaining({ rule: 'init-env-not-read', file: '.env.example', fix: expect.stringContaining('PERFKIT_DB_URL="$POSTGRES_URL"') })]);
  });

  it('takes PostgreSQL-specific and Redis names as evidence, but not DATABASE_URL alone', async () => {
    expect((await detect({ '.env.local': 'PGHOST=db\n' })).postgres?.from).toEqual(['.env.local: PGHOST']);
    expect((await detect({ '.env': 'REDIS_URL=redis://x\n' })).redis?.from).toEqual(['.env: REDIS_URL']);
    const d = await detect({ '.env': 'DATABASE_URL=mysql://x\n' });
    expect(d.postgres).toBeUndefined();
    expect(d.notes).toEqual([expect.objectContaining({ rule: 'init-database-url', file: '.env' })]);
  });
});

describe('detectProject: SQL files', () => {
  it('takes the first .sql file of sql/, queries/ or db/queries/', async () => {
    expect((await detect({ 'sql/b.sql': 'select 2', 'sql/a.sql': 'select 1', 'sql/readme.md': '' })).sql).toEqual({ dir: 'sql', files: 2, first: 'sql/a.sql', params: false, writes: false });
    expect((await detect({ 'queries/top.sql': 'WITH x AS (select 1) select * from x' })).sql?.first).toBe('queries/top.sql');
    expect((await detect({ 'db/queries/orders.sql': '-- $1 in a comment\nselect * from t where a = \'$2\'' })).sql).toMatchObject({ first: 'db/queries/orders.sql', params: false });
    expect(await detect({ 'src/q.sql': 'select 1' })).toEqual({ files: [], notes: [] });
  });

  it('says when the query has placeholders or writes', async () => {
    expect((await detect({ 'sql/a.sql': 'select * from orders where id = $1' })).sql).toMatchObject({ params: true, writes: false });
    expect((await detect({ 'sql/a.sql': '/* nightly */ update orders set x = 1' })).sql).toMatchObject({ params: false, writes: true });
  });

  it('skips files whose names would need quoting on a command line', async () => {
    const d = await detect({ 'sql/my query.sql': 'select 1' });
    expect(d.sql).toBeUndefined();
    expect(d.notes[0]).toMatchObject({ rule: 'init-sql-names', file: 'sql/' });
  });
});
