// What a load test sends: one request from the flags, several in sequence or as a weighted mix from the
// config, or the entries of a HAR file; bodies as text, a file or JSON; and the checks on each response
// (status, body contains, JSON path equals). Pure, except reading body files and the HAR.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inputError, usageError } from '../cli/errors.js';

export interface Check {
  status?: number[];
  bodyContains?: string;
  /** "$.a.b[0]" or "a.b.0" → the value it must equal. */
  jsonPath?: { path: string; equals: unknown };
}

export interface RequestSpec {
  name: string;
  method: string;
  /** Absolute URL. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  weight: number;
  checks: Check[];
}

/** One request as the config writes it (loadtest.requests[]). */
export interface RequestConfig {
  name?: string;
  method?: string;
  url?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  bodyFile?: string;
  json?: unknown;
  weight?: number;
  expect?: { status?: number | number[]; bodyContains?: string; jsonPath?: Record<string, unknown> };
}

export function parseHeader(h: string, flag = '--header'): [string, string] {
  const i = h.indexOf(':');
  if (i <= 0) throw usageError(`${flag} '${h}': not "Name: value"`, `write e.g. ${flag} "Authorization: Bearer …"`);
  const name = h.slice(0, i).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw usageError(`${flag} '${h}': '${name}' is not a header name`, `write e.g. ${flag} "Accept: application/json"`);
  return [name, h.slice(i + 1).trim()];
}

export async function bodyOf(b: { body?: string; bodyFile?: string; json?: unknown }, cwd: string, where: string): Promise<string | undefined> {
  if (b.json !== undefined) return JSON.stringify(b.json);
  if (b.bodyFile !== undefined) return readBodyFile(b.bodyFile, cwd, where);
  if (b.body !== undefined && b.body.startsWith('@')) return readBodyFile(b.body.slice(1), cwd, where);
  return b.body;
}

async function readBodyFile(file: string, cwd: string, where: string): Promise<string> {
  try {
    return await readFile(path.resolve(cwd, file), 'utf8');
  } catch (e) {
    throw inputError(`${where}: cannot read body file ${file} (${(e as NodeJS.ErrnoException).code})`, 'check the path (relative to the current folder)');
  }
}

export function resolveUrl(target: string, u: { url?: string; path?: string }, where: string): string {
  const raw = u.url ?? u.path ?? '';
  try {
    return new URL(raw, target).href;
  } catch {
    throw usageError(`${where}: '${raw}' is not a URL or a path under ${target}`, 'give an absolute URL or a path like /api/items');
  }
}

export function checksOf(e: RequestConfig['expect'], where: string): Check[] {
  if (!e) return [];
  const out: Check[] = [];
  if (e.status !== undefined) out.push({ status: Array.isArray(e.status) ? e.status : [e.status] });
  if (e.bodyContains !== undefined) out.push({ bodyContains: e.bodyContains });
  for (const [p, equals] of Object.entries(e.jsonPath ?? {})) {
    parsePath(p, where);
    out.push({ jsonPath: { path: p, equals } });
  }
  return out;
}

/** "$.items[0].id" / "items.0.id" → ['items', 0, 'id']. */
export function parsePath(p: string, where = 'jsonPath'): Array<string | number> {
  const s = p.replace(/^\$\.?/, '');
  if (!s) return [];
  const parts: Array<string | number> = [];
  for (const m of s.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : /^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
  if (!parts.length) throw usageError(`${where}: '${p}' is not a JSON path`, 'write e.g. $.items[0].id');
  return parts;
}

export const checkName = (c: Check): string =>
  c.status ? `status ${c.status.join('|')}` : c.bodyContains !== undefined ? `body contains ${JSON.stringify(c.bodyContains)}` : `${c.jsonPath!.path} == ${JSON.stringify(c.jsonPath!.equals)}`;

/** The checks a response fails (names), given its status and body. */
export function failedChecks(checks: Check[], status: number, body: string | undefined): string[] {
  const failed: string[] = [];
  let parsed: unknown;
  let parsedOk: boolean | undefined;
  for (const c of checks) {
    if (c.status && !c.status.includes(status)) failed.push(checkName(c));
    else if (c.bodyContains !== undefined && !(body ?? '').includes(c.bodyContains)) failed.push(checkName(c));
    else if (c.jsonPath) {
      if (parsedOk === undefined) {
        try {
          parsed = JSON.parse(body ?? '');
          parsedOk = true;
        } catch {
          parsedOk = false;
        }
      }
      let v: unknown = parsedOk ? parsed : undefined;
      for (const k of parsePath(c.jsonPath.path)) v = v === null || v === undefined ? undefined : (v as Record<string | number, unknown>)[k];
      if (!parsedOk || JSON.stringify(v) !== JSON.stringify(c.jsonPath.equals)) failed.push(checkName(c));
    }
  }
  return failed;
}

/** HAR 1.2 (a browser's "Save all as HAR") → requests, in order. */
export function requestsFromHar(text: string, label: string): Array<Omit<RequestSpec, 'checks' | 'weight'>> {
  let har: { log?: { entries?: Array<{ request?: { method?: string; url?: string; headers?: Array<{ name: string; value: string }>; postData?: { text?: string } } }> } };
  try {
    har = JSON.parse(text);
  } catch (e) {
    throw inputError(`--har ${label}: not JSON (${(e as Error).message.split('\n')[0]})`, 'export the HAR again from the browser (Network tab → Save all as HAR)');
  }
  const entries = har?.log?.entries;
  if (!Array.isArray(entries)) throw inputError(`--har ${label}: not a HAR file (no log.entries)`, 'export the HAR again from the browser (Network tab → Save all as HAR)');
  const out: Array<Omit<RequestSpec, 'checks' | 'weight'>> = [];
  entries.forEach((e, i) => {
    const r = e.request;
    if (!r?.url || !/^https?:/i.test(r.url)) return;
    const headers: Record<string, string> = {};
    // HTTP/2 pseudo-headers and hop-by-hop headers do not belong in a replay.
    for (const h of r.headers ?? []) if (!h.name.startsWith(':') && !/^(content-length|host|connection|accept-encoding)$/i.test(h.name)) headers[h.name] = h.value;
    out.push({ name: `${i + 1} ${(r.method ?? 'GET').toUpperCase()} ${new URL(r.url).pathname}`, method: (r.method ?? 'GET').toUpperCase(), url: r.url, headers, body: r.postData?.text });
  });
  if (!out.length) throw inputError(`--har ${label}: no http(s) requests in it`, 'record the page again with the Network tab open');
  return out;
}

/** Picks requests by weight with a deterministic sequence (smooth weighted round robin), so a mix is exact. */
export function weightedPicker(specs: RequestSpec[], mode: 'sequence' | 'mix'): () => number {
  if (mode === 'sequence' || specs.length === 1) {
    let i = -1;
    return () => (i = (i + 1) % specs.length);
  }
  const total = specs.reduce((s, r) => s + r.weight, 0);
  const current = specs.map(() => 0);
  return () => {
    let best = 0;
    for (let i = 0; i < specs.length; i++) {
      current[i] += specs[i].weight;
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    return best;
  };
}
