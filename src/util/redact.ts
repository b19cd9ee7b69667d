// Secret redaction for every output path: reports, errors, hints. Pure.

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^:@\/\s]*):([^@\/\s]+)@/gi;
const KEY_VALUE = /\b(password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|client[_-]?secret|authorization)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+\/=-]{8,}/g;

export const REDACTED = '***';
// One cheap test first: most strings in a report (plan details, numbers as text) hold no secret.
const MAYBE = /@|pass|pwd|token|secret|key|authorization|bearer|basic/i;

/** Redacts passwords in URLs, key=value secrets and bearer tokens, plus any literal secrets given. */
export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  if (MAYBE.test(text)) {
    out = text
      .replace(URL_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
      .replace(KEY_VALUE, (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`)
      .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  }
  for (const s of secrets) {
    if (s && s.length >= 3 && out.includes(s)) out = out.split(s).join(REDACTED);
  }
  return out;
}

/** Redacts every string inside a JSON-like value. */
export function redactDeep<T>(value: T, secrets: Iterable<string> = []): T {
  const list = [...secrets];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, list);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
