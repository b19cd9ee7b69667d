// What a load test sends, from the command line: --har, the config's loadtest.requests, or the flags
// (one request to the target), with the --expect-* checks.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandContext } from '../cli/context.js';
import { inputError, usageError } from '../cli/errors.js';
import type { LoadOptions } from './command.js';
import { bodyOf, checksOf, parseHeader, parsePath, requestsFromHar, resolveUrl, type Check, type RequestConfig, type RequestSpec } from './requests.js';

/** Requests from --har, the config's loadtest.requests, or the flags (one request to the target). */
export async function requestSpecs(ctx: CommandContext, o: LoadOptions, cfg: { requests?: RequestConfig[] }, target: string): Promise<RequestSpec[]> {
  const flagHeaders = Object.fromEntries((o.header ?? []).map((h) => parseHeader(h)));
  const flagChecks: Check[] = [];
  if (o.expectStatus !== undefined) {
    const codes = o.expectStatus.split(',').map((c) => Number(c.trim()));
    if (codes.some((c) => !Number.isInteger(c) || c < 100 || c > 599)) throw usageError(`--expect-status '${o.expectStatus}': not HTTP status codes`, 'write e.g. --expect-status 200,204');
    flagChecks.push({ status: codes });
  }
  if (o.expectBody !== undefined) flagChecks.push({ bodyContains: o.expectBody });
  for (const e of o.expectJson ?? []) {
    const i = e.indexOf('=');
    if (i <= 0) throw usageError(`--expect-json '${e}': not <path>=<json value>`, 'write e.g. --expect-json \'$.status="ok"\'');
    const p = e.slice(0, i).trim();
    parsePath(p, '--expect-json');
    let equals: unknown;
    try {
      equals = JSON.parse(e.slice(i + 1));
    } catch {
      equals = e.slice(i + 1);
    }
    flagChecks.push({ jsonPath: { path: p, equals } });
  }
  if (o.har) {
    const file = path.resolve(ctx.io.cwd, o.har);
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => Promise.reject(inputError(`--har ${o.har}: cannot read (${e.code === 'ENOENT' ? 'no such file' : e.code})`, 'check the path')));
    // Only the target's origin is loaded: a page's HAR also holds third-party requests.
    const origin = new URL(target).origin;
    const all = requestsFromHar(text, o.har);
    const mine = all.filter((r) => new URL(r.url).origin === origin);
    if (!mine.length) throw inputError(`--har ${o.har}: none of its ${all.length} requests goes to ${origin}`, `point the target at the HAR's origin, e.g. ${new URL(all[0].url).origin}`);
    return mine.map((r) => ({ ...r, headers: { ...r.headers, ...flagHeaders }, weight: 1, checks: flagChecks }));
  }
  if (cfg.requests?.length) {
    return Promise.all(
      cfg.requests.map(async (r, i) => {
        const where = `loadtest.requests[${i}]`;
        const body = await bodyOf(r, ctx.io.cwd, where);
        const headers = { ...(r.json !== undefined ? { 'content-type': 'application/json' } : {}), ...(r.headers ?? {}), ...flagHeaders };
        const method = (r.method ?? (body !== undefined ? 'POST' : 'GET')).toUpperCase();
        return { name: r.name ?? `${method} ${r.path ?? r.url ?? '/'}`, method, url: resolveUrl(target, r.url || r.path ? r : { path: '' }, where), headers, body, weight: r.weight ?? 1, checks: [...checksOf(r.expect, where), ...flagChecks] };
      }),
    );
  }
  let json: unknown;
  if (o.json !== undefined) {
    try {
      json = JSON.parse(o.json);
    } catch (e) {
      throw usageError(`--json: not JSON (${(e as Error).message.split('\n')[0]})`, 'quote it for the shell: --json \'{"a":1}\'');
    }
  }
  const body = await bodyOf({ body: o.body, json }, ctx.io.cwd, '--body');
  const method = (o.method ?? (body !== undefined ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw usageError(`--method '${o.method}': not an HTTP method`, 'write e.g. --method POST');
  const headers = { ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...flagHeaders };
  const u = new URL(target);
  return [{ name: `${method} ${u.pathname}${u.search}`, method, url: target, headers, body, weight: 1, checks: flagChecks }];
}
