// The flags of an HTTP warm, checked once into a plan: one usage error per bad flag, naming it. Pure.
import { usageError } from '../../../cli/errors.js';
import { numberFlag } from '../../../util/flags.js';
import { parseDuration } from '../../../util/units.js';
import type { SitemapOrder } from './sitemap.js';
import { parseHeader, parseVariants, type HeaderList, type Variant } from './variants.js';

/** commander's raw option values, strings unless noted */
export interface HttpWarmFlags {
  /** file path ('-' = stdin URL list), or the http(s) URL of a sitemap */
  from: string;
  /** 'GET' (default) | 'HEAD' */
  method?: string;
  /** repeatable: "Accept-Encoding: gzip", "Accept-Encoding: br; Accept-Language: de", or a preset */
  variant?: string[];
  /** repeatable: "Name: value" for every request */
  header?: string[];
  concurrency?: string;
  rate?: string;
  timeout?: string;
  retries?: string;
  /** false with --no-verify */
  verify?: boolean;
  baseUrl?: string;
  /** 'lastmod' (default) | 'priority' | 'none' */
  order?: string;
  limit?: string;
  dryRun?: boolean;
  /** 'continue' (default) | 'stop' */
  onError?: string;
}

export interface HttpWarmPlan {
  from: string;
  method: 'GET' | 'HEAD';
  variants: Variant[];
  headers: HeaderList;
  concurrency: number;
  ratePerSec: number | undefined;
  timeoutMs: number;
  retries: number;
  verify: boolean;
  baseUrl: URL | undefined;
  order: SitemapOrder | undefined;
  limit: number | undefined;
  dryRun: boolean;
  onError: 'continue' | 'stop';
}

export const MAX_CONCURRENCY = 256;
export const MAX_RETRIES = 10;

export function planOf(f: HttpWarmFlags): HttpWarmPlan {
  if (!f.from || !f.from.trim()) throw usageError('--from: no source given', 'write e.g. --from urls.txt or --from https://www.example.com/sitemap.xml');
  const method = (f.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') throw usageError(`--method '${f.method}': HTTP warming sends GET or HEAD`, 'write --method GET (fills the cache with the body) or --method HEAD');
  const concurrency = numberFlag(f.concurrency, '--concurrency', 8, { min: 1, integer: true });
  if (concurrency > MAX_CONCURRENCY) throw usageError(`--concurrency ${concurrency}: at most ${MAX_CONCURRENCY}`, `write e.g. --concurrency 16 (be gentle with the origin behind a cold cache)`);
  let ratePerSec: number | undefined;
  if (f.rate !== undefined) {
    ratePerSec = numberFlag(f.rate, '--rate', 50);
    if (ratePerSec <= 0) throw usageError(`--rate '${f.rate}': must be more than 0 requests per second`, 'write e.g. --rate 50, or leave it out for no cap');
  }
  const timeoutMs = f.timeout === undefined ? 10_000 : parseDuration(f.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) throw usageError(`--timeout '${f.timeout}': not a duration`, 'write e.g. --timeout 10s or --timeout 2500ms');
  const retries = numberFlag(f.retries, '--retries', 2, { integer: true });
  if (retries > MAX_RETRIES) throw usageError(`--retries ${retries}: at most ${MAX_RETRIES}`, 'write e.g. --retries 2');
  let baseUrl: URL | undefined;
  if (f.baseUrl !== undefined) {
    try {
      baseUrl = new URL(f.baseUrl);
    } catch {
      baseUrl = undefined;
    }
    if (!baseUrl || (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:')) throw usageError(`--base-url '${f.baseUrl}': not an http(s) URL`, 'write e.g. --base-url https://www.example.com');
  }
  let order: SitemapOrder | undefined;
  if (f.order !== undefined) {
    if (f.order !== 'lastmod' && f.order !== 'priority' && f.order !== 'none') throw usageError(`--order '${f.order}': unknown order`, 'use lastmod (newest first), priority (highest first) or none (as listed)');
    order = f.order;
  }
  const limit = f.limit !== undefined ? numberFlag(f.limit, '--limit', 100, { min: 1, integer: true }) : undefined;
  const onError = f.onError ?? 'continue';
  if (onError !== 'continue' && onError !== 'stop') throw usageError(`--on-error '${f.onError}': unknown mode`, 'use continue (skip bad lines, report them) or stop');
  return {
    from: f.from.trim(),
    method,
    variants: parseVariants(f.variant),
    headers: (f.header ?? []).map((h) => parseHeader(h, '--header')),
    concurrency,
    ratePerSec,
    timeoutMs,
    retries,
    verify: f.verify !== false,
    baseUrl,
    order,
    limit,
    dryRun: Boolean(f.dryRun),
    onError,
  };
}
