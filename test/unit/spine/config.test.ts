import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/load.js';
import { isPerfkitError } from '../../../src/cli/errors.js';

async function tmp(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'perfkit-config-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

async function configError(files: Record<string, string>): Promise<string> {
  const dir = await tmp(files);
  try {
    await loadSettings({}, {}, dir);
  } catch (e) {
    expect(isPerfkitError(e) && e.kind).toBe('config');
    return (e as Error).message;
  }
  throw new Error('expected a config error');
}

describe('config', () => {
  it('is found upward from the working directory and layered defaults < file < env < flags', async () => {
    const dir = await tmp({ 'perfkit.config.yaml': 'format: markdown\nfailOn: warn\ndb:\n  statementTimeout: 5s\n', 'a/b/.keep': '' });
    const cwd = path.join(dir, 'a', 'b');
    const s = await loadSettings({}, {}, cwd);
    expect(s.configPath).toBe(path.join(dir, 'perfkit.config.yaml'));
    expect(s.format).toBe('markdown');
    expect(s.failOn).toBe('warn');
    expect(s.db.statementTimeoutMs).toBe(5000);
    expect(s.db.lockTimeoutMs).toBe(5000);
    expect((await loadSettings({}, { PERFKIT_FORMAT: 'json' }, cwd)).format).toBe('json');
    expect((await loadSettings({ format: 'junit' }, { PERFKIT_FORMAT: 'json' }, cwd)).format).toBe('junit');
  });

  it('reads JSON and .mjs configs', async () => {
    const json = await tmp({ 'perfkit.config.json': '{"format":"json"}' });
    expect((await loadSettings({}, {}, json)).format).toBe('json');
    const mjs = await tmp({ 'perfkit.config.mjs': 'export default { failOn: "never" }' });
    expect((await loadSettings({}, {}, mjs)).failOn).toBe('never');
  });

  it('names the exact bad key', async () => {
    expect(await configError({ 'perfkit.config.yaml': 'db:\n  statementTimeout: soon\n' })).toMatch(/db\.statementTimeout: expected a duration/);
    expect(await configError({ 'perfkit.config.yaml': 'db:\n  urll: x\n' })).toMatch(/db: unknown key 'urll'/);
    expect(await configError({ 'perfkit.config.yaml': 'format: pdf\n' })).toMatch(/^perfkit\.config\.yaml: format:/);
    expect(await configError({ 'perfkit.config.yaml': 'budgets:\n  - metric: x\n    max: 1\n    min: 0\n' })).toMatch(/budgets\[0\]/);
  });

  it('reports malformed files with the file name', async () => {
    expect(await configError({ 'perfkit.config.yaml': 'db: [unclosed\n' })).toMatch(/perfkit\.config\.yaml: config is not valid YAML/);
    expect(await configError({ 'perfkit.config.json': '{"format": ' })).toMatch(/perfkit\.config\.json: config is not valid JSON/);
    expect(await configError({ 'perfkit.config.yaml': '   \n' })).toMatch(/config is empty/);
  });
});
