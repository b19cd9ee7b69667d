// Lighthouse CI–style assertions: the inline grammar of --assert, the `ci.assert` object of a
// lighthouserc file (assertions, assertMatrix, aggregationMethod), and their evaluation over N runs. Pure.
import { configError, usageError } from '../cli/errors.js';
import type { BudgetResult } from '../report/model.js';
import { median } from './aggregate.js';
import {
  AGGREGATION_METHODS,
  CATEGORIES,
  RESOURCE_TYPES,
  type AggregationMethod,
  type Assertion,
  type AssertionOperator,
  type UrlAggregate,
} from './model.js';

export type { Assertion };

const EXPR = /^\s*([A-Za-z][\w.:-]*)\s*(<=|>=|==|<|>)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)\s*(?::\s*(warn|error))?\s*$/;
const GRAMMAR =
  'write <key><op><number>[:warn|:error], e.g. --assert "categories.performance>=90" or "largest-contentful-paint<=2500:warn"; ' +
  'keys: categories.<id> (0–100), <audit-id> (numericValue), <audit-id>.score (0–1), <audit-id>.length, resource-summary.<type>.size|count; ops: < <= > >= ==';

type Key = { name: string; key: string; kind: 'category' | 'resource' | 'audit'; prop?: string };

/** A written key (dots or LHCI's colons) → its dot-form name and valueOf key, or what is wrong with it. */
function resolveKey(written: string): Key | string {
  const parts = written.split(/[.:]/);
  if (parts.some((p) => !p)) return `'${written}' has an empty part`;
  const [head, ...rest] = parts;
  if (head === 'categories') {
    if (rest.length !== 1 || !(CATEGORIES as readonly string[]).includes(rest[0])) return `'${rest.join('.')}' is not a category (${CATEGORIES.join(', ')})`;
    return { name: `categories.${rest[0]}`, key: `categories.${rest[0]}`, kind: 'category' };
  }
  if (head === 'resource-summary') {
    const [type, prop] = rest;
    if (rest.length !== 2 || (prop !== 'size' && prop !== 'count')) return `write resource-summary.<type>.size or .count (got '${written}')`;
    if (!(RESOURCE_TYPES as readonly string[]).includes(type)) return `'${type}' is not a resource type (${RESOURCE_TYPES.join(', ')})`;
    return { name: `resource-summary.${type}.${prop}`, key: `resource-summary.${type}.${prop}`, kind: 'resource', prop };
  }
  if (rest.length === 0) return { name: head, key: `audit.${head}.numericValue`, kind: 'audit', prop: 'numericValue' };
  if (rest.length === 1 && ['numericValue', 'score', 'length'].includes(rest[0])) {
    return { name: `${head}.${rest[0]}`, key: `audit.${head}.${rest[0]}`, kind: 'audit', prop: rest[0] };
  }
  return `'${written}' is not categories.<id>, <audit-id>[.score|.length|.numericValue] or resource-summary.<type>.size|count`;
}

/** One inline assertion, e.g. "categories.performance>=90", "cumulative-layout-shift<0.1:warn". */
export function parseAssertion(expr: string, source = `--assert ${expr}`): Assertion {
  const m = EXPR.exec(expr);
  if (!m) throw usageError(`--assert '${expr}': not an assertion`, GRAMMAR);
  const [, written, op, num, level] = m;
  const k = resolveKey(written);
  if (typeof k === 'string') throw usageError(`--assert '${expr}': ${k}`, GRAMMAR);
  return { name: k.name, key: k.key, operator: op as AssertionOperator, threshold: Number(num), level: (level as Assertion['level']) ?? 'error', aggregation: 'median', source };
}

const LHCI_HINT =
  'write { "ci": { "assert": { "assertions": { "<audit-id>": ["error", { "maxNumericValue": 2500 }], "categories:performance": ["warn", { "minScore": 0.9 }] } } } }';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const LEVELS = ['off', 'warn', 'error'];
const OPTIONS = ['minScore', 'maxNumericValue', 'maxLength', 'aggregationMethod'];

/**
 * The assertions of a lighthouserc object ({ ci: { assert } }) or of the assert object itself. As LHCI:
 * a bare level means `minScore: 0.9` (what LHCI's code does when no minScore, maxLength or
 * maxNumericValue is given; its docs say 1); minScore on a category is perfkit's 0–100 score ≥ 100×minScore.
 * Unlike LHCI, the default aggregation is the median, not 'optimistic'.
 */
export function parseLhciAssertions(raw: unknown, file: string): Assertion[] {
  const fail = (at: string, problem: string, hint = LHCI_HINT) => configError(`${file}: ${at}: ${problem}`, hint);
  if (!isObject(raw)) throw fail('(top level)', 'expected a lighthouserc object { "ci": { "assert": {...} } } or an assert object { "assertions": {...} }');
  let assert = raw;
  let at = '';
  if ('ci' in raw) {
    const ci = raw.ci;
    if (!isObject(ci)) throw fail('ci', 'expected an object');
    if (ci.assert === undefined) throw fail('ci.assert', 'missing: this lighthouserc has no assertions');
    if (!isObject(ci.assert)) throw fail('ci.assert', 'expected an object { "assertions": {...} }');
    assert = ci.assert;
    at = 'ci.assert.';
  }
  return parseBase(assert, at, { aggregation: 'median' }, true);

  function parseBase(obj: Record<string, unknown>, at: string, inherited: { aggregation: AggregationMethod; urlPattern?: string }, top: boolean): Assertion[] {
    for (const key of Object.keys(obj)) {
      if (key === 'preset') throw fail(`${at}preset`, `presets are not supported (got ${JSON.stringify(obj.preset)})`, 'list the assertions you want under "assertions" instead of a preset');
      if (key === 'budgetsFile') throw fail(`${at}budgetsFile`, 'not read from an assertions file', 'give the budget.json to perfkit lighthouse with --budget-path');
      const known = ['assertions', 'aggregationMethod', 'matchingUrlPattern', ...(top ? ['assertMatrix', 'includePassedAssertions'] : [])];
      if (!known.includes(key)) throw fail(`${at}${key}`, `unknown key (expected ${known.join(', ')})`);
    }
    const ctx = { ...inherited };
    if (obj.aggregationMethod !== undefined) ctx.aggregation = aggregation(obj.aggregationMethod, `${at}aggregationMethod`);
    if (obj.matchingUrlPattern !== undefined) ctx.urlPattern = urlPattern(obj.matchingUrlPattern, `${at}matchingUrlPattern`);
    const out: Assertion[] = [];
    if (obj.assertions !== undefined) {
      if (!isObject(obj.assertions)) throw fail(`${at}assertions`, 'expected an object of "<key>": level | [level, options]');
      for (const [k, v] of Object.entries(obj.assertions)) out.push(...parseEntry(k, v, `${at}assertions.${k}`, ctx));
    }
    if (obj.assertMatrix !== undefined) {
      if (!Array.isArray(obj.assertMatrix)) throw fail(`${at}assertMatrix`, 'expected an array of { "matchingUrlPattern", "assertions" }');
      obj.assertMatrix.forEach((entry, i) => {
        if (!isObject(entry)) throw fail(`${at}assertMatrix[${i}]`, 'expected an object { "matchingUrlPattern", "assertions" }');
        out.push(...parseBase(entry, `${at}assertMatrix[${i}].`, ctx, false));
      });
    }
    return out;
  }

  function parseEntry(k: string, v: unknown, here: string, ctx: { aggregation: AggregationMethod; urlPattern?: string }): Assertion[] {
    const shape = 'expected "off", "warn", "error" or [level, { minScore | maxNumericValue | maxLength, aggregationMethod? }]';
    const [level, options] = typeof v === 'string' ? [v, {}] : Array.isArray(v) && v.length >= 1 && v.length <= 2 ? [v[0], v[1] ?? {}] : [undefined, undefined];
    if (typeof level !== 'string' || !LEVELS.includes(level)) throw fail(here, `${JSON.stringify(v)}: ${shape}`);
    if (!isObject(options)) throw fail(`${here}[1]`, `${JSON.stringify(options)}: ${shape}`);
    if (level === 'off') return [];
    for (const [o, val] of Object.entries(options)) {
      if (!OPTIONS.includes(o)) throw fail(`${here}[1].${o}`, `unknown option (expected ${OPTIONS.join(', ')})`);
      if (o !== 'aggregationMethod' && (typeof val !== 'number' || !Number.isFinite(val))) throw fail(`${here}[1].${o}`, `${JSON.stringify(val)} is not a number`);
    }
    const { minScore, maxNumericValue, maxLength } = options as { minScore?: number; maxNumericValue?: number; maxLength?: number };
    if (minScore !== undefined && (minScore < 0 || minScore > 1)) throw fail(`${here}[1].minScore`, `${minScore} is not a score between 0 and 1`);
    const agg = options.aggregationMethod === undefined ? ctx.aggregation : aggregation(options.aggregationMethod, `${here}[1].aggregationMethod`);
    const k2 = resolveKey(k);
    if (typeof k2 === 'string' || (k2.kind === 'audit' && k2.prop !== 'numericValue')) throw fail(here, typeof k2 === 'string' ? k2 : `write the audit id alone ('${k.split(/[.:]/)[0]}') with minScore, maxNumericValue or maxLength`);
    const base = { level: level as Assertion['level'], aggregation: agg, source: `${file} (${here})`, ...(ctx.urlPattern !== undefined ? { urlPattern: ctx.urlPattern } : {}) };
    const only = (allowed: string[]) => {
      for (const o of ['minScore', 'maxNumericValue', 'maxLength']) if (o in options && !allowed.includes(o)) throw fail(`${here}[1].${o}`, `not an option for '${k}' (use ${allowed.join(' or ')})`);
    };
    if (k2.kind === 'category') {
      only(['minScore']);
      return [{ ...base, name: k2.name, key: k2.key, operator: '>=', threshold: Math.round((minScore ?? 0.9) * 100 * 1e6) / 1e6 }];
    }
    if (k2.kind === 'resource') {
      only(['maxNumericValue']);
      if (maxNumericValue === undefined) throw fail(here, `give a maxNumericValue (${k2.prop === 'size' ? 'bytes' : 'requests'})`);
      return [{ ...base, name: k2.name, key: k2.key, operator: '<=', threshold: maxNumericValue }];
    }
    const id = k2.name;
    const out: Assertion[] = [];
    if (maxLength !== undefined) out.push({ ...base, name: `${id}.length`, key: `audit.${id}.length`, operator: '<=', threshold: maxLength });
    if (maxNumericValue !== undefined) out.push({ ...base, name: id, key: `audit.${id}.numericValue`, operator: '<=', threshold: maxNumericValue });
    const score = minScore ?? (out.length ? undefined : 0.9);
    if (score !== undefined) out.push({ ...base, name: `${id}.score`, key: `audit.${id}.score`, operator: '>=', threshold: score });
    return out;
  }

  function aggregation(v: unknown, at: string): AggregationMethod {
    if (typeof v === 'string' && (AGGREGATION_METHODS as string[]).includes(v)) return v as AggregationMethod;
    throw fail(at, `${JSON.stringify(v)} is not an aggregation method (${AGGREGATION_METHODS.join(', ')})`);
  }

  function urlPattern(v: unknown, at: string): string {
    if (typeof v !== 'string') throw fail(at, `${JSON.stringify(v)} is not a regular expression string`);
    try {
      new RegExp(v);
    } catch (e) {
      throw fail(at, `'${v}' is not a valid regular expression (${(e as Error).message})`);
    }
    return v;
  }
}

/** The valueOf keys the runner must extract from every run for these assertions. */
export function assertionKeys(assertions: Assertion[]): string[] {
  return [...new Set(assertions.map((a) => a.key))];
}

/** The assertions that apply to this URL, each on its runs' values aggregated by its method. */
export function evaluateAssertions(assertions: Assertion[], agg: UrlAggregate, source?: string): BudgetResult[] {
  const out: BudgetResult[] = [];
  for (const a of assertions) {
    if (a.urlPattern !== undefined && !new RegExp(a.urlPattern).test(agg.url)) continue;
    const actual = aggregated(a, agg);
    out.push({
      metric: `${a.name}["${agg.label}"]`,
      operator: a.operator,
      threshold: a.threshold,
      actual,
      level: a.level,
      status: actual === null ? 'missing' : compare(actual, a.operator, a.threshold) ? 'pass' : 'fail',
      ...(a.source ?? source ? { source: a.source ?? source } : {}),
    });
  }
  return out;
}

/** The runs' values as the method says: optimistic is the value most likely to pass (min for < and <=,
 *  max for > and >=), pessimistic the least likely; == takes the median either way. */
export function aggregated(a: Pick<Assertion, 'key' | 'operator' | 'aggregation'>, agg: Pick<UrlAggregate, 'runs' | 'medianRun'>): number | null {
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (a.aggregation === 'median-run') {
    const v = agg.runs[agg.medianRun]?.values[a.key];
    return finite(v) ? v : null;
  }
  const values = agg.runs.map((r) => r.values[a.key]).filter(finite);
  if (!values.length) return null;
  if (a.aggregation === 'median' || a.operator === '==') return median(values);
  const upper = a.operator === '<' || a.operator === '<=';
  const useMin = (a.aggregation === 'optimistic') === upper;
  return useMin ? Math.min(...values) : Math.max(...values);
}

function compare(actual: number, op: AssertionOperator, t: number): boolean {
  switch (op) {
    case '<':
      return actual < t;
    case '<=':
      return actual <= t;
    case '>':
      return actual > t;
    case '>=':
      return actual >= t;
    case '==':
      return actual === t;
  }
}
