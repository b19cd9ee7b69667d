// The commander tree: the global options and the small commands here, each area's commands in
// cli/commands/. Each command's module is imported only when that command runs.
import { Command, Option } from 'commander';
import type { Io } from './io.js';
import type { CommandModule } from './context.js';
import { version } from './version.js';
import { collect, dbOptions, examples } from './commands/common.js';
import { registerCache } from './commands/cache.js';
import { registerCdn } from './commands/cdn.js';
import { registerDb } from './commands/db.js';
import { registerLighthouse } from './commands/lighthouse.js';
import { registerLoadtest } from './commands/loadtest.js';

export interface Selection {
  name: string;
  load: () => Promise<CommandModule>;
  args: string[];
  options: Record<string, unknown>;
  globals: Record<string, unknown>;
}

export function createProgram(io: Io, select: (s: Selection) => void): Command {
  const program = new Command('perfkit');
  program
    .description('One performance toolkit for PostgreSQL, Redis, CDNs, HTTP load and Lighthouse, with one report format and one budget file.')
    .version(version(), '-V, --version', 'print the version')
    .addOption(new Option('--format <format>', 'report format on stdout').choices(['table', 'json', 'markdown', 'junit', 'html']))
    .option('-o, --output <file>', 'also write the report to a file (format from --format, or from the extension)')
    .option('--config <file>', 'config file (default: perfkit.config.{json,yaml,yml,mjs} found upward)')
    .option('--budget <file>', 'budget file (YAML or JSON) evaluated against the report summary')
    .option('--threshold <expr>', 'inline budget, e.g. "executionMs<200" (repeatable)', collect)
    .addOption(new Option('--fail-on <level>', 'finding severity that fails the run').choices(['error', 'warn', 'never']))
    .option('--no-color', 'no colours (NO_COLOR and FORCE_COLOR are honoured too)')
    .option('-q, --quiet', 'no progress or notes on stderr')
    .option('--verbose', 'notes, timings and stack traces on stderr')
    .showHelpAfterError(false)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} })
    .exitOverride()
    .addHelpText('after', examples([
      'perfkit demo                                   # the main job on an embedded PostgreSQL, no server needed',
      'perfkit db explain "SELECT * FROM orders WHERE customer_id = 42" --analyze --db postgres://localhost/shop',
      'perfkit db explain --plan plan.json --format markdown >> "$GITHUB_STEP_SUMMARY"',
      'perfkit doctor',
    ]));

  const action = (name: string, load: () => Promise<CommandModule>) =>
    function (this: Command, ...args: unknown[]) {
      const cmd = this;
      const positional = args.slice(0, cmd.registeredArguments.length).flat().filter((a): a is string => typeof a === 'string');
      select({ name, load, args: positional, options: cmd.opts(), globals: cmd.optsWithGlobals() });
    };

  registerDb(program, action);
  registerCache(program, action);
  registerCdn(program, action);
  registerLoadtest(program, action);
  registerLighthouse(program, action);

  program
    .command('check')
    .description('run the checks of perfkit.config.yaml (any perfkit command, repeated) and gate on their budgets: absolute ones, and regressions against a baseline judged with statistics; one combined report')
    .option('--list', 'show what would run, and run nothing')
    .option('--only <names>', 'run only these checks (comma-separated, repeatable)', collect)
    .option('--baseline <file>', 'a previous combined report (e.g. the main branch\'s CI artifact) for the regression budgets')
    .option('--save-baseline <file>', 'also write this run\'s combined report as JSON, to use as --baseline later')
    .option('--strict-env', 'fail when the baseline was measured on another machine or other software versions')
    .option('--calibrate <n>', 'run the checks n times and propose regression tolerances from their spread')
    .addHelpText('after', examples([
      'perfkit check --list',
      'perfkit check --save-baseline perf-baseline.json                 # on the main branch',
      'perfkit check --baseline perf-baseline.json --format junit -o perf.xml',
      'perfkit check --only api-load,home-page --baseline perf-baseline.json --format markdown',
      'perfkit check --calibrate 5',
    ]))
    .action(action('check', () => import('../budget/check.js')));

  program
    .command('demo')
    .description('the main job end to end on an embedded PostgreSQL seeded with a demo shop: no server needed')
    .option('--keep', 'leave the embedded server listening and print its URL')
    .option('--top <n>', 'how many of the slowest queries to explain', '5')
    .addHelpText('after', examples(['perfkit demo', 'perfkit demo --format markdown > demo.md', 'perfkit demo --keep']))
    .action(action('demo', () => import('../demo/command.js')));

  dbOptions(
    program
      .command('doctor')
      .description('what is available here (PostgreSQL, extensions, Redis, Chromium, credentials) and how to fix what is not')
      .option('--redis <url>', 'Redis URL (env: PERFKIT_REDIS_URL, REDIS_URL; default redis://127.0.0.1:6379)'),
  )
    .addHelpText('after', examples(['perfkit doctor', 'perfkit doctor --db postgres://app@db/shop --format json']))
    .action(action('doctor', () => import('../doctor/command.js')));

  program
    .command('init')
    .description('write a commented starter perfkit.config.yaml')
    .option('--force', 'overwrite an existing file')
    .addHelpText('after', examples(['perfkit init', 'perfkit init --force']))
    .action(action('init', () => import('../init/command.js')));

  return program;
}
