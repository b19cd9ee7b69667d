// Lighthouse's budget.json evaluated by perfkit: validation that names the bad key, Lighthouse 11's path
// matching, and the captured pages against budgets.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isPerfkitError } from '../../../src/cli/errors.js';
import { budgetForUrl, budgetValueKeys, evaluateBudgetJson, parseBudgetJson, urlMatchesPattern } from '../../../src/lighthouse/budget-json.js';
import { aggOf } from './fixtures.js';

const fixture = (name: string): unknown =>
  JSON.parse(fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/lighthouse', name), 'utf8'));

function configErrorOf(raw: unknown): { message: string; hint?: string } {
  try {
    parseBudgetJson(raw, 'budget.json');
  } catch (e) {
    expect(isPerfkitError(e) && e.kind).toBe('config');
    const err = e as Error & { hint?: string };
    expect(err.message).not.toContain('\n');
    expect(err.hint).toBeTruthy();
    return { message: err.message, hint: err.hint };
  }
  throw new Error(`no error for ${JSON.stringify(raw)}`);
}

describe('parseBudgetJson', () => {
  it('accepts the full format', () => {
    const b = parseBudgetJson(fixture('budget.json'), 'budget.json');
    expect(b[0].resourceSizes?.map((r) => r.resourceType)).toEqual(['total', 'image', 'script']);
    const all = parseBudgetJson(
      [{ path: '/blog/*.html$', options: { firstPartyHostnames: ['example.com', '*.cdn.example.com'] }, timings: [{ metric: 'interactive', budget: 5000, tolerance: 100 }] }, {}],
      'b.json',
    );
    expect(all).toHaveLength(2);
  });

  it('names the file, the key and the bad value, in one line', () => {
    expect(configErrorOf(fixture('budget-malformed.json')).message).toBe(
      "budget.json: [0].resourceSizes[0].resourceType: 'scripts' is not a resource type (total, document, script, stylesheet, image, media, font, other, third-party)",
    );
    expect(configErrorOf([{ timings: [{ metric: 'lcp', budget: 1 }] }]).message).toMatch(/^budget\.json: \[0\]\.timings\[0\]\.metric: 'lcp' is not a timing metric \(first-contentful-paint, /);
    expect(configErrorOf([{ resourceCounts: [{ resourceType: 'total', budget: '20' }] }]).message).toBe("budget.json: [0].resourceCounts[0].budget: '20' is not a number");
    expect(configErrorOf({ budgets: [] }).message).toMatch(/^budget\.json: \(top level\): a budget\.json is an array of budgets/);
  });

  it('rejects unknown keys (typos) wherever they are', () => {
    expect(configErrorOf([{ resourceSize: [] }]).message).toBe("budget.json: [0]: unknown key 'resourceSize'");
    expect(configErrorOf([{}, { resourceSizes: [{ resourceType: 'image', budget: 1, level: 'warn' }] }]).message).toBe("budget.json: [1].resourceSizes[0]: unknown key 'level'");
    expect(configErrorOf([{ options: { firstPartyHostname: ['a.com'] } }]).message).toBe("budget.json: [0].options: unknown key 'firstPartyHostname'");
  });

  it('validates path patterns and hostnames as Lighthouse did', () => {
    expect(configErrorOf([{ path: 'heavy.html' }]).message).toBe("budget.json: [0].path: 'heavy.html' must start with '/'");
    expect(configErrorOf([{ path: '/a*b*' }]).message).toBe("budget.json: [0].path: '/a*b*' may contain only one '*'");
    expect(configErrorOf([{}, { path: '/a$b' }]).message).toBe("budget.json: [1].path: '/a$b': '$' may only end the path");
    expect(configErrorOf([{ options: { firstPartyHostnames: ['https://a.com'] } }]).message).toMatch(/^budget\.json: \[0\]\.options\.firstPartyHostnames\[0\]: 'https:\/\/a\.com' is not a hostname/);
    expect(configErrorOf([{ options: { firstPartyHostnames: ['a.*.com'] } }]).message).toMatch(/firstPartyHostnames\[0\]: 'a\.\*\.com' is not a hostname/);
  });

  it('rejects a resource type listed twice in one list', () => {
    const { message } = configErrorOf([{ resourceSizes: [{ resourceType: 'script', budget: 1 }, { resourceType: 'script', budget: 2 }] }]);
    expect(message).toBe("budget.json: [0].resourceSizes[1].resourceType: 'script' is listed twice; Lighthouse allows one size budget per type");
    expect(configErrorOf([{ timings: [{ metric: 'interactive', budget: 1 }, { metric: 'interactive', budget: 2 }] }]).message).toMatch(/\[0\]\.timings\[1\]\.metric: 'interactive' is listed twice/);
    // The same type in sizes and in counts is fine.
    expect(parseBudgetJson([{ resourceSizes: [{ resourceType: 'script', budget: 1 }], resourceCounts: [{ resourceType: 'script', budget: 1 }] }], 'b')).toHaveLength(1);
  });
});

describe('path matching (Lighthouse 11 urlMatchesPattern)', () => {
  const u = 'https://example.com/blog/post.html?id=1';
  it('prefix, wildcard and end anchor on pathname+search', () => {
    expect(urlMatchesPattern(u, '/')).toBe(true);
    expect(urlMatchesPattern(u, '/blog')).toBe(true);
    expect(urlMatchesPattern(u, '/shop')).toBe(false);
    expect(urlMatchesPattern(u, '/blog/post.html?id=1$')).toBe(true);
    expect(urlMatchesPattern(u, '/blog/post.html$')).toBe(false);
    expect(urlMatchesPattern(u, '/*.html')).toBe(true);
    expect(urlMatchesPattern(u, '/*.html$')).toBe(false);
    expect(urlMatchesPattern(u, '/*id=1$')).toBe(true);
    expect(urlMatchesPattern(u, '/blog*post')).toBe(true);
    expect(urlMatchesPattern(u, '/post*')).toBe(false);
    expect(urlMatchesPattern(u, undefined)).toBe(true);
  });

  it('the last matching budget wins; a budget without a path matches every URL', () => {
    const budgets = parseBudgetJson([{ resourceCounts: [{ resourceType: 'total', budget: 1 }] }, { path: '/blog' }, { path: '/blog/*.html$' }, { path: '/shop' }], 'b');
    expect(budgetForUrl(budgets, 'https://example.com/blog/a.html')).toBe(budgets[2]);
    expect(budgetForUrl(budgets, 'https://example.com/blog/a.html?x')).toBe(budgets[1]);
    expect(budgetForUrl(budgets, 'https://example.com/')).toBe(budgets[0]);
    expect(budgetForUrl(budgets.slice(1), 'https://example.com/')).toBeUndefined();
  });
});

describe('evaluateBudgetJson on the captured pages', () => {
  const [budget] = parseBudgetJson(fixture('budget.json'), 'budget.json');

  it('the heavy page fails its byte and timing budgets; the fast page passes them all', () => {
    const heavy = evaluateBudgetJson(budget, aggOf('heavy'), 'budget.json');
    expect(heavy.find((r) => r.metric === 'resourceSizes.image["/heavy.html"]')).toEqual({
      metric: 'resourceSizes.image["/heavy.html"]',
      operator: '<=',
      threshold: 500,
      actual: 1520.2, // 1,556,644 B
      level: 'error',
      status: 'fail',
      source: 'budget.json (path /*)',
    });
    expect(Object.fromEntries(heavy.map((r) => [r.metric.replace(/\[.*$/, ''), r.status]))).toEqual({
      'resourceSizes.total': 'fail',
      'resourceSizes.image': 'fail',
      'resourceSizes.script': 'fail',
      'resourceCounts.third-party': 'pass',
      'resourceCounts.total': 'pass',
      'timings.total-blocking-time': 'fail',
      'timings.largest-contentful-paint': 'fail',
    });
    expect(heavy.find((r) => r.metric.startsWith('timings.total-blocking-time'))?.actual).toBe(1035);
    const fast = evaluateBudgetJson(budget, aggOf('fast'), 'budget.json');
    expect(fast.every((r) => r.status === 'pass')).toBe(true);
    expect(fast).toHaveLength(7);
  });

  it('first-meaningful-paint is accepted but missing; max-potential-fid comes from the runs\' values', () => {
    const [b] = parseBudgetJson([{ timings: [{ metric: 'first-meaningful-paint', budget: 2000 }, { metric: 'max-potential-fid', budget: 100 }, { metric: 'cumulative-layout-shift', budget: 0.1 }] }], 'lh.json');
    expect(budgetValueKeys([b])).toEqual(['audit.max-potential-fid.numericValue']);
    const r = evaluateBudgetJson(b, aggOf('heavy', { valueKeys: budgetValueKeys([b]) }), 'lh.json');
    expect(r[0]).toMatchObject({ metric: 'timings.first-meaningful-paint["/heavy.html"]', status: 'missing', actual: null });
    expect(r[0].source).toMatch(/^lh\.json: Lighthouse ≥ 12\.1 no longer measures first-meaningful-paint/);
    expect(r[1]).toMatchObject({ actual: 1085, status: 'fail', source: 'lh.json' }); // median of 1120, 1085, 1075
    expect(r[2]).toMatchObject({ actual: 0, status: 'pass' });
    // Without the value extracted, the budget is missing rather than passing.
    expect(evaluateBudgetJson(b, aggOf('heavy'), 'lh.json')[1]).toMatchObject({ actual: null, status: 'missing' });
  });

  it('firstPartyHostnames decides what is third-party', () => {
    const budgets = parseBudgetJson(
      [
        { options: { firstPartyHostnames: ['example.com'] }, resourceCounts: [{ resourceType: 'third-party', budget: 0 }] },
        { path: '/fast', options: { firstPartyHostnames: ['*.0.0.1'] }, resourceCounts: [{ resourceType: 'third-party', budget: 0 }] },
      ],
      'b.json',
    );
    const heavyBudget = budgetForUrl(budgets, 'http://127.0.0.1:8765/heavy.html')!;
    const heavy = aggOf('heavy', { firstPartyHostnames: heavyBudget.options?.firstPartyHostnames });
    expect(evaluateBudgetJson(heavyBudget, heavy, 'b.json')[0]).toMatchObject({ actual: 4, status: 'fail' });
    const fastBudget = budgetForUrl(budgets, 'http://127.0.0.1:8765/fast.html')!;
    const fast = aggOf('fast', { firstPartyHostnames: fastBudget.options?.firstPartyHostnames });
    expect(evaluateBudgetJson(fastBudget, fast, 'b.json')[0]).toMatchObject({ actual: 0, status: 'pass', source: 'b.json (path /fast)' });
  });

  it('resources nobody measured are missing, not zero', () => {
    const a = aggOf('heavy');
    a.runs = a.runs.map((r) => ({ ...r, resourcesMeasured: false }));
    expect(evaluateBudgetJson(budget, a, 'budget.json').filter((r) => r.metric.startsWith('resource')).every((r) => r.status === 'missing')).toBe(true);
  });
});
