import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

describe('help and version', () => {
  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  for (const cmd of [[], ['db', 'explain'], ['demo'], ['doctor'], ['init']]) {
    it(`perfkit ${cmd.join(' ')} --help shows options and real examples`, async () => {
      const r = await runCli([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toMatch(/perfkit (db explain|demo|doctor|init)/);
    });
  }

  it('global options are accepted after the subcommand', async () => {
    const r = await runCli(['db', 'explain', '--help', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--analyze');
  });

  it('an unknown command is a usage error with a hint', async () => {
    const r = await runCli(['nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^perfkit: unknown command 'nope'.*Fix: /);
  });

  it('a bad --format value is a usage error naming the choices', async () => {
    const r = await runCli(['doctor', '--format', 'pdf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format.*pdf.*table, json, markdown, junit/);
  });
});
