// The NAMES of the connection variables in a project's .env files: what perfkit will read from the
// environment, and what it will not. Values are never looked at, so no secret can travel further. Pure.

export const ENV_FILES = ['.env', '.env.local', '.env.example'] as const;

export interface EnvName {
  name: string;
  /** The file that names it. */
  file: string;
  /** Which service the variable is about. */
  for: 'postgres' | 'redis';
  /** perfkit reads this variable from the environment (PERFKIT_DB_URL, DATABASE_URL, libpq's PG*, REDIS_URL…). */
  reads: boolean;
  /** It says where the server is (a URL or a host), not only a password or an option. */
  locates: boolean;
}

const KNOWN: Record<string, Omit<EnvName, 'name' | 'file'>> = {
  PERFKIT_DB_URL: { for: 'postgres', reads: true, locates: true },
  DATABASE_URL: { for: 'postgres', reads: true, locates: true },
  POSTGRES_URL: { for: 'postgres', reads: false, locates: true },
  PGHOST: { for: 'postgres', reads: true, locates: true },
  PGPORT: { for: 'postgres', reads: true, locates: false },
  PGUSER: { for: 'postgres', reads: true, locates: false },
  PGPASSWORD: { for: 'postgres', reads: true, locates: false },
  PGDATABASE: { for: 'postgres', reads: true, locates: false },
  PGSSLMODE: { for: 'postgres', reads: true, locates: false },
  PERFKIT_REDIS_URL: { for: 'redis', reads: true, locates: true },
  REDIS_URL: { for: 'redis', reads: true, locates: true },
};

// `NAME=…` or `export NAME=…`; everything after the `=` is dropped unread.
const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;

/** The connection variables a .env-style file names, in file order, each once. */
export function envNames(file: string, text: string): EnvName[] {
  const seen = new Set<string>();
  const out: EnvName[] = [];
  for (const line of text.split(/\r?\n/)) {
    const name = ASSIGNMENT.exec(line)?.[1];
    if (!name || seen.has(name) || !Object.hasOwn(KNOWN, name)) continue;
    seen.add(name);
    out.push({ name, file, ...KNOWN[name]! });
  }
  return out;
}

/** "DATABASE_URL (.env), PGPASSWORD (.env.local)" */
export function describeEnv(names: EnvName[]): string {
  return names.map((n) => `${n.name} (${n.file})`).join(', ');
}
