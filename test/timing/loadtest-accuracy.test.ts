// The one test that is about time: open-model accuracy against a server that answers exactly 20 ms after
// each request arrives. It runs in its own group after every other test file (vitest.config.ts), so the
// two cores are not shared with other tests while it measures.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReport, runCli } from '../helpers/cli.js';

let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((_req, res) => {
    const t0 = performance.now();
    // A timer for most of the 20 ms (timers fire late), then yielding until it is time.
    const spin = () => (performance.now() - t0 >= 20 ? res.end('ok') : setImmediate(spin));
    setTimeout(spin, 18);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('loadtest open-model accuracy', () => {
  it('against a 20 ms server at 200 req/s: p50 within 19–22 ms, latency from the planned send', { retry: 2 }, async () => {
    const r = await runCli(['loadtest', url, '--rate', '200', '-d', '3s', '--warmup', '1s', '--format', 'json'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const rep = parseReport(r.stdout);
    expect(rep.data.model).toBe('open');
    expect(rep.summary['latency.p50']).toBeGreaterThanOrEqual(19);
    expect(rep.summary['latency.p50']).toBeLessThanOrEqual(22);
    expect(rep.summary['uncorrected.p50']).toBeLessThanOrEqual(rep.summary['latency.p50']);
    expect(rep.summary.requests).toBeGreaterThanOrEqual(590);
    expect(rep.summary.requests).toBeLessThanOrEqual(610);
    expect(rep.summary.valid).toBe(1);
  });
});
