// `perfkit init`: looks at the project in the working directory (package.json, .env names, the compose
// file, a folder of .sql files) and writes a commented starter perfkit.config.yaml for it, atomically,
// never over an existing file unless --force.
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import type { CommandContext, CommandOutcome } from '../cli/context.js';
import { runtimeError, usageError } from '../cli/errors.js';
import { configSchema, validate } from '../config/schema.js';
import type { Finding } from '../report/model.js';
import { writeFileAtomically } from '../util/write-file.js';
import { detectProject, type Detected, type ProjectReader } from './detect.js';
import { buildStarter, type Starter } from './starter.js';
import { initView, type InitData } from './view.js';

export { initView, type InitData } from './view.js';

export const CONFIG_FILE = 'perfkit.config.yaml';
// Detection reads a handful of small files; anything bigger than this is not one of them.
const MAX_BYTES = 1024 * 1024;

/** Reads the project through the file system, inside `root` only. */
export function fsReader(root: string): ProjectReader {
  return {
    async read(file) {
      const full = path.join(root, file);
      const s = await stat(full).catch(() => undefined);
      if (!s?.isFile() || s.size > MAX_BYTES) return undefined;
      return readFile(full, 'utf8').catch(() => undefined);
    },
    async list(dir) {
      const entries = await readdir(path.join(root, dir), { withFileTypes: true }).catch(() => undefined);
      return entries?.filter((e) => e.isFile()).map((e) => e.name);
    },
  };
}

/** The starter for a project, checked against the config schema: a starter perfkit would refuse is a bug. */
export function starterFor(detected: Detected): Starter {
  const starter = buildStarter(detected);
  const parsed = validate(configSchema, YAML.parse(starter.text));
  if (!parsed.ok) {
    const issue = parsed.issues[0]!;
    throw runtimeError(`perfkit init built a config that perfkit itself rejects (${issue.path}: ${issue.message})`, 'this is a bug: please report it; `perfkit init` in an empty folder writes the generic starter');
  }
  return starter;
}

export async function run(ctx: CommandContext): Promise<CommandOutcome<InitData>> {
  const file = path.join(ctx.io.cwd, CONFIG_FILE);
  const force = Boolean((ctx.options as { force?: boolean }).force);
  if (!force && (await lstat(file).then(() => true, () => false))) {
    throw usageError(`${CONFIG_FILE} already exists in ${ctx.io.cwd}`, 'edit it, or run `perfkit init --force` to replace it');
  }
  const detected = await detectProject(fsReader(ctx.io.cwd));
  const starter = starterFor(detected);
  await writeFileAtomically(file, starter.text, 'perfkit init');
  ctx.note(`wrote ${file}; try \`perfkit check --list\` next`);
  const findings: Finding[] = detected.notes.map((n) => ({ rule: n.rule, severity: 'info', title: n.title, message: n.message, location: n.file, fix: n.fix }));
  const active = starter.checks.filter((c) => c.active);
  return {
    result: {
      command: 'init',
      target: {},
      summary: { written: 1, checks: active.length },
      findings,
      data: { path: file, detected, checks: active.map(({ name, run }) => ({ name, run })) },
    },
    view: initView,
  };
}
