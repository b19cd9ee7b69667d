// How `cdn invalidate` gathers what to purge: arguments, --from-file, stdin, --changed-since over a real
// git repository, and the --all confirmation. Dry runs: nothing is sent.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOneLineError, parseReport, runCli } from '../helpers/cli.js';

const purge = (args: string[], opts: { input?: string; cwd?: string } = {}) =>
  runCli(['cdn', 'invalidate', '--provider', 'varnish', '--server', 'http://127.0.0.1:6081', '--dry-run', '--format', 'json', ...args], opts);
const itemsOf = (rep: Record<string, any>) => rep.data.previews.flat().map((r: any) => `${r.method} ${r.url}${r.headers.Host ? ` (${r.headers.Host})` : ''}`);

describe('cdn invalidate inputs', () => {
  it('takes arguments, a file and stdin, drops duplicates and comments', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'perfkit-cdn-in-'));
    writeFileSync(path.join(dir, 'list.txt'), '# purge list\n/a\n\nhttps://www.example.com/b?x=1\n/a\n');
    const r = await purge(['/c', '-', '--from-file', path.join(dir, 'list.txt')], { input: '/d\n/c\n' });
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    expect(rep.summary).toMatchObject({ items: 4, requests: 0, failed: 0 });
    expect(itemsOf(rep).sort()).toEqual(['PURGE http://127.0.0.1:6081/a', 'PURGE http://127.0.0.1:6081/b?x=1 (www.example.com)', 'PURGE http://127.0.0.1:6081/c', 'PURGE http://127.0.0.1:6081/d']);
    expect(rep.data.requests.every((x: any) => x.status === 'planned')).toBe(true);
  });

  it('--changed-since purges what a deploy changed under --dir (index.html also as its folder)', async () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'perfkit-cdn-git-'));
    const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
    git('init', '-q');
    mkdirSync(path.join(repo, 'public', 'docs'), { recursive: true });
    mkdirSync(path.join(repo, 'src'));
    for (const f of ['public/a.css', 'public/docs/index.html', 'public/old.js', 'src/app.ts']) writeFileSync(path.join(repo, f), 'v1');
    git('add', '.');
    git('commit', '-qm', 'one');
    for (const f of ['public/a.css', 'public/docs/index.html', 'src/app.ts']) writeFileSync(path.join(repo, f), 'v2');
    writeFileSync(path.join(repo, 'public', 'new file.js'), 'v1');
    git('add', '.');
    git('commit', '-qm', 'two');
    const r = await runCli(['cdn', 'invalidate', '--provider', 'varnish', '--server', 'http://127.0.0.1:6081', '--dry-run', '--format', 'json', '--changed-since', 'HEAD~1', '--dir', 'public', '--base-url', 'https://www.example.com'], { cwd: repo });
    expect(r.stderr).toBe('');
    const rep = parseReport(r.stdout);
    expect(itemsOf(rep).sort()).toEqual([
      'PURGE http://127.0.0.1:6081/a.css (www.example.com)',
      'PURGE http://127.0.0.1:6081/docs/ (www.example.com)',
      'PURGE http://127.0.0.1:6081/docs/index.html (www.example.com)',
      'PURGE http://127.0.0.1:6081/new%20file.js (www.example.com)',
    ]);
    const bad = await runCli(['cdn', 'invalidate', '--provider', 'varnish', '--dry-run', '--changed-since', 'no-such-ref', '--dir', 'public'], { cwd: repo });
    expect(bad.code).toBe(2);
    expect(expectOneLineError(bad)).toMatch(/--changed-since no-such-ref: git cannot diff against it/);
    const noDir = await runCli(['cdn', 'invalidate', '--provider', 'varnish', '--changed-since', 'HEAD~1'], { cwd: repo });
    expect(noDir.code).toBe(2);
    expect(expectOneLineError(noDir)).toMatch(/--changed-since needs --dir/);
    const notGit = await runCli(['cdn', 'invalidate', '--provider', 'varnish', '--changed-since', 'HEAD~1', '--dir', tmpdir()], { cwd: tmpdir() });
    expect(notGit.code).toBe(2);
    expect(expectOneLineError(notGit)).toMatch(/not inside a git repository/);
  });

  it('--all needs a confirmation: without a terminal and without --yes it refuses (exit 2)', async () => {
    const r = await runCli(['cdn', 'invalidate', '--provider', 'cloudflare', '--zone', '023e105f4ecef8ad9ca31a8372d0c353', '--all'], { env: { CLOUDFLARE_API_TOKEN: 'tok-123456789' } });
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/--all: purging everything needs a confirmation\. Fix: add --yes/);
    const mixed = await purge(['--all', '/a']);
    expect(mixed.code).toBe(2);
    expect(expectOneLineError(mixed)).toMatch(/cannot be combined/);
  });

  it('bad flags: exit 2, one line', async () => {
    for (const [args, re] of [
      [['/a', '--retries', 'x'], /--retries 'x'/],
      [['/a', '--wait-timeout', 'soon'], /--wait-timeout 'soon': not a duration/],
      [['/a', '--network', 'dev'], /--network 'dev': unknown/],
      [['/a', '--base-url', 'www.example.com'], /--base-url 'www\.example\.com': not an http\(s\) URL/],
      [['--from-file', '/nonexistent/list.txt'], /--from-file .*list\.txt: cannot read .*no such file/],
      [['--cpcode', 'abc'], /--cpcode 'abc': not a CP code/],
    ] as Array<[string[], RegExp]>) {
      const r = await purge(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(expectOneLineError(r), args.join(' ')).toMatch(re);
    }
  });
});
