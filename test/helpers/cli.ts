// Spawns the built binary (bin/perfkit.js → dist/) the way a user or CI pipeline runs it.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const bin = fileURLToPath(new URL('../../bin/perfkit.js', import.meta.url));
export const fixture = (p: string) => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, PERFKIT_DB_URL: undefined, DATABASE_URL: undefined, ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd ?? root, env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

const ajv = new Ajv2020.default({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateReport = ajv.compile(JSON.parse(readFileSync(new URL('../../schemas/report.schema.json', import.meta.url), 'utf8')));

const validateSlowData = ajv.compile(JSON.parse(readFileSync(new URL('../../schemas/db-slow.schema.json', import.meta.url), 'utf8')));

/** Validates a db slow report's data against schemas/db-slow.schema.json. */
export function expectSlowData(data: unknown): void {
  if (!validateSlowData(data)) throw new Error(`db slow data does not match its schema: ${ajv.errorsText(validateSlowData.errors)}`);
}

/** Parses stdout as exactly one JSON document and validates it against schemas/report.schema.json. */
export function parseReport(stdout: string): Record<string, any> {
  const doc = JSON.parse(stdout) as Record<string, any>;
  if (!validateReport(doc)) throw new Error(`report does not match the schema: ${ajv.errorsText(validateReport.errors)}`);
  return doc;
}

/** The house rule for errors: one line on stderr, naming the input, with a fix, and no stack trace. */
export function expectOneLineError(r: CliResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.trim());
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}:\n${r.stderr}`);
  if (/\bat .+:\d+:\d+\)?$/m.test(r.stderr)) throw new Error(`stack trace on stderr:\n${r.stderr}`);
  if (!/Fix: /.test(lines[0])) throw new Error(`no fix hint in: ${lines[0]}`);
  if (r.stdout.trim()) throw new Error(`stdout should be empty on error, got: ${r.stdout.slice(0, 200)}`);
  return lines[0];
}
