// Classifies one HTTP response as HIT, MISS, EXPIRED, STALE, BYPASS, DYNAMIC or UNKNOWN from the
// cache-status headers caches add. Pure: takes lower-cased response headers, returns a verdict.
//
// Headers are read in this order; the first one present decides:
//   1. Cache-Status (RFC 9211). A list, first member closest to the origin, LAST member closest to the
//      client: the last member is the cache we are warming. `hit` → HIT (a negative `ttl` → STALE: the
//      RFC's "stale hit"); `fwd=stale` → EXPIRED (the RFC calls `fwd=stale; fwd-status=304` "a miss that
//      validated": the cache had it, expired, and asked the origin); `fwd=bypass|method|request` → BYPASS;
//      `fwd=miss|uri-miss|vary-miss|partial` → MISS.
//   2. CF-Cache-Status (Cloudflare): HIT, MISS, EXPIRED, STALE, BYPASS, DYNAMIC as named; REVALIDATED
//      → HIT (served from cache after a 304 from the origin: the object is fresh in cache again);
//      UPDATING → STALE (served an expired copy while the origin is asked); NONE/UNKNOWN → DYNAMIC
//      (Cloudflare says the response was not eligible for caching).
//   3. X-Cache (Fastly, Varnish VCLs, CloudFront, Akamai, Squid). A comma list when shielding: as with
//      Cache-Status the LAST entry is the server closest to the client ("MISS, HIT": the shield once
//      missed, this edge hit). CloudFront: "Hit from cloudfront" and "RefreshHit" → HIT, "Miss" → MISS,
//      "Redirect", "LambdaGeneratedResponse", "FunctionGeneratedResponse" → DYNAMIC, "Error",
//      "LimitExceeded" → UNKNOWN. Akamai/Squid TCP_*: REFRESH_MISS → EXPIRED, *MISS* → MISS, *HIT* → HIT.
//   4. X-Cache-Status (nginx's $upstream_cache_status by convention): HIT, MISS, EXPIRED, STALE, BYPASS;
//      UPDATING → STALE, REVALIDATED → HIT.
//   5. X-Varnish (every Varnish response): two transaction ids → HIT, one → MISS (or pass).
//   6. Age alone: > 0 → HIT (some cache on the way stored it); 0 or absent → UNKNOWN.

export const CACHE_CLASSES = ['HIT', 'MISS', 'EXPIRED', 'STALE', 'BYPASS', 'DYNAMIC', 'UNKNOWN'] as const;
export type CacheClass = (typeof CACHE_CLASSES)[number];

export type Headers = Record<string, string | string[] | undefined>;

export interface Verdict {
  cache: CacheClass;
  /** The header that decided (lower case), or null when none was present. */
  by: 'cache-status' | 'cf-cache-status' | 'x-cache' | 'x-cache-status' | 'x-varnish' | 'age' | null;
  /** That header's raw value. */
  value: string | null;
}

const get = (h: Headers, name: string): string | undefined => {
  const v = h[name];
  if (v === undefined) return undefined;
  const s = Array.isArray(v) ? v.join(', ') : v;
  return s.trim() === '' ? undefined : s.trim();
};

export function classify(headers: Headers): CacheClass {
  return classifyResponse(headers).cache;
}

export function classifyResponse(headers: Headers): Verdict {
  const cs = get(headers, 'cache-status');
  if (cs !== undefined) return { cache: fromCacheStatus(cs), by: 'cache-status', value: cs };
  const cf = get(headers, 'cf-cache-status');
  if (cf !== undefined) return { cache: fromCfCacheStatus(cf), by: 'cf-cache-status', value: cf };
  const xc = get(headers, 'x-cache');
  if (xc !== undefined) return { cache: fromXCache(lastEntry(xc)), by: 'x-cache', value: xc };
  const xcs = get(headers, 'x-cache-status');
  if (xcs !== undefined) return { cache: fromXCache(lastEntry(xcs)), by: 'x-cache-status', value: xcs };
  const xv = get(headers, 'x-varnish');
  if (xv !== undefined && /^\d+(\s+\d+)?$/.test(lastEntry(xv))) return { cache: lastEntry(xv).split(/\s+/).length === 2 ? 'HIT' : 'MISS', by: 'x-varnish', value: xv };
  const age = get(headers, 'age');
  if (age !== undefined) return { cache: /^\d+$/.test(age) && Number(age) > 0 ? 'HIT' : 'UNKNOWN', by: 'age', value: age };
  return { cache: 'UNKNOWN', by: null, value: null };
}

function lastEntry(v: string): string {
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  return parts[parts.length - 1] ?? '';
}

// ---- RFC 9211 ---------------------------------------------------------------------------------------
export interface CacheStatusMember {
  cache: string;
  params: Record<string, string | number | boolean>;
}

/** Parses a Cache-Status field value (a Structured Fields List of items with parameters). Lenient:
 *  quoted strings may hold commas and semicolons; unknown syntax is kept as a string. */
export function parseCacheStatus(value: string): CacheStatusMember[] {
  return splitOutsideQuotes(value, ',')
    .map((m) => m.trim())
    .filter(Boolean)
    .map((m) => {
      const [head, ...rest] = splitOutsideQuotes(m, ';').map((s) => s.trim());
      const params: CacheStatusMember['params'] = {};
      for (const p of rest) {
        if (!p) continue;
        const eq = p.indexOf('=');
        const key = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
        params[key] = eq < 0 ? true : bareValue(p.slice(eq + 1).trim());
      }
      return { cache: unquote(head ?? ''), params };
    });
}

function bareValue(v: string): string | number | boolean {
  if (v === '?1') return true;
  if (v === '?0') return false;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return unquote(v);
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/\\(["\\])/g, '$1') : s;
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted && ch === '\\' && i + 1 < s.length) {
      cur += ch + s[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function fromCacheStatus(value: string): CacheClass {
  const last = parseCacheStatus(value).at(-1);
  if (!last) return 'UNKNOWN';
  const p = last.params;
  if (p.hit === true) return typeof p.ttl === 'number' && p.ttl < 0 ? 'STALE' : 'HIT';
  const fwd = typeof p.fwd === 'string' ? p.fwd.toLowerCase() : undefined;
  switch (fwd) {
    case 'stale':
      return 'EXPIRED';
    case 'bypass':
    case 'method':
    case 'request':
      return 'BYPASS';
    case 'miss':
    case 'uri-miss':
    case 'vary-miss':
    case 'partial':
      return 'MISS';
    default:
      return 'UNKNOWN';
  }
}

// ---- Cloudflare ---------------------------------------------------------------------------------------
const CF: Record<string, CacheClass> = {
  HIT: 'HIT',
  MISS: 'MISS',
  EXPIRED: 'EXPIRED',
  STALE: 'STALE',
  BYPASS: 'BYPASS',
  DYNAMIC: 'DYNAMIC',
  REVALIDATED: 'HIT',
  UPDATING: 'STALE',
  NONE: 'DYNAMIC',
  UNKNOWN: 'DYNAMIC',
};

function fromCfCacheStatus(value: string): CacheClass {
  return CF[value.trim().toUpperCase()] ?? 'UNKNOWN';
}

// ---- X-Cache and friends --------------------------------------------------------------------------------
const WORD: Record<string, CacheClass> = {
  HIT: 'HIT',
  MISS: 'MISS',
  EXPIRED: 'EXPIRED',
  STALE: 'STALE',
  BYPASS: 'BYPASS',
  PASS: 'BYPASS',
  DYNAMIC: 'DYNAMIC',
  UPDATING: 'STALE',
  REVALIDATED: 'HIT',
  REFRESHHIT: 'HIT',
  REDIRECT: 'DYNAMIC',
  LAMBDAGENERATEDRESPONSE: 'DYNAMIC',
  FUNCTIONGENERATEDRESPONSE: 'DYNAMIC',
  ERROR: 'UNKNOWN',
  LIMITEXCEEDED: 'UNKNOWN',
};

function fromXCache(entry: string): CacheClass {
  // "HIT", "Hit from cloudfront", "HIT: 3", "TCP_MEM_HIT from a23-1-2-3.deploy.akamaitechnologies.com"
  const word = (entry.split(/[\s:(]/)[0] ?? '').toUpperCase();
  if (WORD[word]) return WORD[word];
  if (/^TCP_|^UDP_/.test(word)) {
    const parts = word.split('_');
    if (parts.includes('REFRESH') && parts.includes('MISS')) return 'EXPIRED';
    if (parts.includes('MISS')) return 'MISS';
    if (parts.includes('HIT')) return 'HIT';
    if (parts.includes('DENIED')) return 'BYPASS';
  }
  return 'UNKNOWN';
}

/** Which header a cache should add so that its responses can be classified (for a finding's fix). */
export const CACHE_STATUS_HINT =
  'have the cache add a Cache-Status header (RFC 9211), or X-Cache: HIT|MISS — Varnish: set resp.http.X-Cache in vcl_deliver from obj.hits; nginx: add_header X-Cache-Status $upstream_cache_status';
