// `perfkit init` as a user runs it: writes a starter config that perfkit itself accepts, and never
// overwrites one without --force.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectOneLineError, parseReport, runCli } from '../helpers/cli.js';
import { configSchema, validate } from '../../src/config/schema.js';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(path.join(os.tmpdir(), 'perfkit-init-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('perfkit init', () => {
  it('writes a commented perfkit.config.yaml that validates against the config schema', async () => {
    const r = await runCli(['init', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    const file = path.join(dir, 'perfkit.config.yaml');
    const report = parseReport(r.stdout);
    expect(report.summary).toMatchObject({ written: 1 });
    expect(report.data).toEqual({ path: file });

    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').filter((l) => l.trim().startsWith('#')).length).toBeGreaterThan(5);
    const parsed = validate(configSchema, YAML.parse(text));
    if (!parsed.ok) throw new Error(`starter config is invalid: ${JSON.stringify(parsed.issues)}`);
    expect(parsed.value.db).toMatchObject({ statementTimeout: 30_000, lockTimeout: 5_000 });
    expect(parsed.value.failOn).toBe('error');
    expect(parsed.value.budgets?.length).toBeGreaterThan(0);
    // No temp file is left beside it.
    expect(readdirSync(dir)).toEqual(['perfkit.config.yaml']);
  });

  it('refuses to overwrite an existing file (exit 2), naming it, and leaves it untouched', async () => {
    const file = path.join(dir, 'perfkit.config.yaml');
    writeFileSync(file, 'format: json\n');
    const r = await runCli(['init'], { cwd: dir });
    expect(r.code).toBe(2);
    const line = expectOneLineError(r);
    expect(line).toContain('perfkit.config.yaml already exists');
    expect(line).toContain('--force');
    expect(readFileSync(file, 'utf8')).toBe('format: json\n');
  });

  it('--force replaces it, and perfkit loads the new file on the next run', async () => {
    const file = path.join(dir, 'perfkit.config.yaml');
    writeFileSync(file, 'format: json\n');
    const r = await runCli(['init', '--force'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(parseReport(r.stdout).summary.written).toBe(1); // the old file asked for JSON
    expect(readFileSync(file, 'utf8')).toContain('statementTimeout: 30s');
    // The starter says `format: table`: with no --format, the next run renders a table.
    const again = await runCli(['init', '--force'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^perfkit init\s+PASS/);
  });
});
