// What the command registrations share: repeatable options, help examples, the database options, and the
// action that records which command was chosen (its module is imported only when it runs).
import type { Command } from 'commander';
import type { CommandModule } from '../context.js';

export type Action = (name: string, load: () => Promise<CommandModule>) => (this: Command, ...args: unknown[]) => void;

export const collect = (v: string, prev: string[] = []) => [...prev, v];

export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

export function dbOptions(cmd: Command): Command {
  return cmd
    .option('--db <url>', "PostgreSQL URL, or 'embedded' for the built-in demo server (env: PERFKIT_DB_URL, DATABASE_URL, PG*)")
    .option('--statement-timeout <duration>', 'statement_timeout for perfkit’s session (default 30s)')
    .option('--lock-timeout <duration>', 'lock_timeout for perfkit’s session (default 5s)')
    .option('--connect-timeout <duration>', 'how long to wait for a connection (default 10s)');
}
