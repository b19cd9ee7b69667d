// CloudFront's rules as pure functions: path encoding and tags, the in-flight limits and the waves that
// respect them, the idempotent CallerReference, the request XML, the cost estimate and --collapse.
import { normalizeWith } from './common.js';
import { createHash } from 'node:crypto';
import type { Batch, CdnProvider, ItemKind, PurgeItem } from '../../cdn/provider.js';

/** Invalidation.md ("Concurrent invalidation request maximum", path rules) and the pricing notes in research §3.1. */
export const CLOUDFRONT_LIMITS = {
  pathsPerRequest: 3_000,
  inflightPaths: 3_000,
  inflightWildcards: 15,
  maxPathLength: 4_000,
  maxTagLength: 256,
  freePathsPerMonth: 1_000,
  usdPerPath: 0.005,
} as const;

export const CLOUDFRONT_API_VERSION = '2020-05-31';
export const CLOUDFRONT_DEFAULT_ENDPOINT = 'https://cloudfront.amazonaws.com';
/** Polling: 2 s doubling to 20 s, ±20 % jitter (the AWS waiter starts at 20 s; most invalidations finish sooner). */
export const POLL = { firstMs: 2_000, maxMs: 20_000 } as const;

// RFC 1738 "unsafe" characters, which CloudFront wants percent-encoded; everything else must stay as it is.
// '~' belongs here: a literal '~' is refused with InvalidArgument (aws/aws-sdk-js-v3#4042).
const UNSAFE = new Set([...' <>"#%{}|\\^~[]`']);

/** Percent-encodes non-ASCII, control and RFC 1738 unsafe characters; leaves `%XX` escapes as they are. */
export function encodePath(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; ) {
    const ch = String.fromCodePoint(p.codePointAt(i)!);
    if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test(p.slice(i + 1, i + 3))) {
      out += p.slice(i, i + 3);
      i += 3;
      continue;
    }
    const code = ch.codePointAt(0)!;
    if (code > 0x20 && code < 0x7f && !UNSAFE.has(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    i += ch.length;
  }
  return out;
}

const isWildcard = (i: PurgeItem) => i.kind !== 'tag' && (i.kind === 'all' || i.value.endsWith('*'));
/** What goes into Paths.Items: tags with their '#'. */
export const wirePath = (i: PurgeItem) => (i.kind === 'tag' ? `#${i.value}` : i.kind === 'all' ? '/*' : i.value);

type Normalized = { item: PurgeItem } | { why: string };

/** One item → a CloudFront path (leading '/', encoded, '*' only last, ≤ 4,000 chars) or tag, or why not. */
export function normalizeItem(item: PurgeItem): Normalized {
  if (item.kind === 'all') return { item: { kind: 'path', value: '/*' } };
  if (item.kind === 'tag' || (item.kind === 'path' && item.value.trim().startsWith('#'))) return normalizeTag(item.value.trim().replace(/^#/, ''));
  let raw: string;
  if (item.kind === 'url') {
    let u: URL;
    try {
      u = new URL(item.value.trim());
    } catch {
      return { why: 'not a URL' };
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return { why: `CloudFront paths come from http(s) URLs, not ${u.protocol}` };
    raw = u.pathname + u.search; // the host is the distribution's; a fragment never reaches CloudFront
  } else if (item.kind === 'path') {
    raw = item.value.trim();
    if (!raw.startsWith('/')) raw = `/${raw}`;
  } else {
    return { why: `CloudFront cannot purge by ${item.kind}: give paths, URLs, #tags or --all` };
  }
  const star = raw.indexOf('*');
  if (star >= 0 && star !== raw.length - 1) return { why: "CloudFront allows '*' only as the last character of a path (e.g. /images/*)" };
  const value = encodePath(raw);
  if (value.length > CLOUDFRONT_LIMITS.maxPathLength) return { why: `path is ${value.length} characters once encoded; CloudFront takes at most ${CLOUDFRONT_LIMITS.maxPathLength}` };
  return { item: { kind: 'path', value } };
}

function normalizeTag(tag: string): Normalized {
  if (!tag) return { why: 'empty cache tag' };
  if (tag.length > CLOUDFRONT_LIMITS.maxTagLength) return { why: `cache tag is ${tag.length} characters; CloudFront takes at most ${CLOUDFRONT_LIMITS.maxTagLength}` };
  if (tag.includes('*')) return { why: "cache tags take no '*' wildcard on CloudFront" };
  if (![...tag].every((c) => c.charCodeAt(0) >= 33 && c.charCodeAt(0) <= 126 && c !== ',')) return { why: 'cache tags are visible ASCII (33–126) without commas or spaces' };
  return { item: { kind: 'tag', value: tag } };
}

export function normalizeItems(items: PurgeItem[]): ReturnType<CdnProvider['normalize']> {
  return normalizeWith(items, normalizeItem);
}

/** How much of the in-flight allowance some paths use. A tag is counted as a file path: AWS publishes no
 *  separate quota for tags (unverified). */
export function inflightUse(paths: string[]): { paths: number; wildcards: number } {
  const wildcards = paths.filter((p) => !p.startsWith('#') && p.endsWith('*')).length;
  return { paths: paths.length - wildcards, wildcards };
}

/** Batches of ≤ 3,000 paths, one kind each, in waves whose totals stay within 3,000 paths and 15 wildcards
 *  in flight: wave n+1 is sent once enough of wave n has completed. */
export function planWaves(items: PurgeItem[]): Batch[] {
  const wild = items.filter((i) => i.kind !== 'tag' && isWildcard(i));
  const files = items.filter((i) => i.kind !== 'tag' && !isWildcard(i));
  const tags = items.filter((i) => i.kind === 'tag');
  const batches: Batch[] = [];
  for (let wave = 0; wild.length || files.length || tags.length; wave++) {
    const w = wild.splice(0, CLOUDFRONT_LIMITS.inflightWildcards);
    const f = files.splice(0, CLOUDFRONT_LIMITS.inflightPaths);
    const t = tags.splice(0, CLOUDFRONT_LIMITS.inflightPaths - f.length);
    const paths = [...w, ...f];
    for (let i = 0; i < paths.length; i += CLOUDFRONT_LIMITS.pathsPerRequest) batches.push({ kind: 'path', items: paths.slice(i, i + CLOUDFRONT_LIMITS.pathsPerRequest), wave });
    if (t.length) batches.push({ kind: 'tag', items: t, wave });
  }
  return batches;
}

/** Stable for the same distribution, paths (in any order) and run: a retry of a batch returns the
 *  invalidation it already created. The run id keeps tomorrow's identical purge from being a no-op. */
export function callerReference(distributionId: string, paths: string[], runId: string): string {
  const h = createHash('sha256').update(distributionId).update('\n').update([...paths].sort().join('\n')).digest('hex');
  return `perfkit-${runId}-${h.slice(0, 32)}`;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The CreateInvalidation body, as the SDK serializes it. */
export function invalidationBatchXml(callerRef: string, paths: string[]): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/${CLOUDFRONT_API_VERSION}/">` +
    `<Paths><Quantity>${paths.length}</Quantity><Items>${paths.map((p) => `<Path>${xmlEscape(p)}</Path>`).join('')}</Items></Paths>` +
    `<CallerReference>${xmlEscape(callerRef)}</CallerReference></InvalidationBatch>`
  );
}

/** Paths a month beyond the free 1,000 at $0.005; a wildcard or a tag counts as one path. */
export function estimateCloudFrontCost(items: PurgeItem[]): { billablePaths: number; estimatedCostUsd: number; note: string } {
  const n = items.length;
  const billablePaths = Math.max(0, n - CLOUDFRONT_LIMITS.freePathsPerMonth);
  const usd = (x: number) => Math.round(x * CLOUDFRONT_LIMITS.usdPerPath * 1000) / 1000;
  const note =
    `${n} invalidation path${n === 1 ? '' : 's'} (a wildcard or a tag counts as one); the first 1,000 a month are free per AWS account ` +
    `across all distributions, and perfkit cannot see how many were already used this month: with none left this costs $${usd(n).toFixed(3)}. ` +
    `$0.005 per path (AWS price as quoted by secondary sources); tag invalidation pricing is unverified and counted like a path`;
  return { billablePaths, estimatedCostUsd: usd(billablePaths), note };
}

/** --collapse: drops paths a given wildcard already covers, then replaces the paths under a directory by
 *  `dir/*` where that lowers the count, biggest savings first, within the 15 wildcards one wave allows.
 *  The root never collapses (that is --all). Note that `dir/*` also covers dir's subdirectories. */
export function collapsePaths(items: PurgeItem[], maxWildcards: number = CLOUDFRONT_LIMITS.inflightWildcards): ReturnType<NonNullable<CdnProvider['collapse']>> {
  const given = items.filter((i) => i.kind !== 'tag' && isWildcard(i)).map((i) => ({ item: i, prefix: wirePath(i).slice(0, -1), covers: 0 }));
  const others = items.filter((i) => i.kind === 'tag');
  let files: PurgeItem[] = [];
  for (const f of items.filter((i) => i.kind !== 'tag' && !isWildcard(i))) {
    const w = given.find((g) => f.value.startsWith(g.prefix));
    if (w) w.covers++;
    else files.push(f);
  }
  const dirOf = (p: string) => {
    const bare = p.split('?')[0]!;
    return bare.slice(0, bare.lastIndexOf('/') + 1);
  };
  const ancestors = (p: string) => {
    const d = dirOf(p);
    const out: string[] = [];
    for (let i = d.indexOf('/', 1); i > 0; i = d.indexOf('/', i + 1)) out.push(d.slice(0, i + 1));
    return out;
  };
  const coverage = new Map<string, number>();
  for (const f of files) for (const a of ancestors(f.value)) coverage.set(a, (coverage.get(a) ?? 0) + 1);
  const candidates = new Set(files.map((f) => dirOf(f.value)).filter((d) => d !== '/'));
  const made: Array<{ prefix: string; covers: number }> = [];
  let slots = Math.max(0, maxWildcards - given.length);
  while (slots > 0) {
    let best: string | undefined;
    for (const c of candidates) if ((coverage.get(c) ?? 0) >= 2 && (best === undefined || coverage.get(c)! > coverage.get(best)!)) best = c;
    if (!best) break;
    const covered = files.filter((f) => f.value.startsWith(best));
    files = files.filter((f) => !f.value.startsWith(best));
    for (const f of covered) for (const a of ancestors(f.value)) coverage.set(a, coverage.get(a)! - 1);
    for (const c of [...candidates]) if (c.startsWith(best)) candidates.delete(c);
    made.push({ prefix: best, covers: covered.length });
    slots--;
  }
  // A new /a/* makes a given /a/b/* redundant.
  const kept = given.filter((g) => {
    const m = made.find((x) => g.prefix.startsWith(x.prefix));
    if (m) m.covers += 1 + g.covers;
    return !m;
  });
  return {
    items: [...kept.map((g) => g.item), ...made.map((m) => ({ kind: 'path' as ItemKind, value: `${m.prefix}*` })), ...files, ...others],
    replaced: [...kept.filter((g) => g.covers > 0).map((g) => ({ wildcard: wirePath(g.item), covers: g.covers })), ...made.map((m) => ({ wildcard: `${m.prefix}*`, covers: m.covers }))],
  };
}
