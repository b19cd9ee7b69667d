// What CDN provider modules share.

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
