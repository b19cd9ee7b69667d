// Key names → namespaces. A key is split on the delimiters; segments that look like identifiers
// (numbers, UUIDs, hex hashes, dates, long tokens, e-mail and IP addresses) become `*`, so
// `user:1234:profile` groups as `user:*:profile`. Segments that are not recognisably IDs but take many
// values in the same place (user names, slugs) are folded to `*` later by the aggregator
// (foldNamespaces). Pure.

export interface Pattern {
  /** The namespace as printed: segments joined with the delimiters that separated them. */
  name: string;
  segments: string[];
  /** delims[i] sits between segments[i] and segments[i + 1]. */
  delims: string[];
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEX = /^(0x)?[0-9a-f]{8,}$/i;
const DATE = /^\d{4}-?\d{2}(-?\d{2})?([T _]\d{1,2}([.:]?\d{2}){0,2}(\.\d+)?Z?)?$/;
const PREFIXED_NUMBER = /^[A-Za-z_.-]{0,12}\d{3,}$/;
const TOKEN = /^[A-Za-z0-9_\-+/=]{16,}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Whether one segment of a key name is an identifier rather than part of the key's shape. */
export function isIdLike(segment: string): boolean {
  if (segment === '' || segment === '*') return false;
  if (/^-?\d+(\.\d+)?$/.test(segment)) return true;
  if (UUID.test(segment) || DATE.test(segment) || IPV4.test(segment)) return true;
  if (HEX.test(segment) && /\d/.test(segment)) return true;
  if (PREFIXED_NUMBER.test(segment)) return true;
  if (segment.includes('@') && segment.length > 3) return true;
  // Session ids, base64 digests, ULIDs, nanoids: long, and mixing letters and digits.
  if (TOKEN.test(segment) && /\d/.test(segment) && /[A-Za-z]/.test(segment)) return true;
  return false;
}

/** The pattern of one key name. `delimiters` is a set of single characters, e.g. ":" or ":/.". */
export function patternOf(key: string, delimiters: string): Pattern {
  const segments: string[] = [];
  const delims: string[] = [];
  let start = 0;
  for (let i = 0; i < key.length; i++) {
    if (delimiters.includes(key[i])) {
      segments.push(key.slice(start, i));
      delims.push(key[i]);
      start = i + 1;
    }
  }
  segments.push(key.slice(start));
  for (let i = 0; i < segments.length; i++) if (isIdLike(segments[i])) segments[i] = '*';
  return { name: joinPattern(segments, delims), segments, delims };
}

export function joinPattern(segments: string[], delims: string[]): string {
  let out = segments[0] ?? '';
  for (let i = 1; i < segments.length; i++) out += delims[i - 1] + segments[i];
  return out;
}

/** The group a pattern belongs to when its segment at `pos` is ignored. */
export function groupKey(p: Pattern, pos: number): string {
  return `${p.segments.length}\u0000${p.delims.join('')}\u0000${p.segments.map((s, i) => (i === pos ? '\u0001' : s)).join('\u0000')}`;
}

/** The same pattern with the segment at `pos` replaced by `*`. */
export function withWildcard(p: Pattern, pos: number): Pattern {
  const segments = p.segments.map((s, i) => (i === pos ? '*' : s));
  return { name: joinPattern(segments, p.delims), segments, delims: p.delims };
}

/** Folds, in place, the places of the patterns in `ns` that take `foldAt` or more values in the same group
 *  (the other places equal) into `*`, merging their entries with `merge`. `folded` remembers the groups
 *  folded, so later patterns of a folded group fold too. A few rounds: one fold can make another. */
export function foldNamespaces<T extends { pattern: Pattern }>(ns: Map<string, T>, folded: Map<string, number>, foldAt: number, merge: (into: T, from: T) => void): void {
  for (let round = 0; round < 4; round++) {
    let changed = false;
    const maxLen = Math.max(0, ...[...ns.values()].map((a) => a.pattern.segments.length));
    for (let pos = 0; pos < maxLen; pos++) {
      const groups = new Map<string, T[]>();
      for (const acc of ns.values()) {
        if (pos >= acc.pattern.segments.length) continue;
        const g = groupKey(acc.pattern, pos);
        const list = groups.get(g);
        if (list) list.push(acc);
        else groups.set(g, [acc]);
      }
      for (const [g, list] of groups) {
        const values = list.filter((a) => a.pattern.segments[pos] !== '*').length;
        if (values === 0 || (values < foldAt && !folded.has(g))) continue;
        folded.set(g, pos);
        const target = withWildcard(list[0].pattern, pos);
        for (const acc of list) {
          if (acc.pattern.name === target.name) continue;
          ns.delete(acc.pattern.name);
          const into = ns.get(target.name);
          if (into) merge(into, acc);
          else ns.set(target.name, { ...acc, pattern: target });
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
}

/** Key names as text: UTF-8 when the bytes are valid UTF-8, else escaped like redis-cli ("\xff"). */
export function keyText(key: Buffer): string {
  const s = key.toString('utf8');
  if (!s.includes('\uFFFD') || Buffer.from(s, 'utf8').equals(key)) return s;
  let out = '';
  for (const b of key) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : b === 0x5c ? '\\\\' : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}
