// `perfkit init`: writes a commented starter perfkit.config.yaml in the working directory, atomically,
// and never over an existing file unless --force.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { CommandContext, CommandOutcome } from '../cli/context.js';
import { usageError } from '../cli/errors.js';
import type { Section } from '../report/model.js';
import { writeFileAtomically } from '../util/write-file.js';

export const CONFIG_FILE = 'perfkit.config.yaml';

export const STARTER_CONFIG = `# perfkit configuration. Flags override environment variables, which override this file.
# Every key is optional; delete what you do not need.

# Report format on stdout: table, json, markdown, junit or html.
format: table

# Which finding severity fails the run (exit code 1): error, warn or never.
failOn: error

db:
  # The database to examine. Prefer PERFKIT_DB_URL or DATABASE_URL for anything with a password:
  # this file is usually committed.
  # url: postgres://app@localhost:5432/shop

  # Limits for perfkit's own session, so it never holds locks or runs long on your server.
  statementTimeout: 30s
  lockTimeout: 5s
  # connectTimeout: 10s

# explain:
#   # Thresholds of \`perfkit db explain\` rules (a name and a number each; see the README for the
#   # names), and rule ids to switch off.
#   thresholds:
#     misestimate.warnFactor: 10
#     seq-scan-filter.minRowsScanned: 10000
#   disabledRules: []

# Budgets: a metric from a report's summary and a bound (max, min, or regression against a baseline,
# used by \`perfkit check\`), with level error (default) or warn. \`command\` limits a budget to one
# command. A metric a report does not have fails at its level, so a typo cannot pass CI.
budgets:
  - metric: findings.warn
    max: 5
    level: warn
  # - metric: executionMs          # \`perfkit db explain --analyze\`: execution time in ms
  #   max: 200
  #   command: db explain
  # - metric: executionMs
  #   regression: 10%              # against --baseline, in \`perfkit check\`
  #   command: db explain
`;

export interface InitData {
  path: string;
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(() => true, () => false);
}

export async function run(ctx: CommandContext): Promise<CommandOutcome<InitData>> {
  const file = path.join(ctx.io.cwd, CONFIG_FILE);
  const force = Boolean((ctx.options as { force?: boolean }).force);
  if (!force && (await exists(file))) {
    throw usageError(`${CONFIG_FILE} already exists in ${ctx.io.cwd}`, 'edit it, or run `perfkit init --force` to replace it');
  }
  await writeFileAtomically(file, STARTER_CONFIG, 'perfkit init');
  ctx.note(`wrote ${file}; try \`perfkit doctor\` next`);
  return {
    result: { command: 'init', target: {}, summary: { written: 1 }, findings: [], data: { path: file } },
    view: initView,
  };
}

export function initView(data: InitData): Section[] {
  return [{ title: 'Init', kind: 'text', text: `wrote ${data.path}\nedit it, then run \`perfkit doctor\` to see what is available here` }];
}
