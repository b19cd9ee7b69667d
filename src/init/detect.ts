// What `perfkit init` can tell about the project in the working directory, from a few files only:
// package.json, the names in .env files, the compose file, a folder of .sql files. No network, no
// values of variables. Pure: every read goes through the ProjectReader it is given.
import { COMPOSE_FILES, composeServices, type ComposeService } from './compose.js';
import { ENV_FILES, envNames, type EnvName } from './env-names.js';
import { webApp, type WebDetected } from './web.js';

export type { ComposeService } from './compose.js';
export type { EnvName } from './env-names.js';
export type { WebDetected } from './web.js';

export interface ProjectReader {
  /** A file's text (path relative to the project, '/'-separated), or undefined when there is none. */
  read(file: string): Promise<string | undefined>;
  /** The names of the files in a folder, or undefined when there is no such folder. */
  list(dir: string): Promise<string[] | undefined>;
}

export interface ServiceDetected {
  /** What said so, and where: "package.json: pg, @prisma/client", "compose.yaml: service db (postgres:16)". */
  from: string[];
  /** The local URL from the compose file's published port (never with a password). */
  url?: string;
  service?: ComposeService;
  env: EnvName[];
}

export interface SqlDetected {
  dir: string;
  files: number;
  /** The first .sql file, as a path from the project root. */
  first: string;
  /** It uses $1…$n placeholders: --analyze would need --params. */
  params: boolean;
  /** It is not a plain read (INSERT, UPDATE, DELETE…): --analyze would need --allow-writes. */
  writes: boolean;
}

export interface InitNote {
  rule: string;
  file: string;
  title: string;
  message: string;
  fix: string;
}

export interface Detected {
  /** package.json's name. */
  name?: string;
  postgres?: ServiceDetected;
  redis?: ServiceDetected;
  web?: WebDetected;
  sql?: SqlDetected;
  /** The files that were there and read. */
  files: string[];
  notes: InitNote[];
}

const POSTGRES_PACKAGES = ['pg', 'postgres', 'pg-promise', 'slonik', '@neondatabase/serverless', '@vercel/postgres'];
// Query builders and ORMs speak several databases: they count unless only another database's driver is there.
const SQL_LIBRARIES = ['knex', 'prisma', '@prisma/client', 'typeorm', 'sequelize', 'drizzle-orm', 'kysely'];
const OTHER_SQL_DRIVERS = ['mysql', 'mysql2', 'sqlite3', 'better-sqlite3', '@libsql/client', 'mssql', 'tedious', 'oracledb'];
const REDIS_PACKAGES = ['ioredis', 'redis', 'bullmq', 'bull', '@keyv/redis', 'connect-redis', 'rate-limit-redis'];
const REDIS_PREFIXES = ['cache-manager-redis', 'cache-manager-ioredis'];
export const SQL_DIRS = ['sql', 'queries', 'db/queries'] as const;
// File names that stay one argument on a `run` line without quoting.
const SAFE_FILE = /^[A-Za-z0-9_][\w.-]*\.sql$/i;

export async function detectProject(reader: ProjectReader): Promise<Detected> {
  const out: Detected = { files: [], notes: [] };
  const pkg = await readPackage(reader, out);
  const deps = Object.keys({ ...pkg?.devDependencies, ...pkg?.dependencies });

  const env: EnvName[] = [];
  for (const file of ENV_FILES) {
    const text = await reader.read(file);
    if (text === undefined) continue;
    out.files.push(file);
    env.push(...envNames(file, text).filter((n) => !env.some((e) => e.name === n.name)));
  }

  const services: ComposeService[] = [];
  for (const file of COMPOSE_FILES) {
    const text = await reader.read(file);
    if (text === undefined) continue;
    out.files.push(file);
    const r = composeServices(file, text);
    if (r.ok) services.push(...r.services);
    else out.notes.push({ rule: 'init-unreadable', file, title: `${file} is not valid YAML`, message: `${file} is not valid YAML (${r.error}), so its services were not looked at`, fix: `check it with \`docker compose -f ${file} config\`` });
    break; // Compose uses the first one it finds, and so do we.
  }

  const pgDeps = deps.filter((d) => POSTGRES_PACKAGES.includes(d));
  const sqlLibs = deps.filter((d) => SQL_LIBRARIES.includes(d));
  const otherOnly = pgDeps.length === 0 && deps.some((d) => OTHER_SQL_DRIVERS.includes(d));
  const pgPackages = otherOnly ? pgDeps : [...pgDeps, ...sqlLibs];
  out.postgres = service('postgres', pgPackages, services, env, out);
  out.redis = service('redis', deps.filter((d) => REDIS_PACKAGES.includes(d) || REDIS_PREFIXES.some((p) => d.startsWith(p))), services, env, out);
  if (!out.postgres) {
    const dbUrl = env.find((e) => e.name === 'DATABASE_URL');
    if (dbUrl) {
      out.notes.push({
        rule: 'init-database-url',
        file: dbUrl.file,
        title: `DATABASE_URL is named in ${dbUrl.file}, but nothing says it is PostgreSQL`,
        message: `DATABASE_URL is named in ${dbUrl.file}, but no PostgreSQL driver is in package.json and no postgres service in a compose file, so the database checks stay commented out`,
        fix: 'if it is PostgreSQL, uncomment the db check in perfkit.config.yaml',
      });
    }
  }
  if (pkg) out.web = webApp(pkg, deps);
  out.sql = await sqlFolder(reader, out);
  if (!out.name) delete out.name;
  for (const k of ['postgres', 'redis', 'web', 'sql'] as const) if (out[k] === undefined) delete out[k];
  return out;
}

interface PackageJson {
  name?: unknown;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
  scripts?: Record<string, unknown>;
}

async function readPackage(reader: ProjectReader, out: Detected): Promise<PackageJson | undefined> {
  const text = await reader.read('package.json');
  if (text === undefined) return undefined;
  out.files.push('package.json');
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch (e) {
    // The parser's message can quote the file; the position is enough.
    const at = /position \d+/.exec((e as Error).message)?.[0];
    out.notes.push({ rule: 'init-unreadable', file: 'package.json', title: 'package.json is not valid JSON', message: `package.json is not valid JSON${at ? ` (at ${at})` : ''}, so its dependencies and scripts were not looked at`, fix: 'fix package.json, then run `perfkit init --force`' });
    return undefined;
  }
  if (!pkg || typeof pkg !== 'object' || Array.isArray(pkg)) return undefined;
  const p = pkg as PackageJson;
  const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  // Only characters that cannot break a YAML comment line.
  if (typeof p.name === 'string' && p.name.trim()) out.name = p.name.replace(/[^\x20-\x7e]/g, '').slice(0, 100);
  return { dependencies: obj(p.dependencies), devDependencies: obj(p.devDependencies), scripts: obj(p.scripts) };
}

function service(kind: 'postgres' | 'redis', packages: string[], services: ComposeService[], allEnv: EnvName[], out: Detected): ServiceDetected | undefined {
  const env = allEnv.filter((e) => e.for === kind);
  const ofKind = services.filter((s) => s.kind === kind);
  const svc = ofKind.find((s) => s.port !== undefined) ?? ofKind[0];
  // DATABASE_URL alone does not say which database; the other names are PostgreSQL's or Redis's own.
  const envSays = env.some((e) => e.name !== 'DATABASE_URL');
  if (!packages.length && !svc && !envSays) return undefined;
  const from: string[] = [];
  if (packages.length) from.push(`package.json: ${packages.join(', ')}`);
  if (svc) from.push(`${svc.file}: service ${svc.service} (${svc.image})${svc.port ? ` on port ${svc.port}` : ''}`);
  for (const e of env) from.push(`${e.file}: ${e.name}`);
  const found: ServiceDetected = { from, env };
  if (svc) {
    found.service = svc;
    if (svc.port === undefined) {
      out.notes.push({
        rule: 'init-no-port',
        file: svc.file,
        title: `${svc.file}: service ${svc.service} publishes no port`,
        message: `service ${svc.service} publishes no port, so perfkit on this machine cannot reach it at a fixed address: targets.${kind === 'postgres' ? 'db' : 'redis'} stays commented`,
        fix: `add ports: ["${kind === 'postgres' ? '5432:5432' : '6379:6379'}"] to service ${svc.service}, then run \`perfkit init --force\``,
      });
    } else if (kind === 'postgres') {
      const user = svc.user ?? 'postgres';
      found.url = `postgres://${user}@127.0.0.1:${svc.port}/${svc.database ?? user}`;
    } else {
      found.url = `redis://127.0.0.1:${svc.port}`;
    }
  }
  for (const e of env.filter((x) => !x.reads && x.locates)) {
    out.notes.push({
      rule: 'init-env-not-read',
      file: e.file,
      title: `${e.name} is named in ${e.file}, but perfkit does not read it`,
      message: `${e.name} is named in ${e.file}, but perfkit reads PERFKIT_DB_URL, DATABASE_URL and libpq's PG* variables, not ${e.name}`,
      fix: `export PERFKIT_DB_URL="$${e.name}" before \`perfkit check\`, or set targets.db`,
    });
  }
  return found;
}

async function sqlFolder(reader: ProjectReader, out: Detected): Promise<SqlDetected | undefined> {
  for (const dir of SQL_DIRS) {
    const names = (await reader.list(dir))?.filter((n) => n.toLowerCase().endsWith('.sql')).sort();
    if (!names?.length) continue;
    const usable = names.filter((n) => SAFE_FILE.test(n));
    if (!usable.length) {
      out.notes.push({ rule: 'init-sql-names', file: `${dir}/`, title: `${dir}/ has .sql files, but none with a plain name`, message: `${dir}/ has .sql files, but a check is written only for a file named with letters, digits, . _ and -`, fix: 'add a check for one of them by hand in perfkit.config.yaml' });
      continue;
    }
    const first = `${dir}/${usable[0]}`;
    const sql = stripSql((await reader.read(first)) ?? '');
    return { dir, files: names.length, first, params: /\$\d/.test(sql), writes: sql !== '' && !/^\s*\(?\s*(select|with|values|table)\b/i.test(sql) };
  }
  return undefined;
}

/** Comments and string literals out, so a "$1" or a keyword inside them is not taken for SQL. */
function stripSql(sql: string): string {
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').replace(/'(?:[^']|'')*'/g, "''");
}
