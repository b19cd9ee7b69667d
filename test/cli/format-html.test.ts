// --format html and -o file.html through the built binary, on a command that needs no server.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, runCli } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'perfkit-html-'));
});
const plan = fixture('pg/plans/disk-sort.json');

/** A document a browser can open offline: nothing fetched, nothing run. */
function expectSelfContained(doc: string): void {
  expect(doc).toMatch(/^<!doctype html>\n/);
  expect(doc).toMatch(/<\/html>\n$/);
  expect(doc).toContain('<meta charset="utf-8">');
  expect(doc).toMatch(/<title>perfkit db explain — disk-sort\.json — (PASS|WARN|FAIL)<\/title>/);
  expect(doc).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|@import/i);
  expect(doc.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:\/\//);
  expect(doc).not.toMatch(/\u001b\[/);
}

describe('--format html', () => {
  it('prints the explain report as one HTML document: plan table, findings with fixes, summary', async () => {
    const r = await runCli(['db', 'explain', '--plan', plan, '--format', 'html'], { env: { FORCE_COLOR: '1' } });
    expect([0, 1]).toContain(r.code);
    expectSelfContained(r.stdout);
    expect(r.stdout).toMatch(/<h2>Plan \(analyzed[^<]*<\/h2>/);
    expect(r.stdout).toContain('Seq Scan on orders');
    expect(r.stdout).toContain('<code>disk-sort</code>');
    expect(r.stdout).toContain('<dt>fix</dt>');
    expect(r.stdout).toContain('<td><code>executionMs</code></td>');
  });

  it('-o out.html writes HTML by its extension while stdout keeps the table', async () => {
    const out = path.join(dir, 'out.html');
    const r = await runCli(['db', 'explain', '--plan', plan, '-o', out]);
    expect([0, 1]).toContain(r.code);
    expect(r.stdout).toMatch(/^perfkit db explain — disk-sort\.json/);
    expectSelfContained(await readFile(out, 'utf8'));
  });

  it('accepts format: html in the config file', async () => {
    await writeFile(path.join(dir, 'perfkit.config.json'), '{"format":"html"}');
    const r = await runCli(['db', 'explain', '--plan', plan], { cwd: dir });
    expect([0, 1]).toContain(r.code);
    expectSelfContained(r.stdout);
  });
});
