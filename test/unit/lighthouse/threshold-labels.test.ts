// The --threshold grammar with bracketed URL labels, which the lighthouse summary uses per URL.
import { describe, expect, it } from 'vitest';
import { parseThreshold } from '../../../src/budget/grammar.js';

describe('threshold metrics with labels', () => {
  it('parses bracketed, quoted labels with any character but a quote', () => {
    expect(parseThreshold('lcp["/heavy.html"]<=2500')).toMatchObject({ metric: 'lcp["/heavy.html"]', operator: '<=', threshold: 2500, level: 'error' });
    expect(parseThreshold('resources.script.bytes["a.example.com/x?y=1"]<300000')).toMatchObject({ metric: 'resources.script.bytes["a.example.com/x?y=1"]', operator: '<', threshold: 300000 });
    expect(parseThreshold('underLoad.ttfb.delta["/"]<100:warn')).toMatchObject({ metric: 'underLoad.ttfb.delta["/"]', threshold: 100, level: 'warn' });
    expect(parseThreshold('lcp["/a b<=c]"] <= 2s')).toMatchObject({ metric: 'lcp["/a b<=c]"]', threshold: 2000 });
    expect(parseThreshold('performance["/#2"]>=90')).toMatchObject({ metric: 'performance["/#2"]', operator: '>=' });
  });

  it('keeps the old forms', () => {
    expect(parseThreshold('latency.p95<200')).toMatchObject({ metric: 'latency.p95', threshold: 200 });
    expect(parseThreshold('hitRatio>=95%:warn')).toMatchObject({ threshold: 0.95, level: 'warn' });
    expect(parseThreshold('nodes[0].rows<=10')).toMatchObject({ metric: 'nodes[0].rows' });
    expect(parseThreshold('findings.error==0')).toMatchObject({ metric: 'findings.error' });
  });

  it('rejects a label that is not closed or holds a quote', () => {
    for (const bad of ['lcp["/a]<1', 'lcp["/a"b"]<1', 'lcp[/a"]<1', '["/"]<1']) expect(() => parseThreshold(bad), bad).toThrow(/not a threshold/);
  });
});
