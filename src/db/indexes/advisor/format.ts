// Numbers in the advisor's sentences: costs with thousands separators, percentages, hourly rates.

/** 1234.5 → "1,235"; 42.25 → "42.3"; 0.5 → "0.5". */
export function fmtCost(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString('en-US', { maximumFractionDigits: Math.abs(n) >= 100 ? 0 : 1 });
}

/** 0.2049 → "20%"; 0.999 → "99.9%"; never below 0. */
export function fmtPct(fraction: number): string {
  const pct = Math.max(0, fraction * 100);
  return `${pct.toLocaleString('en-US', { maximumFractionDigits: pct >= 99 && pct < 100 ? 1 : 0 })}%`;
}

/** Two significant digits with separators: 1234 → "1,200"; 7.6 → "7.6". */
export function fmtRate(n: number): string {
  if (n >= 100) return Math.round(Number(n.toPrecision(2))).toLocaleString('en-US');
  return Number(n.toPrecision(2)).toLocaleString('en-US');
}

/** Saving of `after` against `before` as a fraction (0 when nothing or worse). */
export function savingOf(before: number, after: number): number {
  return before > 0 ? Math.max(0, 1 - after / before) : 0;
}
