// The PostgreSQL and Redis services of a Docker Compose file, and the host port each publishes, so
// `perfkit init` can point targets at 127.0.0.1:<port>. Passwords in the file are never read. Pure.
import YAML from 'yaml';

/** In the order Docker Compose itself looks for them. */
export const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'] as const;

export interface ComposeService {
  file: string;
  service: string;
  image: string;
  kind: 'postgres' | 'redis';
  /** The published host port for the server's own port (5432, 6379), or the first one published. */
  port?: number;
  /** PostgreSQL only: POSTGRES_USER and POSTGRES_DB when the file gives them literally (image defaults otherwise). */
  user?: string;
  database?: string;
}

export type ComposeResult = { ok: true; services: ComposeService[] } | { ok: false; error: string };

// Matched on the image's own name (no registry, namespace or tag), whole, so that
// `redis-commander` or `postgres-exporter` are not taken for the server.
const POSTGRES_IMAGES = /^(postgres|postgresql|postgis|pgvector|timescaledb|timescaledb-ha)$/;
const REDIS_IMAGES = /^(redis|redis-stack|redis-stack-server|valkey|keydb)$/;
const SERVER_PORT = { postgres: 5432, redis: 6379 } as const;
// Identifiers safe to put in a URL unchanged.
const PLAIN = /^[A-Za-z0-9_.-]{1,63}$/;

export function composeServices(file: string, text: string): ComposeResult {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] ?? 'not YAML' };
  }
  const services = record(record(doc)?.services);
  if (!services) return { ok: true, services: [] };
  const out: ComposeService[] = [];
  for (const [service, raw] of Object.entries(services)) {
    const def = record(raw);
    const image = typeof def?.image === 'string' ? def.image : undefined;
    if (!def || !image) continue;
    const name = imageName(image);
    const kind = POSTGRES_IMAGES.test(name) ? 'postgres' : REDIS_IMAGES.test(name) ? 'redis' : undefined;
    if (!kind) continue;
    // Both end up in comments of the starter: nothing that could end a comment line.
    const found: ComposeService = { file, service: printable(service), image: printable(image), kind };
    const port = publishedPort(def.ports, SERVER_PORT[kind]);
    if (port !== undefined) found.port = port;
    if (kind === 'postgres') {
      const env = environment(def.environment);
      const user = env.POSTGRES_USER;
      const database = env.POSTGRES_DB;
      if (user && PLAIN.test(user)) found.user = user;
      if (database && PLAIN.test(database)) found.database = database;
    }
    out.push(found);
  }
  return { ok: true, services: out };
}

/** docker.io/library/postgres:16-alpine → postgres; bitnami/redis@sha256:… → redis */
function imageName(image: string): string {
  const last = image.split('/').pop() ?? image;
  return last.split(/[:@]/)[0]!.toLowerCase();
}

function printable(s: string): string {
  return s.replace(/[^\x21-\x7e]/g, '').slice(0, 100);
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** `environment:` as a map or a list of NAME=value; only literal values (no ${…}) are kept. */
function environment(raw: unknown): Record<string, string> {
  const pairs: Array<[string, unknown]> = Array.isArray(raw)
    ? raw.filter((x): x is string => typeof x === 'string' && x.includes('=')).map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)])
    : Object.entries(record(raw) ?? {});
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) if ((typeof v === 'string' || typeof v === 'number') && !String(v).includes('$')) out[k.trim()] = String(v);
  return out;
}

interface Mapping {
  host?: number;
  container?: number;
}

/** The host port published for `serverPort`, else the first published port. */
function publishedPort(raw: unknown, serverPort: number): number | undefined {
  if (!Array.isArray(raw)) return undefined;
  const mappings = raw.map(mapping).filter((m) => m.host !== undefined);
  return (mappings.find((m) => m.container === serverPort) ?? mappings[0])?.host;
}

function mapping(entry: unknown): Mapping {
  if (typeof entry === 'number') return {}; // a container port alone: Docker picks a random host port
  const long = record(entry);
  if (long) return { host: port(long.published), container: port(long.target) };
  if (typeof entry !== 'string') return {};
  // "[ip:]host:container[/proto]"; ${VAR:-5433} counts as its default; anything else with $ is unknown.
  const text = entry.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}/g, '$1').replace(/\/(tcp|udp|sctp)$/, '');
  const parts = text.split(':');
  if (parts.length < 2) return {};
  return { host: port(parts[parts.length - 2]), container: port(parts[parts.length - 1]) };
}

function port(v: unknown): number | undefined {
  const s = String(v ?? '').trim();
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n > 0 && n < 65536 ? n : undefined;
}
