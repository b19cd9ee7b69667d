// `perfkit lighthouse`: repeatable Lighthouse audits of one or more URLs on Debian's Chromium. N runs per URL
// (a failed run retried), the median run and per-metric medians, Lighthouse's budget.json and Lighthouse
// CI–style assertions evaluated by perfkit, Lighthouse's own reports saved on request, and --under-load:
// the same audits again while a bounded load test runs against the origin.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandContext, CommandOutcome } from '../cli/context.js';
import { connectError, inputError, runtimeError, usageError } from '../cli/errors.js';
import { readDataFile } from '../config/load.js';
import { durationFlag, numberFlag } from '../util/flags.js';
import { labelsFor, aggregateUrl } from './aggregate.js';
import { parseAssertion, parseLhciAssertions, assertionKeys, evaluateAssertions, type Assertion } from './assertions.js';
import { budgetForUrl, budgetValueKeys, evaluateBudgetJson, parseBudgetJson, type LhBudget } from './budget-json.js';
import { collectUrl, type Collected } from './collect.js';
import { CATEGORIES, type LighthouseData, type UnderLoad, type UrlAggregate } from './model.js';
import { lighthouseFindings, lighthouseSummary } from './summary.js';
import { lighthouseView } from './view.js';

export interface LighthouseOptions {
  runs?: string;
  retries?: string;
  preset?: string;
  throttling?: string;
  onlyCategories?: string;
  maxWaitForLoad?: string;
  timeout?: string;
  budgetPath?: string;
  assert?: string[];
  assertions?: string;
  saveReports?: string;
  underLoad?: string;
  staticDir?: string;
}

interface LighthouseConfig {
  urls?: string[];
  runs?: number;
  retries?: number;
  preset?: 'mobile' | 'desktop';
  throttling?: 'simulate' | 'devtools' | 'none';
  onlyCategories?: string[];
  maxWaitForLoad?: number;
  timeout?: number;
  budgetPath?: string;
  assert?: string[];
  assertions?: string;
  staticDir?: string;
}

export async function run(ctx: CommandContext): Promise<CommandOutcome<LighthouseData>> {
  const o = ctx.options as LighthouseOptions;
  const cfg = (ctx.settings.file.lighthouse ?? {}) as LighthouseConfig;
  const cfgDir = ctx.settings.configPath ? path.dirname(ctx.settings.configPath) : ctx.io.cwd;
  const given = ctx.args.length ? ctx.args : (cfg.urls ?? []);
  const staticDir = o.staticDir ?? (cfg.staticDir ? path.resolve(cfgDir, cfg.staticDir) : undefined);
  if (staticDir === undefined) return audit(ctx, parseUrls(given));

  // --static-dir: the folder served on 127.0.0.1 for the audits; paths are pages in it.
  const bad = given.find((u) => !u.startsWith('/'));
  if (bad !== undefined) throw usageError(`'${bad}': with --static-dir, give pages as paths in the folder`, 'write e.g. / or /pricing.html (or no path: the folder\'s index.html and up to 4 other pages)');
  const { serveStatic, discoverPages } = await import('../connectors/static-server.js');
  const server = await serveStatic(path.resolve(ctx.io.cwd, staticDir), staticDir);
  try {
    const pages = given.length ? given : discoverPages(path.resolve(ctx.io.cwd, staticDir));
    if (!pages.length) throw inputError(`--static-dir ${staticDir}: no .html pages in it`, 'give the folder your build writes (with an index.html), or pass the page paths');
    return await audit(ctx, parseUrls(pages.map((p) => `${server.origin}${p}`)));
  } finally {
    await server.close();
  }
}

async function audit(ctx: CommandContext, urls: string[]): Promise<CommandOutcome<LighthouseData>> {
  const o = ctx.options as LighthouseOptions;
  const cfg = (ctx.settings.file.lighthouse ?? {}) as LighthouseConfig;
  const cfgDir = ctx.settings.configPath ? path.dirname(ctx.settings.configPath) : ctx.io.cwd;

  const runs = o.runs !== undefined ? numberFlag(o.runs, '--runs', 3, { min: 1, integer: true }) : (cfg.runs ?? 3);
  if (runs > 25) throw usageError(`--runs ${runs}: at most 25`, 'five runs already make a stable median; use --runs 5');
  const retries = o.retries !== undefined ? numberFlag(o.retries, '--retries', 2, { min: 0, integer: true }) : (cfg.retries ?? 2);
  const preset = oneOf(o.preset ?? cfg.preset ?? 'mobile', '--preset', ['mobile', 'desktop'] as const);
  const throttling = oneOf(o.throttling ?? cfg.throttling ?? 'simulate', '--throttling', ['simulate', 'devtools', 'none'] as const);
  const onlyCategories = o.onlyCategories !== undefined ? parseCategories(o.onlyCategories) : (cfg.onlyCategories ?? null);
  const maxWaitForLoadMs = o.maxWaitForLoad !== undefined ? durationFlag(o.maxWaitForLoad, '--max-wait-for-load', 45_000) : (cfg.maxWaitForLoad ?? 45_000);
  const timeoutMs = o.timeout !== undefined ? durationFlag(o.timeout, '--timeout', 105_000) : (cfg.timeout ?? maxWaitForLoadMs + 60_000);

  // Budgets and assertions are read before anything starts: a typo costs no audit.
  const budgetPath = o.budgetPath ?? (cfg.budgetPath ? path.resolve(cfgDir, cfg.budgetPath) : undefined);
  const budgets: LhBudget[] = budgetPath ? parseBudgetJson(await readDataFile(path.resolve(ctx.io.cwd, budgetPath), 'budget file'), budgetPath) : [];
  const assertions: Assertion[] = [...(cfg.assert ?? []), ...(o.assert ?? [])].map((e) => parseAssertion(e));
  const assertionsFile = o.assertions ?? (cfg.assertions ? path.resolve(cfgDir, cfg.assertions) : undefined);
  if (assertionsFile) assertions.push(...parseLhciAssertions(await readDataFile(path.resolve(ctx.io.cwd, assertionsFile), 'assertions file'), assertionsFile));
  const valueKeys = [...new Set([...assertionKeys(assertions), ...budgetValueKeys(budgets)])];

  const saveDir = o.saveReports !== undefined ? makeDir(path.resolve(ctx.io.cwd, o.saveReports)) : undefined;
  const underLoadSpec = o.underLoad;
  if (underLoadSpec !== undefined) {
    const { parseLoadSpec } = await import('./under-load.js');
    await parseLoadSpec(underLoadSpec, new URL(urls[0]));
  }

  const { requireChrome } = await import('../connectors/chrome.js');
  const chromePath = requireChrome(ctx.io.env);
  const { assertReachable } = await import('../connectors/http.js');
  for (const u of urls) await assertReachable(new URL(u), 5_000);

  const { Auditor } = await import('./run.js');
  const auditor = new Auditor({ chromePath, env: ctx.io.env, preset, throttling, onlyCategories, maxWaitForLoadMs, timeoutMs, reports: saveDir !== undefined, verbose: ctx.settings.verbose });
  auditor.warm();
  const labels = labelsFor(urls);
  const collectAll = async (phase: 'idle' | 'loaded'): Promise<Collected[]> => {
    const out: Collected[] = [];
    for (const [i, url] of urls.entries()) {
      if (ctx.signal.aborted) break;
      out.push(await collectUrl(ctx, auditor, url, { runs, retries, valueKeys, firstPartyHostnames: budgetForUrl(budgets, url)?.options?.firstPartyHostnames, saveDir, label: labels[i], phase }));
    }
    return out;
  };

  ctx.progress.start(`lighthouse: ${labels[0]} run 1/${runs}`);
  let idle: Collected[];
  let loaded: Collected[] | undefined;
  let load: Awaited<ReturnType<import('./under-load.js').RunningLoad['stop']>> | undefined;
  let loadTarget = '';
  try {
    idle = await collectAll('idle');
    if (underLoadSpec !== undefined && !ctx.signal.aborted) {
      const { startLoad } = await import('./under-load.js');
      ctx.progress.update(`lighthouse: starting the background load (${underLoadSpec})`);
      const running = await startLoad(ctx, underLoadSpec, new URL(urls[0]));
      loadTarget = running.target;
      try {
        loaded = await collectAll('loaded');
      } finally {
        load = await running.stop();
      }
    }
  } finally {
    await auditor.close();
  }

  const aggregates: UrlAggregate[] = [];
  const failed: LighthouseData['failed'] = [];
  idle.forEach((c, i) => {
    if (c.runs.length) aggregates.push(aggregateUrl(urls[i], labels[i], c.runs, c.failedAttempts));
    else failed.push({ url: urls[i], errors: c.failedAttempts.map((f) => f.error) });
  });
  const budgetResults = aggregates.flatMap((a) => {
    const b = budgetForUrl(budgets, a.url);
    return [...(b && budgetPath ? evaluateBudgetJson(b, a, budgetPath) : []), ...evaluateAssertions(assertions, a)];
  });
  const underLoad = loaded && load ? underLoadOf(underLoadSpec as string, loadTarget, aggregates, loaded, urls, labels, load) : null;
  const first = [...idle, ...(loaded ?? [])].find((c) => c.lighthouseVersion);
  const data: LighthouseData = {
    settings: { preset, throttling, onlyCategories, runs, retries, maxWaitForLoadMs, timeoutMs, chrome: chromePath, chromeVersion: first?.chromeVersion ?? null, lighthouseVersion: first?.lighthouseVersion ?? '12' },
    urls: aggregates,
    failed,
    budgets: budgetResults,
    underLoad,
    savedReports: [...idle, ...(loaded ?? [])].flatMap((c) => c.saved),
  };
  const outcome: CommandOutcome<LighthouseData> = {
    result: {
      command: 'lighthouse',
      target: { urls },
      environment: { chromium: data.settings.chromeVersion, lighthouse: data.settings.lighthouseVersion, preset, throttling, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
      summary: lighthouseSummary(aggregates, underLoad, failed),
      findings: lighthouseFindings(data),
      budgets: budgetResults,
      data,
    },
    view: lighthouseView,
  };
  if (failed.length && !ctx.signal.aborted) {
    const f = failed[0];
    const timedOut = f.errors.some((e) => e.startsWith('did not finish'));
    const msg = `${f.url}: no run succeeded (${f.errors.length} attempt${f.errors.length === 1 ? '' : 's'}): ${f.errors[f.errors.length - 1]}${failed.length > 1 ? ` (and ${failed.length - 1} more URL${failed.length > 2 ? 's' : ''})` : ''}`;
    outcome.failure = timedOut
      ? runtimeError(msg, 'check that the page finishes loading; raise --timeout or --max-wait-for-load for a slow page')
      : connectError(msg, 'open the URL in a browser; perfkit --verbose shows each attempt');
  }
  return outcome;
}

function underLoadOf(spec: string, target: string, idle: UrlAggregate[], loaded: Collected[], urls: string[], labels: string[], load: { summary: Record<string, number>; valid: boolean; endedEarly: boolean }): UnderLoad {
  return {
    options: spec,
    target,
    load: load.summary,
    loadValid: load.valid,
    endedEarly: load.endedEarly,
    urls: idle.map((a) => {
      const i = urls.indexOf(a.url);
      const l = loaded[i]?.runs.length ? aggregateUrl(a.url, labels[i], loaded[i].runs, loaded[i].failedAttempts) : undefined;
      const metrics: UnderLoad['urls'][number]['metrics'] = {};
      for (const m of ['ttfb', 'fcp', 'lcp', 'tbt'] as const) {
        const before = a.metrics[m]?.median ?? null;
        const after = l?.metrics[m]?.median ?? null;
        const delta = before !== null && after !== null ? Math.round((after - before) * 10) / 10 : null;
        metrics[m] = { idle: before, loaded: after, delta, pct: delta !== null && before ? Math.round((delta / before) * 1000) / 10 : null };
      }
      return { url: a.url, label: a.label, metrics };
    }),
  };
}

function parseUrls(list: string[]): string[] {
  if (!list.length) throw usageError('no URL: perfkit lighthouse needs the page to audit', 'write e.g. perfkit lighthouse http://127.0.0.1:3000/ (or lighthouse.urls in the config)');
  const out: string[] = [];
  for (const u of list) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw usageError(`'${u}' is not a URL`, 'write a full URL, e.g. http://127.0.0.1:3000/pricing');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`'${u}': only http and https pages`, 'write e.g. http://127.0.0.1:3000/');
    if (!out.includes(url.href)) out.push(url.href);
  }
  return out;
}

function parseCategories(v: string): string[] {
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.find((c) => !(CATEGORIES as readonly string[]).includes(c));
  if (bad !== undefined || !list.length) throw usageError(`--only-categories '${v}': ${bad !== undefined ? `'${bad}' is not a category` : 'empty'}`, `use a comma-separated list of ${CATEGORIES.join(', ')}`);
  return list;
}

function oneOf<T extends string>(v: string, flag: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) throw usageError(`${flag} '${v}': not one of ${allowed.join(', ')}`, `write e.g. ${flag} ${allowed[0]}`);
  return v as T;
}

function makeDir(dir: string): string {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    throw inputError(`--save-reports ${dir}: cannot create or write the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'give a writable folder');
  }
  return dir;
}
