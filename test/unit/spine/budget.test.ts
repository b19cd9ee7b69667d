import { describe, expect, it } from 'vitest';
import { parseThreshold } from '../../../src/budget/grammar.js';
import { evaluateThresholds } from '../../../src/budget/evaluate.js';
import { statusOf } from '../../../src/report/model.js';
import { isPerfkitError } from '../../../src/cli/errors.js';

describe('threshold grammar', () => {
  it('parses metric, operator, number, unit and level', () => {
    expect(parseThreshold('latency.p95<200')).toMatchObject({ metric: 'latency.p95', operator: '<', threshold: 200, level: 'error' });
    expect(parseThreshold('errorRate <= 0.001')).toMatchObject({ metric: 'errorRate', operator: '<=', threshold: 0.001 });
    expect(parseThreshold('executionMs<2s')).toMatchObject({ threshold: 2000 });
    expect(parseThreshold('hitRatio>=95%:warn')).toMatchObject({ operator: '>=', threshold: 0.95, level: 'warn' });
    expect(parseThreshold('findings.error==0')).toMatchObject({ metric: 'findings.error', operator: '==', threshold: 0 });
  });

  it('rejects what is not a threshold with a usage error that shows the grammar', () => {
    for (const bad of ['p95', 'p95 < ', '<200', 'p95 ~ 3', 'p95<abc']) {
      try {
        parseThreshold(bad);
        expect.unreachable(bad);
      } catch (e) {
        expect(isPerfkitError(e) && e.kind).toBe('usage');
        expect((e as Error).message).toContain(bad);
      }
    }
  });
});

describe('budget evaluation', () => {
  const summary = { executionMs: 120, 'findings.error': 1 };
  it('passes, fails and reports missing metrics', () => {
    const r = evaluateThresholds(summary, [
      parseThreshold('executionMs<200'),
      parseThreshold('executionMs<100'),
      parseThreshold('findings.error==0:warn'),
      parseThreshold('exectionMs<100'),
    ]);
    expect(r.map((b) => b.status)).toEqual(['pass', 'fail', 'fail', 'missing']);
    expect(r[1].actual).toBe(120);
    expect(r[3].actual).toBeNull();
  });

  it('an error-level failure fails the report; a warn-level one only warns', () => {
    const [failErr] = evaluateThresholds(summary, [parseThreshold('executionMs<100')]);
    const [failWarn] = evaluateThresholds(summary, [parseThreshold('executionMs<100:warn')]);
    const [missing] = evaluateThresholds(summary, [parseThreshold('nope<1')]);
    expect(statusOf([], [failErr], 'error')).toBe('fail');
    expect(statusOf([], [failWarn], 'error')).toBe('warn');
    expect(statusOf([], [failWarn], 'warn')).toBe('fail');
    expect(statusOf([], [missing], 'error')).toBe('fail');
  });

  it('findings fail according to --fail-on', () => {
    const warn = [{ rule: 'x', severity: 'warn' as const, title: 't', message: 'm' }];
    const err = [{ rule: 'x', severity: 'error' as const, title: 't', message: 'm' }];
    expect(statusOf(warn, [], 'error')).toBe('warn');
    expect(statusOf(warn, [], 'warn')).toBe('fail');
    expect(statusOf(err, [], 'error')).toBe('fail');
    expect(statusOf(err, [], 'never')).toBe('warn');
  });
});
