// Findings of an HTTP warm: failed requests, what the cache still does not serve after warming (and why,
// from the response's own headers), bypassed and unclassifiable responses, variants that share one
// cached object, and what was skipped or cut from the source. Pure.
import type { Finding } from '../../../report/model.js';
import { CACHE_STATUS_HINT } from './classify.js';
import type { Outcome } from './outcome.js';
import type { HttpWarmData, TargetResult } from './view.js';

const EXAMPLES = 5;

export function warmFindings(d: HttpWarmData): Finding[] {
  if (d.dryRun) return sourceFindings(d);
  return [...errorFindings(d), ...notHitFindings(d), ...unclassified(d), ...sharedVariants(d), ...varyHints(d), ...redirects(d), ...sourceFindings(d), ...interrupted(d)];
}

const pairs = (n: number) => `${n} URL×variant pair${n === 1 ? '' : 's'}`;
const label = (r: TargetResult) => (r.variant === 'default' ? r.url : `${r.url} [${r.variant}]`);

function group<K>(rows: TargetResult[], key: (r: TargetResult) => K | undefined): Map<K, TargetResult[]> {
  const m = new Map<K, TargetResult[]>();
  for (const r of rows) {
    const k = key(r);
    if (k === undefined) continue;
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

function errorFindings(d: HttpWarmData): Finding[] {
  const failed: Array<{ r: TargetResult; o: Outcome; pass: 'warm' | 'verify' }> = [];
  for (const r of d.results) {
    if (r.warm?.error) failed.push({ r, o: r.warm, pass: 'warm' });
    if (r.verify?.error) failed.push({ r, o: r.verify, pass: 'verify' });
  }
  const byError = new Map<string, typeof failed>();
  for (const f of failed) {
    const key = f.o.error!.replace(/ \(after \d+ attempts\)$/, '');
    byError.set(key, [...(byError.get(key) ?? []), f]);
  }
  return [...byError.entries()].map(([error, list]) => {
    const o = list[0]!.o;
    const targets = new Set(list.map((f) => label(f.r))).size;
    const status = o.status;
    const fix = o.unreachable
      ? 'check that the server is up and the URL (or --base-url) names the right host and port; a slow server needs a longer --timeout'
      : status === 429
        ? 'the server rate-limits perfkit: lower --rate or --concurrency'
        : status !== null && status >= 500
          ? 'the origin or the cache failed: check its logs; a lower --rate or --concurrency eases the load'
          : status === 404 || status === 410
            ? 'remove the URL from the list or sitemap, or fix the page: a warmer that fills the cache with 404s helps nobody'
            : 'check the URL and the headers sent (--header, --variant)';
    return {
      rule: 'warm-http-error',
      severity: 'error' as const,
      title: `Requests failed: ${error}`,
      message: `${list.length} request${list.length === 1 ? '' : 's'} (${pairs(targets)}) failed: ${error}. E.g. ${label(list[0]!.r)}.`,
      location: list[0]!.r.url,
      evidence: { requests: list.length, targets, passes: [...new Set(list.map((f) => f.pass))], attempts: o.attempts, examples: [...new Set(list.map((f) => label(f.r)))].slice(0, EXAMPLES) },
      fix,
    };
  });
}

/** Why a cache would not keep this response, read from its headers. */
export function storeBlockers(o: Pick<Outcome, 'cacheControl' | 'setCookie' | 'vary'>): string[] {
  const why: string[] = [];
  const cc = (o.cacheControl ?? '').toLowerCase();
  if (/\bno-store\b/.test(cc)) why.push('Cache-Control: no-store forbids any cache to keep it');
  if (/\bprivate\b/.test(cc)) why.push('Cache-Control: private forbids shared caches to keep it');
  if (/\bno-cache\b/.test(cc)) why.push('Cache-Control: no-cache makes every use go back to the origin');
  if (/\b(s-maxage|max-age)\s*=\s*0\b/.test(cc) && !/\bs-maxage\s*=\s*[1-9]/.test(cc)) why.push('max-age=0 makes it stale at once');
  if (o.setCookie) why.push('it sets a cookie (Set-Cookie), and most caches (Varnish’s built-in VCL, CloudFront by default) do not store such responses');
  const vary = (o.vary ?? '').toLowerCase();
  if (/(^|,)\s*\*\s*(,|$)/.test(vary)) why.push('Vary: * makes every request its own variant');
  else if (/\b(cookie|user-agent)\b/.test(vary)) why.push(`Vary: ${o.vary} splits the cache into a variant per ${/cookie/.test(vary) ? 'cookie' : 'browser version'}`);
  if (!cc && !why.length) why.push('it has no Cache-Control, so the cache falls back to its default TTL (often 0 for a CDN) or a rule that excludes this path');
  return why;
}

function notHitFindings(d: HttpWarmData): Finding[] {
  const out: Finding[] = [];
  // What the cache does now: the verification pass, or the warm pass when there is none.
  const latest = (r: TargetResult): Outcome | null => (d.settings.verify ? r.verify : r.warm);
  // A miss on the warm pass is what warming is for: only a verification miss says the cache did not keep it.
  const rows = !d.settings.verify ? [] : d.results.filter((r) => {
    const o = latest(r);
    return o && !o.error && (o.cache === 'MISS' || o.cache === 'EXPIRED' || o.cache === 'STALE');
  });
  const byWhy = group(rows, (r) => {
    const o = latest(r)!;
    return `${o.cache === 'STALE' ? 'STALE' : 'MISS'}\n${o.cacheControl ?? ''}\n${o.setCookie}\n${o.vary ?? ''}`;
  });
  for (const list of byWhy.values()) {
    const o = latest(list[0]!)!;
    const stale = o.cache === 'STALE';
    const why = stale ? ['the cache served an expired copy instead of the one the warm pass fetched'] : storeBlockers(o);
    out.push({
      rule: stale ? 'warm-http-stale' : 'warm-http-not-stored',
      severity: 'warn',
      title: stale ? 'Served stale after warming' : 'Still not a cache hit after warming',
      message: `${pairs(list.length)} ${list.length === 1 ? 'was' : 'were'} still ${[...new Set(list.map((r) => latest(r)!.cache))].join('/')} on the verification pass: ${why.join('; ')}. E.g. ${label(list[0]!)}.`,
      location: list[0]!.url,
      evidence: { targets: list.length, cacheControl: o.cacheControl, setCookie: o.setCookie, vary: o.vary, [o.by ?? 'header']: o.value, examples: list.slice(0, EXAMPLES).map(label) },
      fix: stale
        ? 'check the object’s TTL and grace/stale-while-revalidate: warming right after it expires serves the old copy'
        : 'have the origin send Cache-Control: public, s-maxage=<seconds> (no Set-Cookie, no private/no-store) for these URLs, or change the cache’s rule for them',
    });
  }
  const bypassed = group(d.results, (r) => {
    const o = latest(r);
    return o && !o.error && (o.cache === 'BYPASS' || o.cache === 'DYNAMIC') ? `${o.cache}\n${o.by}\n${o.value}` : undefined;
  });
  for (const list of bypassed.values()) {
    const o = latest(list[0]!)!;
    out.push({
      rule: 'warm-http-bypassed',
      severity: 'warn',
      title: `The cache does not store these (${o.cache})`,
      message: `${pairs(list.length)} came back ${o.cache} (${o.by}: ${o.value}): the cache passes them to the origin by rule, so warming cannot fill it. E.g. ${label(list[0]!)}.`,
      location: list[0]!.url,
      evidence: { targets: list.length, [o.by ?? 'header']: o.value, cacheControl: o.cacheControl, examples: list.slice(0, EXAMPLES).map(label) },
      fix: 'if these should be cached, change the cache rule that bypasses them (a cookie, a path rule, a header); otherwise drop them from the warm list',
    });
  }
  return out;
}

function unclassified(d: HttpWarmData): Finding[] {
  let n = 0;
  let ok = 0;
  let example: TargetResult | undefined;
  for (const r of d.results) {
    for (const o of [r.warm, r.verify]) {
      if (!o || o.error) continue;
      ok++;
      if (o.cache === 'UNKNOWN') {
        n++;
        example ??= r;
      }
    }
  }
  if (!n) return [];
  const all = n === ok;
  return [
    {
      rule: 'warm-http-no-cache-status',
      severity: 'info',
      title: all ? 'No response said whether it came from a cache' : 'Some responses did not say whether they came from a cache',
      message: `${n} of ${ok} responses had no Cache-Status, CF-Cache-Status, X-Cache, X-Cache-Status, X-Varnish or non-zero Age header, so they count as UNKNOWN${all ? ' and no hit ratio can be computed' : ' and are left out of the hit ratios'}. E.g. ${label(example!)}.`,
      location: example!.url,
      evidence: { responses: n, of: ok, examples: [label(example!)] },
      fix: CACHE_STATUS_HINT,
    },
  ];
}

/** Variant j came back HIT right after an earlier variant of the same URL missed: one object serves both. */
function sharedVariants(d: HttpWarmData): Finding[] {
  if (d.variants.length < 2) return [];
  const labels = d.variants.map((v) => v.label);
  const counts = new Map<string, { first: string; then: string; urls: number }>();
  const byUrl = group(d.results, (r) => r.url);
  let checked = 0;
  for (const rows of byUrl.values()) {
    const cls = labels.map((l) => rows.find((r) => r.variant === l)?.warm?.cache ?? null);
    if (!cls.some((c) => c === 'MISS' || c === 'EXPIRED')) continue;
    checked++;
    for (let j = 1; j < cls.length; j++) {
      if (cls[j] !== 'HIT') continue;
      // the nearest earlier miss: the variant most likely to have filled the object this one hit
      let i = j - 1;
      while (i >= 0 && cls[i] !== 'MISS' && cls[i] !== 'EXPIRED') i--;
      if (i < 0) continue;
      const key = `${labels[i]}\n${labels[j]}`;
      const c = counts.get(key) ?? { first: labels[i]!, then: labels[j]!, urls: 0 };
      c.urls++;
      counts.set(key, c);
    }
  }
  return [...counts.values()]
    .filter((c) => c.urls >= Math.max(1, Math.ceil(checked / 2)))
    .map((c) => ({
      rule: 'warm-http-variants-shared',
      severity: 'info' as const,
      title: `Variants '${c.first}' and '${c.then}' share one cached object`,
      message: `For ${c.urls} of ${checked} URLs, '${c.then}' was a HIT right after '${c.first}' missed: the cache serves both from one object (Varnish with http_gzip_support, for one, stores one gzipped copy and serves every Accept-Encoding from it), so warming '${c.then}' separately adds requests but fills nothing new.`,
      evidence: { urls: c.urls, of: checked, first: c.first, then: c.then },
      fix: `drop --variant '${c.then}', or check that the cache really is meant to serve both from one object`,
    }));
}

/** Responses Vary on headers the variants do not vary: the users' other values are not warmed. */
function varyHints(d: HttpWarmData): Finding[] {
  const varied = new Set(d.variants.flatMap((v) => v.headers.map(([n]) => n.toLowerCase())));
  const names = new Map<string, { name: string; count: number }>();
  for (const r of d.results) {
    for (const name of (r.warm?.vary ?? '').split(',').map((s) => s.trim())) {
      const n = name.toLowerCase();
      if (!n || n === '*' || n === 'accept-encoding' || n === 'origin' || n === 'cookie' || varied.has(n)) continue;
      const e = names.get(n) ?? { name, count: 0 };
      e.count++;
      names.set(n, e);
    }
  }
  return [...names.values()].map(({ name, count }) => ({
    rule: 'warm-http-vary-not-warmed',
    severity: 'info' as const,
    title: `Responses Vary on ${name}, which no variant sets`,
    message: `${count} responses carry Vary: ${name}. The cache keeps one object per ${name} value, and only the value perfkit sent (or none) was warmed.`,
    evidence: { responses: count, header: name },
    fix: `add a --variant "${name}: <value>" for each value your users send`,
  }));
}

function redirects(d: HttpWarmData): Finding[] {
  const rows = d.results.filter((r) => r.warm && !r.warm.error && r.warm.status !== null && r.warm.status >= 300 && r.warm.status < 400);
  if (!rows.length) return [];
  const byUrl = [...new Set(rows.map((r) => r.url))];
  return [
    {
      rule: 'warm-http-redirect',
      severity: 'info',
      title: 'Some URLs redirect',
      message: `${byUrl.length} URL${byUrl.length === 1 ? '' : 's'} answered ${rows[0]!.warm!.status} (to ${rows[0]!.warm!.location ?? '?'}): the cache stores the redirect, not the page it points to, which was not warmed.`,
      location: byUrl[0],
      evidence: { urls: byUrl.length, examples: byUrl.slice(0, EXAMPLES) },
      fix: 'list the final URLs (the Location targets) in the URL list or sitemap',
    },
  ];
}

function sourceFindings(d: HttpWarmData): Finding[] {
  const s = d.source;
  const out: Finding[] = [];
  if (s.skippedCount) {
    const first = s.skipped[0]!;
    out.push({
      rule: 'warm-http-skipped-input',
      severity: 'warn',
      title: s.kind === 'url-list' ? 'Lines of the URL list were skipped' : 'Entries of the sitemap were skipped',
      message: `${s.skippedCount} ${s.kind === 'url-list' ? 'line' : 'entry'}${s.skippedCount === 1 ? ' was' : s.kind === 'url-list' ? 's were' : 'ies were'} skipped, e.g. ${first.where}: '${first.text}' ${first.reason}.`,
      location: first.where,
      evidence: { skipped: s.skippedCount, examples: s.skipped.slice(0, EXAMPLES) },
      fix: 'fix or remove those entries; --on-error stop makes a bad entry stop the run',
    });
  }
  for (const f of s.failedSitemaps) {
    out.push({
      rule: 'warm-http-sitemap-failed',
      severity: 'warn',
      title: 'A child sitemap could not be read',
      message: `${f.location}: ${f.error}. Its URLs were not warmed.`,
      location: f.location,
      evidence: { sitemap: f.location, error: f.error },
      fix: 'fix the sitemap or its <loc> in the index; --on-error stop makes this stop the run',
    });
  }
  if (s.truncated) {
    out.push({
      rule: 'warm-http-source-capped',
      severity: 'warn',
      title: 'Not every URL of the source was read',
      message: `perfkit reads at most ${s.cap.toLocaleString('en-US')} distinct URLs (and 1,000 sitemaps) per run; the rest of the source was not read${s.order === 'lastmod' || s.order === 'priority' ? `, so the ${s.order} order covers only what was read` : ''}.`,
      evidence: { cap: s.cap, read: s.urlsFound },
      fix: 'split the source (several sitemaps or lists, one run each), or warm the most important URLs first with --order and --limit',
    });
  }
  return out;
}

function interrupted(d: HttpWarmData): Finding[] {
  if (!d.interrupted) return [];
  const sent = d.results.filter((r) => r.warm).length;
  return [
    {
      rule: 'warm-http-interrupted',
      severity: 'warn',
      title: 'Interrupted',
      message: `The run was interrupted after ${sent} of ${d.results.length} URL×variant pairs of the warm pass${d.settings.verify ? '; the verification covers only what was warmed, if it ran at all' : ''}.`,
      evidence: { warmed: sent, of: d.results.length },
      fix: 'run it again: what is already cached shows as HIT before',
    },
  ];
}
