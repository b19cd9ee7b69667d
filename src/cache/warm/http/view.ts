// The data of an HTTP warm, and its human view: the source, hit ratio before and after per variant, the
// URLs not HIT after verification, and the failed requests. Built from the same data JSON prints. Pure.
import type { Section } from '../../../report/model.js';
import { formatMs, formatNumber } from '../../../util/units.js';
import type { Outcome, Tally } from './outcome.js';
import type { SourceInfo } from './source.js';
import type { HeaderList } from './variants.js';

export interface TargetResult {
  url: string;
  /** the variant's label ('default' without --variant) */
  variant: string;
  /** the warm pass (its class is the cache state before warming); null when not sent */
  warm: Outcome | null;
  /** the verification pass; null with --no-verify, --dry-run, or when interrupted */
  verify: Outcome | null;
}

export interface VariantReport {
  label: string;
  /** the variant's own headers (added to the defaults and --header) */
  headers: HeaderList;
  warm: Tally | null;
  verify: Tally | null;
}

export interface HttpWarmData {
  dryRun: boolean;
  interrupted: boolean;
  source: SourceInfo;
  settings: {
    method: 'GET' | 'HEAD';
    concurrency: number;
    ratePerSec: number | null;
    timeoutMs: number;
    retries: number;
    verify: boolean;
    baseUrl: string | null;
    /** headers every request carries (defaults and --header), before the variant's own */
    headers: HeaderList;
  };
  variants: VariantReport[];
  totals: { warm: Tally | null; verify: Tally | null };
  /** one row per URL × variant, URLs in the order they were sent */
  results: TargetResult[];
}

const pct = (t: Tally | null) => (!t || t.hitRatio === null ? '–' : `${(t.hitRatio * 100).toFixed(1)}% (${t.hit}/${t.ok - t.unknown})`);
const cls = (o: Outcome | null) => (!o ? '–' : o.error ? (o.status === null ? 'error' : `error ${o.status}`) : o.cache ?? '–');
const cut = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function httpWarmView(d: HttpWarmData): Section[] {
  const out: Section[] = [];
  const s = d.source;
  const gz = s.sitemaps.filter((x) => x.gzip).length;
  const what =
    s.kind === 'sitemap'
      ? `sitemap ${s.from}: ${s.sitemaps.length} document${s.sitemaps.length === 1 ? '' : 's'} read${gz ? ` (${gz} gzipped)` : ''}, ${formatNumber(s.urlsFound)} URLs, ordered by ${s.order}`
      : `URL list ${s.from === '-' ? '(stdin)' : s.from}: ${formatNumber(s.urlsFound)} URLs`;
  const urls = new Set(d.results.map((r) => r.url)).size;
  const extra = [s.limit !== null ? `--limit ${s.limit}` : '', s.duplicates ? `${s.duplicates} duplicates dropped` : '', s.skippedCount ? `${s.skippedCount} skipped` : ''].filter(Boolean).join(', ');
  out.push({
    title: 'Source',
    kind: 'text',
    text: `${what}${extra ? ` (${extra})` : ''}; ${formatNumber(urls)} URLs × ${d.variants.length} variant${d.variants.length === 1 ? '' : 's'} with ${d.settings.method}, concurrency ${d.settings.concurrency}${d.settings.ratePerSec ? `, ≤ ${d.settings.ratePerSec}/s` : ''}${d.dryRun ? '; dry run: nothing was sent' : d.settings.verify ? '; then a verification pass' : '; no verification pass'}${d.interrupted ? '; INTERRUPTED' : ''}`,
  });

  if (d.dryRun) {
    out.push({
      title: `Would request (${formatNumber(d.results.length)} URL×variant pairs${d.results.length > 50 ? ', first 50' : ''})`,
      kind: 'table',
      columns: ['url', 'variant'],
      rows: d.results.slice(0, 50).map((r) => [r.url, r.variant]),
    });
    out.push({ title: 'Variants', kind: 'table', columns: ['variant', 'headers'], rows: d.variants.map((v) => [v.label, v.headers.map(([n, val]) => `${n}: ${val}`).join('; ') || '(defaults only)']) });
    return out;
  }

  const rows: Array<Array<string | number | null>> = d.variants.map((v) => [v.label, (v.warm?.requests ?? 0) + (v.verify?.requests ?? 0), pct(v.warm), d.settings.verify ? pct(v.verify) : 'not verified', (v.warm?.errors ?? 0) + (v.verify?.errors ?? 0), formatMs(v.warm?.p95Ms), d.settings.verify ? formatMs(v.verify?.p95Ms) : '–']);
  if (d.variants.length > 1) {
    const t = d.totals;
    rows.push(['all', (t.warm?.requests ?? 0) + (t.verify?.requests ?? 0), pct(t.warm), d.settings.verify ? pct(t.verify) : 'not verified', (t.warm?.errors ?? 0) + (t.verify?.errors ?? 0), formatMs(t.warm?.p95Ms), d.settings.verify ? formatMs(t.verify?.p95Ms) : '–']);
  }
  out.push({
    title: 'Hit ratio by variant (before = the warm pass, after = the verification pass)',
    kind: 'table',
    columns: ['variant', 'requests', 'hit before', 'hit after', 'errors', 'p95 before', 'p95 after'],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    rows,
  });

  const notHit = d.results.filter((r) => (d.settings.verify ? r.verify : r.warm) && cls(d.settings.verify ? r.verify : r.warm) !== 'HIT');
  if (notHit.length && d.settings.verify) {
    out.push({
      title: `Not HIT after verification (${formatNumber(notHit.length)}${notHit.length > 25 ? ', first 25' : ''})`,
      kind: 'table',
      columns: ['url', 'variant', 'before', 'after', 'status', 'cache-control'],
      rows: notHit.slice(0, 25).map((r) => [cut(r.url), r.variant, cls(r.warm), cls(r.verify), r.verify?.status ?? '–', r.verify?.cacheControl ?? '–']),
    });
  }
  const errors = d.results.flatMap((r) => [r.warm?.error ? { r, pass: 'warm', o: r.warm } : null, r.verify?.error ? { r, pass: 'verify', o: r.verify } : null]).filter((x): x is { r: TargetResult; pass: string; o: Outcome } => x !== null);
  if (errors.length) {
    out.push({
      title: `Failed requests (${formatNumber(errors.length)}${errors.length > 10 ? ', first 10' : ''})`,
      kind: 'table',
      columns: ['url', 'variant', 'pass', 'error', 'attempts'],
      rows: errors.slice(0, 10).map((e) => [cut(e.r.url), e.r.variant, e.pass, e.o.error, e.o.attempts]),
    });
  }
  return out;
}
