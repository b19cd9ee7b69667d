// What to purge: arguments, --from-file, stdin, the typed flags (--tag, --prefix, --host, --cpcode,
// --ban, --all) and --changed-since (what git says a deploy changed under the build folder).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CommandContext } from '../cli/context.js';
import { inputError, usageError } from '../cli/errors.js';
import type { CdnOptions } from './command.js';
import type { PurgeItem } from './provider.js';

/** Arguments, --from-file, stdin, the typed flags and --changed-since → items. */
export async function gatherItems(ctx: CommandContext, o: CdnOptions, baseUrl: string | undefined): Promise<PurgeItem[]> {
  const lines: string[] = [];
  for (const a of ctx.args) {
    if (a === '-') lines.push(...(await ctx.io.readStdin()).split(/\r?\n/));
    else lines.push(a);
  }
  if (o.fromFile) {
    const text = o.fromFile === '-' ? await ctx.io.readStdin() : await (await import('../util/read-input.js')).readTextInput(path.resolve(ctx.io.cwd, o.fromFile), 'list of paths or URLs', '--from-file');
    lines.push(...text.split(/\r?\n/));
  }
  const items: PurgeItem[] = [];
  for (const raw of lines) {
    const l = raw.trim();
    if (!l || l.startsWith('//') || (l.startsWith('#') && l.startsWith('# '))) continue; // blank lines and "# comments"
    if (l.startsWith('#')) items.push({ kind: 'tag', value: l.slice(1) });
    // A URL, or a URL with the headers of a custom cache key: {"url": …, "headers": {…}} (Cloudflare).
    else if (/^https?:\/\//i.test(l) || l.startsWith('{')) items.push({ kind: 'url', value: l });
    else if (baseUrl) items.push({ kind: 'url', value: joinUrl(baseUrl, l) });
    else items.push({ kind: 'path', value: l.startsWith('/') ? l : `/${l}` });
  }
  for (const t of o.tag ?? []) items.push({ kind: 'tag', value: t });
  for (const p of o.prefix ?? []) items.push({ kind: 'prefix', value: p });
  for (const h of o.host ?? []) items.push({ kind: 'host', value: h });
  for (const c of o.cpcode ?? []) {
    if (!/^\d+$/.test(c)) throw usageError(`--cpcode '${c}': not a CP code`, 'CP codes are numbers, e.g. --cpcode 123456');
    items.push({ kind: 'cpcode', value: c });
  }
  for (const b of o.ban ?? []) items.push({ kind: 'ban', value: b });
  if (o.all) items.push({ kind: 'all', value: '*' });
  if (o.changedSince !== undefined) items.push(...(await changedSince(ctx, o, baseUrl)));
  // The same item twice costs twice on some providers.
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = `${i.kind}\u0000${i.value}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function joinUrl(base: string, p: string): string {
  return `${base.replace(/\/+$/, '')}/${p.replace(/^\/+/, '')}`;
}

/** What a deploy changed: `git diff --name-only <ref>` under --dir, as URLs under --base-url. An
 *  index.html also purges its directory URL ("/docs/" for "docs/index.html"). */
async function changedSince(ctx: CommandContext, o: CdnOptions, baseUrl: string | undefined): Promise<PurgeItem[]> {
  if (!o.dir) throw usageError('--changed-since needs --dir', 'name the build folder whose files map to URLs, e.g. --dir public');
  const dir = path.resolve(ctx.io.cwd, o.dir);
  const run = promisify(execFile);
  let top: string;
  try {
    top = (await run('git', ['rev-parse', '--show-toplevel'], { cwd: dir })).stdout.trim();
  } catch (e) {
    const msg = (e as { stderr?: string }).stderr?.trim() || (e as Error).message;
    throw inputError(`--dir ${o.dir}: not inside a git repository (${msg.split('\n')[0]})`, 'run perfkit inside the checkout, or list the paths yourself with --from-file');
  }
  let out: string;
  try {
    out = (await run('git', ['diff', '--name-only', '--no-renames', '-z', o.changedSince as string, '--', dir], { cwd: top, maxBuffer: 64 << 20 })).stdout;
  } catch (e) {
    const msg = (e as { stderr?: string }).stderr?.trim() || (e as Error).message;
    throw inputError(`--changed-since ${o.changedSince}: git cannot diff against it (${msg.split('\n')[0]})`, 'use a commit, tag or branch git knows here (in CI, fetch enough history: fetch-depth: 0)');
  }
  const rel = path.relative(top, dir);
  const items: PurgeItem[] = [];
  for (const f of out.split('\0').filter(Boolean)) {
    const inside = rel ? path.relative(rel, f) : f;
    if (inside.startsWith('..')) continue;
    const urlPath = `/${inside.split(path.sep).map(encodeURIComponent).join('/')}`;
    const paths = [urlPath];
    if (/(^|\/)index\.html?$/.test(urlPath)) paths.push(urlPath.replace(/index\.html?$/, ''));
    for (const p of paths) items.push(baseUrl ? { kind: 'url', value: joinUrl(baseUrl, p) } : { kind: 'path', value: p });
  }
  return items;
}
