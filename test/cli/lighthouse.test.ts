// `perfkit lighthouse` end to end with Debian's Chromium against the fixture site (fixtures/web): a fast page,
// a heavy page (large image and script) and a layout-shift page, with budget.json, assertions and saved
// reports; three runs and the median run; audits under a background load; and the faults: Chromium
// missing or not starting, a refused URL, a page that never finishes loading (killed, retried, no Chromium
// left behind), malformed budgets and bad flags. All Chromium tests live in this one file, so they run one
// after another and the orphan check sees only their own processes.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebFixture, type WebFixture } from '../../fixtures/web/serve.mjs';
import { expectOneLineError, fixture, parseReport, runCli } from '../helpers/cli.js';

let site: WebFixture;
let busySite: WebFixture;

beforeAll(async () => {
  site = await startWebFixture();
  busySite = await startWebFixture({ slowWhenBusyMs: 400 });
});
afterAll(async () => {
  await site?.close();
  await busySite?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Each perfkit run here gets this TMPDIR, so its Chromium profiles (perfkit-chrome-*) land in it: the
 *  orphan check sees only this file's runs, whatever else runs Chromium on the machine. */
const tmp = mkdtempSync(path.join(tmpdir(), 'perfkit-lh-tmp-'));
const lh = (args: string[], opts: Parameters<typeof runCli>[1] = {}) => runCli(['lighthouse', ...args], { ...opts, env: { TMPDIR: tmp, ...opts.env } });

/** Chromium processes whose profile is in this file's TMPDIR, and such profiles left behind. */
function leftovers(): { processes: string[]; profiles: string[] } {
  const processes: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(`${tmp}/perfkit-chrome-`)) processes.push(`${pid}: ${cmd.split('\0').slice(0, 2).join(' ')}`);
    } catch {
      // gone
    }
  }
  const profiles = readdirSync(tmp).filter((f) => f.startsWith('perfkit-chrome-'));
  return { processes, profiles };
}

const budgetFor = (r: Record<string, any>, metric: string) => r.budgets.find((b: { metric: string }) => b.metric === metric);

describe('perfkit lighthouse on real Chromium', () => {
  it('audits three pages: budgets and assertions fire for the heavy and shifting pages, the fast page passes, Lighthouse reports are saved', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'perfkit-lh-reports-'));
    const r = await lh(
      [
        `${site.url}/fast.html`, `${site.url}/heavy.html`, `${site.url}/shift.html`,
        '--runs', '1', '--budget-path', fixture('lighthouse/budget.json'),
        '--assert', 'cumulative-layout-shift<=0.1', '--assert', 'categories.performance>=90:warn',
        '--save-reports', dir, '--format', 'json',
      ],
      { timeoutMs: 240_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const rep = parseReport(r.stdout);
    expect(rep.status).toBe('fail');
    const s = rep.summary;
    // Per URL and the worst across URLs.
    expect(s['performance["/fast.html"]']).toBeGreaterThanOrEqual(90);
    expect(s['performance["/heavy.html"]']).toBeLessThan(s['performance["/fast.html"]']);
    expect(s.performance).toBe(Math.min(s['performance["/fast.html"]'], s['performance["/heavy.html"]'], s['performance["/shift.html"]']));
    expect(s['resources.image.bytes["/heavy.html"]']).toBeGreaterThan(1_000_000);
    expect(s['resources.script.bytes["/heavy.html"]']).toBeGreaterThan(300_000);
    expect(s.totalBytes).toBe(s['totalBytes["/heavy.html"]']);
    expect(s['cls["/shift.html"]']).toBeGreaterThan(0.1);
    expect(s['cls["/fast.html"]']).toBeLessThan(0.01);
    for (const k of ['accessibility', 'bestPractices', 'seo', 'lcp', 'fcp', 'tbt', 'si', 'tti', 'ttfb', 'requests']) expect(typeof s[k]).toBe('number');

    // budget.json: the heavy page breaks the size budgets, the fast page keeps them.
    expect(budgetFor(rep, 'resourceSizes.image["/heavy.html"]')).toMatchObject({ status: 'fail', level: 'error', threshold: 500 });
    expect(budgetFor(rep, 'resourceSizes.image["/heavy.html"]').actual).toBeGreaterThan(1000);
    expect(budgetFor(rep, 'resourceSizes.script["/heavy.html"]').status).toBe('fail');
    expect(budgetFor(rep, 'resourceSizes.total["/fast.html"]').status).toBe('pass');
    expect(budgetFor(rep, 'resourceCounts.third-party["/fast.html"]').status).toBe('pass');
    // Assertions: CLS fails for the shifting page only; the performance score is a warning.
    expect(budgetFor(rep, 'cumulative-layout-shift["/shift.html"]')).toMatchObject({ status: 'fail', level: 'error' });
    expect(budgetFor(rep, 'cumulative-layout-shift["/fast.html"]').status).toBe('pass');
    expect(budgetFor(rep, 'categories.performance["/heavy.html"]')).toMatchObject({ status: 'fail', level: 'warn' });

    // Lighthouse's own reports, one HTML and one JSON per URL and run.
    const files = readdirSync(dir).sort();
    expect(files.filter((f) => f.endsWith('.html'))).toHaveLength(3);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(3);
    const heavyJson = files.find((f) => f.includes('heavy') && f.endsWith('.json')) as string;
    expect(JSON.parse(readFileSync(path.join(dir, heavyJson), 'utf8')).lighthouseVersion).toMatch(/^12\./);
    expect(readFileSync(path.join(dir, heavyJson.replace(/\.json$/, '.html')), 'utf8')).toContain('<!doctype html>');
    expect(leftovers()).toEqual({ processes: [], profiles: [] });
  }, 300_000);

  it('runs three times, picks the median run like Lighthouse, and gates on a lighthouserc file', async () => {
    const r = await lh([`${site.url}/`, '--runs', '3', '--only-categories', 'performance', '--assertions', fixture('lighthouse/lighthouserc.json'), '--format', 'json'], { timeoutMs: 240_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    const u = rep.data.urls[0];
    expect(u.runs).toHaveLength(3);
    // Lighthouse's rule: the run closest to the median FCP and TTI.
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
    const fcp = med(u.runs.map((x: any) => x.metrics.fcp));
    const tti = med(u.runs.map((x: any) => x.metrics.tti));
    const dist = u.runs.map((x: any) => (x.metrics.fcp - fcp) ** 2 + (x.metrics.tti - tti) ** 2);
    expect(dist[u.medianRun]).toBe(Math.min(...dist));
    expect(rep.summary.lcp).toBe(med(u.runs.map((x: any) => x.metrics.lcp)));
    expect(rep.summary.runs).toBe(3);
    expect(rep.summary.accessibility).toBeUndefined();
    expect(budgetFor(rep, 'categories.performance["/"]')).toMatchObject({ status: 'pass', threshold: 90 });
    expect(budgetFor(rep, 'largest-contentful-paint["/"]')).toMatchObject({ status: 'pass', actual: u.runs[u.medianRun].metrics.lcp });
    expect(rep.budgets.some((b: { metric: string }) => b.metric.startsWith('uses-text-compression'))).toBe(false);
  }, 300_000);

  it('audits under a background load and reports how TTFB moved', async () => {
    const r = await lh([`${busySite.url}/`, '--runs', '1', '--only-categories', 'performance', '--under-load', '--rate 20 /api/items', '--format', 'json', '--fail-on', 'never'], { timeoutMs: 240_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    const ul = rep.data.underLoad;
    expect(ul.target).toBe(`${busySite.url}/api/items`);
    expect(ul.load.requests).toBeGreaterThan(10);
    // The fixture holds every request that meets another for 400 ms: the loaded document waits, the idle one does not.
    const ttfb = ul.urls[0].metrics.ttfb;
    expect(ttfb.loaded - ttfb.idle).toBeGreaterThan(300);
    expect(rep.summary['underLoad.ttfb.delta']).toBe(ttfb.delta);
    expect(typeof rep.summary['underLoad.lcp.delta']).toBe('number');
    expect(rep.summary['underLoad.rps']).toBeGreaterThan(0);
    expect(leftovers().processes).toEqual([]);
  }, 300_000);

  it('--static-dir serves a build folder on 127.0.0.1 and audits its index page', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'perfkit-lh-static-'));
    mkdirSync(path.join(dir, 'assets'));
    copyFileSync(fixture('web/pages/fast.html'), path.join(dir, 'index.html'));
    copyFileSync(fixture('web/assets/site.css'), path.join(dir, 'assets', 'site.css'));
    const r = await lh(['--static-dir', dir, '--runs', '1', '--only-categories', 'performance', '--format', 'json'], { timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    expect(rep.target.urls).toHaveLength(1);
    expect(rep.target.urls[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(rep.summary.performance).toBeGreaterThanOrEqual(90);
    expect(rep.summary['resources.stylesheet.count']).toBe(1);
  }, 150_000);

  it('kills a run that never finishes loading, retries it, and leaves no Chromium behind (exit 3)', async () => {
    const started = Date.now();
    const r = await lh([`${site.url}/hang`, '--runs', '1', '--retries', '1', '--timeout', '6s', '--format', 'json'], { timeoutMs: 120_000 });
    expect(r.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(60_000);
    const last = r.stderr.trim().split('\n').pop() as string;
    expect(last).toMatch(/\/hang: no run succeeded \(2 attempts\): did not finish within 6 s\. Fix: .*--timeout/);
    const rep = parseReport(r.stdout);
    expect(rep.data.failed[0].errors).toHaveLength(2);
    expect(rep.findings.map((f: { rule: string }) => f.rule)).toContain('lighthouse-url-failed');
    expect(leftovers()).toEqual({ processes: [], profiles: [] });
  }, 150_000);
});

describe('perfkit lighthouse: bad input and missing pieces', () => {
  it('Chromium missing: a CHROME_PATH that does not exist exits 3 and names the fix', async () => {
    const r = await lh([`${site.url}/`], { env: { CHROME_PATH: '/nonexistent/chromium' } });
    expect(r.code).toBe(3);
    expect(expectOneLineError(r)).toMatch(/CHROME_PATH=\/nonexistent\/chromium is not an executable.*apt-get install chromium/);
  });

  it('a Chromium that does not start exits 3 at once', async () => {
    const started = Date.now();
    const r = await lh([`${site.url}/`], { env: { CHROME_PATH: '/bin/false' } });
    expect(r.code).toBe(3);
    expect(expectOneLineError(r)).toMatch(/Chromium at \/bin\/false did not start/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(leftovers().profiles).toEqual([]);
  });

  it('a URL that refuses connections exits 3 before Chromium starts', async () => {
    const r = await lh(['http://127.0.0.1:9/']);
    expect(r.code).toBe(3);
    expect(expectOneLineError(r)).toMatch(/127\.0\.0\.1:9/);
  });

  it('a malformed budget.json exits 2 naming the key', async () => {
    const r = await lh([`${site.url}/`, '--budget-path', fixture('lighthouse/budget-malformed.json')]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/budget-malformed\.json: \[0\]\.resourceSizes\[0\]\.resourceType/);
  });

  it.each([
    [['--runs', '0'], /--runs/],
    [['--preset', 'tablet'], /--preset 'tablet'/],
    [['--throttling', 'fast'], /--throttling 'fast'/],
    [['--only-categories', 'pwa'], /'pwa' is not a category/],
    [['--assert', 'lcp is small'], /--assert|lcp is small/],
    [['--timeout', 'soon'], /--timeout 'soon'/],
    [['--under-load', '--rate'], /--under-load/],
    [['--under-load', '--rate 5 http://example.com/'], /not the audited origin/],
    [['--under-load', '--emit k8s-job'], /--emit does not apply/],
  ])('bad flag %j exits 2 with one line', async (flags, pattern) => {
    const r = await lh([`${site.url}/`, ...flags]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(pattern);
  });

  it('--static-dir: a missing folder, and a full URL instead of a path, exit 2', async () => {
    const missing = await lh(['--static-dir', '/nonexistent/dist']);
    expect(missing.code).toBe(2);
    expect(expectOneLineError(missing)).toMatch(/--static-dir \/nonexistent\/dist: no such folder/);
    const url = await lh(['--static-dir', fixture('web/pages'), 'http://127.0.0.1/']);
    expect(url.code).toBe(2);
    expect(expectOneLineError(url)).toMatch(/with --static-dir, give pages as paths/);
  });

  it('no URL and a non-URL exit 2', async () => {
    const none = await runCli(['lighthouse']);
    expect(none.code).toBe(2);
    expect(expectOneLineError(none)).toMatch(/no URL/);
    const bad = await lh(['example']);
    expect(bad.code).toBe(2);
    expect(expectOneLineError(bad)).toMatch(/'example' is not a URL/);
  });

  it('--save-reports into a folder that cannot be made exits 2', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'perfkit-lh-')), 'a-file');
    writeFileSync(file, 'not a folder');
    const r = await lh([`${site.url}/`, '--save-reports', path.join(file, 'reports')]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/--save-reports .*a-file\/reports: cannot create/);
    expect(existsSync(path.join(file, 'reports'))).toBe(false);
  });
});
