// loadtest's pure parts: the phase schedule, request mixes, checks, HAR import, exact merging of
// histograms, and the Kubernetes manifest.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePhases, plannedCount, plannedTimes, scalePhases } from '../../../src/loadtest/phases.js';
import { sequenceOf } from '../../../src/loadtest/closed.js';
import { failedChecks, parsePath, requestsFromHar, weightedPicker, type RequestSpec } from '../../../src/loadtest/requests.js';
import { Recorder, decode } from '../../../src/loadtest/recorder.js';
import { mergeSnapshots } from '../../../src/loadtest/merge.js';
import { k8sJob } from '../../../src/loadtest/emit.js';

describe('phases', () => {
  it('parses ramps and steady states, and says what is wrong', () => {
    expect(parsePhases('10s:0->200,60s:200,10s:200->0')).toEqual([
      { durationMs: 10_000, from: 0, to: 200 },
      { durationMs: 60_000, from: 200, to: 200 },
      { durationMs: 10_000, from: 200, to: 0 },
    ]);
    expect(() => parsePhases('10s:abc')).toThrow(/'10s:abc' is not <duration>:<rate>/);
    expect(() => parsePhases('ten:5')).toThrow(/'ten' in 'ten:5' is not a positive duration/);
    expect(() => parsePhases('5s:0')).toThrow(/nothing would be sent/);
  });

  it('spaces sends evenly at a constant rate', () => {
    const t = [...plannedTimes([{ durationMs: 1000, from: 10, to: 10 }])];
    expect(t).toHaveLength(10);
    t.forEach((x, i) => expect(x).toBeCloseTo((i + 1) * 100, 6));
  });

  it('follows a ramp: the count is the integral, the gaps shrink as the rate grows', () => {
    const phases = parsePhases('10s:0->200');
    const t = [...plannedTimes(phases)];
    expect(t).toHaveLength(plannedCount(phases));
    expect(t.length).toBe(1000);
    const firstHalf = t.filter((x) => x <= 5000).length;
    expect(firstHalf).toBe(250); // ∫0..5 of 20t dt
    expect(t[1] - t[0]).toBeGreaterThan(t[999] - t[998]);
    for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThanOrEqual(t[i - 1]);
    expect(plannedCount(scalePhases(phases, 0.25))).toBe(250);
  });
});

describe('requests', () => {
  const spec = (weight: number): RequestSpec => ({ name: `w${weight}`, method: 'GET', url: 'http://x/', headers: {}, weight, checks: [] });

  it('expands a weighted mix into an exact, interleaved sequence', () => {
    const seq = sequenceOf([3, 1], 'mix');
    expect(seq.filter((i) => i === 0)).toHaveLength(3);
    expect(seq).toHaveLength(4);
    expect(sequenceOf([3, 1], 'sequence')).toEqual([0, 1]);
    const pick = weightedPicker([spec(3), spec(1)], 'mix');
    const n = Array.from({ length: 400 }, () => pick());
    expect(n.filter((i) => i === 0)).toHaveLength(300);
  });

  it('checks status, body and JSON paths', () => {
    const checks = [{ status: [200] }, { bodyContains: 'ok' }, { jsonPath: { path: '$.items[1].id', equals: 7 } }];
    expect(failedChecks(checks, 200, '{"ok":1,"items":[{"id":1},{"id":7}]}')).toEqual([]);
    expect(failedChecks(checks, 500, 'nope')).toEqual(['status 200', 'body contains "ok"', '$.items[1].id == 7']);
    expect(parsePath('$.a.b[2].c')).toEqual(['a', 'b', 2, 'c']);
    expect(parsePath('a.0')).toEqual(['a', 0]);
  });

  it('imports a HAR, leaving out pseudo and hop-by-hop headers', () => {
    const har = JSON.stringify({
      log: {
        entries: [
          { request: { method: 'GET', url: 'https://shop.example/a?q=1', headers: [{ name: ':authority', value: 'x' }, { name: 'Accept', value: '*/*' }, { name: 'Host', value: 'h' }] } },
          { request: { method: 'post', url: 'https://shop.example/cart', headers: [], postData: { text: '{"sku":1}' } } },
          { request: { method: 'GET', url: 'data:image/png;base64,xx' } },
        ],
      },
    });
    const r = requestsFromHar(har, 'x.har');
    expect(r).toEqual([
      { name: '1 GET /a', method: 'GET', url: 'https://shop.example/a?q=1', headers: { Accept: '*/*' }, body: undefined },
      { name: '2 POST /cart', method: 'POST', url: 'https://shop.example/cart', headers: {}, body: '{"sku":1}' },
    ]);
    expect(() => requestsFromHar('{"log":{}}', 'x.har')).toThrow(/not a HAR file/);
    expect(() => requestsFromHar('nope', 'x.har')).toThrow(/not JSON/);
  });
});

describe('exact merging', () => {
  it('merged shards equal one histogram of all the samples', () => {
    const all = new Recorder(['r'], 0);
    const shards = [new Recorder(['r'], 0), new Recorder(['r'], 0), new Recorder(['r'], 0)];
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 30_000; i++) {
      const c = { request: 0, atMs: 1000 + (i % 5000), latencyUs: Math.round(1000 + rand() * rand() * 200_000), status: i % 97 === 0 ? 500 : 200, bytes: 100 };
      all.record(c);
      shards[i % 3].record(c);
    }
    const merged = mergeSnapshots(shards.map((s) => s.snapshot(5)));
    const one = all.snapshot(5);
    const { encoded: _m, ...ms } = merged.latency;
    const { encoded: _o, ...os } = one.latency;
    expect(ms).toEqual(os);
    const [hm, ho] = [decode(merged.latency), decode(one.latency)];
    for (const p of [1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100]) expect(hm.getValueAtPercentile(p)).toBe(ho.getValueAtPercentile(p));
    expect(merged.counts).toEqual(one.counts);
    expect(merged.statusCodes).toEqual(one.statusCodes);
    expect(merged.timeline.map((t) => [t.requests, t.p99Ms])).toEqual(one.timeline.map((t) => [t.requests, t.p99Ms]));
    expect(hm.totalCount).toBe(30_000);
    expect(merged.counts.non2xx).toBe(Math.ceil(30_000 / 97));
  });
});

describe('--emit k8s-job', () => {
  it('is an Indexed Job whose pods each run one shard and write their JSON', () => {
    const yaml = k8sJob({ argv: ['loadtest', 'http://svc:8080/', '--rate', '2000', '-d', '5m', '--emit', 'k8s-job', '--shards', '4', '--threshold', 'latency.p95<50'], shards: 4 });
    const job = parse(yaml.replace(/^#.*\n/gm, ''));
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed', completions: 4, parallelism: 4, template: { spec: { restartPolicy: 'Never' } } } });
    const cmd = job.spec.template.spec.containers[0].command.join(' ');
    expect(cmd).toContain("perfkit loadtest http://svc:8080/ --rate 2000 -d 5m --threshold 'latency.p95<50' --shard $((JOB_COMPLETION_INDEX + 1))/4 --format json -o /results/shard-$JOB_COMPLETION_INDEX.json");
    expect(cmd).not.toContain('--emit');
    expect(yaml).toMatch(/perfkit loadtest merge shard-\*\.json/);
  });
});
