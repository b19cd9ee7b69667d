// Finds and reads perfkit.config.{json,yaml,yml,mjs} (from the working directory up), validates it,
// and merges defaults < file < env < flags into the settings commands use.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { configError } from '../cli/errors.js';
import { configSchema, validate, type PerfkitConfigFile, type BudgetSpec, type Format } from './schema.js';

export const CONFIG_NAMES = ['perfkit.config.json', 'perfkit.config.yaml', 'perfkit.config.yml', 'perfkit.config.mjs'];

export interface GlobalFlags {
  format?: string;
  output?: string;
  config?: string;
  budget?: string;
  threshold?: string[];
  failOn?: string;
  color?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export interface Settings {
  configPath?: string;
  format: Format;
  output?: string;
  /** Format of the -o file: --format if given, else from the extension. */
  outputFormat: Format;
  failOn: 'error' | 'warn' | 'never';
  quiet: boolean;
  verbose: boolean;
  /** Colours on stdout: --no-color, NO_COLOR, FORCE_COLOR, else whether stdout is a TTY. */
  color: boolean;
  file: PerfkitConfigFile;
  budgets: BudgetSpec[];
  db: { url?: string; urlSource?: string; statementTimeoutMs: number; lockTimeoutMs: number; connectTimeoutMs: number };
  redis: { url?: string; urlSource?: string; connectTimeoutMs: number };
}

export const DEFAULTS = {
  format: 'table' as Format,
  failOn: 'error' as const,
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 5_000,
  connectTimeoutMs: 10_000,
};

async function exists(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

export async function findConfig(cwd: string): Promise<string | undefined> {
  let dir = path.resolve(cwd);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const p = path.join(dir, name);
      if (await exists(p)) return p;
    }
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Reads a YAML, JSON or (for config) .mjs file into plain data; errors name the file and line. */
export async function readDataFile(file: string, what: string): Promise<unknown> {
  let text: string;
  if (file.endsWith('.mjs') || file.endsWith('.js')) {
    try {
      const mod = await import(pathToFileURL(path.resolve(file)).href);
      return mod.default ?? mod;
    } catch (e) {
      throw configError(`${file}: cannot load ${what}: ${(e as Error).message.split('\n')[0]}`, 'fix the module so that it has `export default { ... }`');
    }
  }
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw configError(`${file}: cannot read ${what} (${code === 'ENOENT' ? 'no such file' : code})`, 'check the path');
  }
  if (!text.trim()) throw configError(`${file}: ${what} is empty`, `write a ${what}; \`perfkit init\` writes a starter`);
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw configError(`${file}: ${what} is not valid JSON: ${(e as Error).message}`, 'fix the JSON syntax');
    }
  }
  const YAML = await import('yaml');
  try {
    return YAML.parse(text, { prettyErrors: true });
  } catch (e) {
    const first = (e as Error).message.split('\n')[0];
    throw configError(`${file}: ${what} is not valid YAML: ${first}`, 'fix the YAML syntax (indentation, colons, quotes)');
  }
}

export async function loadSettings(flags: GlobalFlags, env: Record<string, string | undefined>, cwd: string, isTTY = false): Promise<Settings> {
  const configPath = flags.config ? path.resolve(cwd, flags.config) : env.PERFKIT_CONFIG ? path.resolve(cwd, env.PERFKIT_CONFIG) : await findConfig(cwd);
  let file: PerfkitConfigFile = {};
  if (configPath) {
    const raw = await readDataFile(configPath, 'config');
    const r = validate(configSchema, raw ?? {});
    if (!r.ok) {
      const i = r.issues[0];
      throw configError(`${path.relative(cwd, configPath) || configPath}: ${i.path}: ${i.message}`, 'fix that key (the keys are described in the README under "Config")');
    }
    file = r.value;
  }
  const format = (flags.format ?? env.PERFKIT_FORMAT ?? file.format ?? DEFAULTS.format) as Format;
  const failOn = (flags.failOn ?? env.PERFKIT_FAIL_ON ?? file.failOn ?? DEFAULTS.failOn) as Settings['failOn'];
  return {
    configPath,
    format,
    output: flags.output,
    outputFormat: (flags.format as Format | undefined) ?? formatFromOutput(flags.output) ?? format,
    failOn,
    quiet: Boolean(flags.quiet),
    verbose: Boolean(flags.verbose),
    color: useColor(env, isTTY, flags.color),
    file,
    budgets: file.budgets ?? [],
    db: {
      url: file.db?.url,
      urlSource: file.db?.url ? `${configPath}: db.url` : undefined,
      statementTimeoutMs: file.db?.statementTimeout ?? DEFAULTS.statementTimeoutMs,
      lockTimeoutMs: file.db?.lockTimeout ?? DEFAULTS.lockTimeoutMs,
      connectTimeoutMs: file.db?.connectTimeout ?? DEFAULTS.connectTimeoutMs,
    },
    redis: {
      url: file.redis?.url,
      urlSource: file.redis?.url ? `${configPath}: redis.url` : undefined,
      connectTimeoutMs: file.redis?.connectTimeout ?? DEFAULTS.connectTimeoutMs,
    },
  };
}

function formatFromOutput(output: string | undefined): Format | undefined {
  if (!output) return undefined;
  const ext = path.extname(output).toLowerCase();
  return ({ '.json': 'json', '.md': 'markdown', '.xml': 'junit', '.html': 'html' } as Record<string, Format>)[ext];
}

export function useColor(env: Record<string, string | undefined>, isTTY: boolean, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTTY;
}
