// What CDN provider modules share.
import type { PurgeItem } from '../../cdn/provider.js';

/** An absolute http(s) URL without its fragment (a CDN never sees fragments), or undefined. */
export function fullUrl(value: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  u.hash = '';
  return u.href;
}

/** For CDNs that purge full URLs: a URL item normalized, or why not (a path, or not an http(s) URL). */
export function fullUrlItem(item: PurgeItem, why: string): PurgeItem | string {
  const url = item.kind === 'url' ? fullUrl(item.value) : undefined;
  return url ? { kind: 'url', value: url } : why;
}

/** Normalizes each item (or says why not) and drops duplicates; tags compare without case (every CDN
 *  treats them so), other values exactly. */
export function normalizeWith(items: PurgeItem[], one: (item: PurgeItem) => { item: PurgeItem } | { why: string }): { items: PurgeItem[]; rejected: Array<{ item: PurgeItem; why: string }> } {
  const out: PurgeItem[] = [];
  const rejected: Array<{ item: PurgeItem; why: string }> = [];
  const seen = new Set<string>();
  for (const item of items) {
    const n = one(item);
    if ('why' in n) {
      rejected.push({ item, why: n.why });
      continue;
    }
    const key = `${n.item.kind}\u0000${n.item.kind === 'tag' ? n.item.value.toLowerCase() : n.item.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(n.item);
  }
  return { items: out, rejected };
}
