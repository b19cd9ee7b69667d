// Loads the trimmed Lighthouse 12.8.2 results in fixtures/lighthouse and turns them into runs and aggregates.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aggregateUrl } from '../../../src/lighthouse/aggregate.js';
import { runMetrics } from '../../../src/lighthouse/metrics.js';
import type { Lhr, RunMetrics, UrlAggregate } from '../../../src/lighthouse/model.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/lighthouse');
export const PAGES = ['heavy', 'fast', 'shift'] as const;
export type Page = (typeof PAGES)[number];

export function lhrs(page: Page): Lhr[] {
  return [1, 2, 3].map((n) => JSON.parse(fs.readFileSync(path.join(dir, `${page}-${n}.json`), 'utf8')) as Lhr);
}

export function runsOf(page: Page, o: { valueKeys?: string[]; firstPartyHostnames?: string[] } = {}): RunMetrics[] {
  return lhrs(page).map((lhr, i) => runMetrics(lhr, { run: i + 1, attempt: i + 1, wallMs: 1000, valueKeys: o.valueKeys ?? [], firstPartyHostnames: o.firstPartyHostnames }));
}

export function aggOf(page: Page, o: { valueKeys?: string[]; firstPartyHostnames?: string[]; label?: string } = {}): UrlAggregate {
  return aggregateUrl(`http://127.0.0.1:8765/${page}.html`, o.label ?? `/${page}.html`, runsOf(page, o), []);
}
