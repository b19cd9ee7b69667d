// Numeric and duration command-line flags, checked once, with one usage error naming the flag and an example.
import { usageError } from '../cli/errors.js';
import { parseDuration } from './units.js';

export function numberFlag(value: string | undefined, flag: string, fallback: number, opts: { min?: number; integer?: boolean } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const min = opts.min ?? 0;
  if (value.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || n < min) {
    const what = opts.integer ? (min >= 1 ? 'a positive whole number' : 'a whole number') : `a number ≥ ${min}`;
    throw usageError(`${flag} '${value}': not ${what}`, `write e.g. ${flag} ${fallback}`);
  }
  return n;
}

/** '30s', '500ms', '2m' → ms. Zero only with allowZero; the example in the fix is the fallback, written short. */
export function durationFlag(value: string | undefined, flag: string, fallback: number, opts: { allowZero?: boolean; example?: string } = {}): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined || (ms === 0 && !opts.allowZero)) throw usageError(`${flag} '${value}': not a duration`, `write e.g. ${flag} ${opts.example ?? shortDuration(fallback)}`);
  return ms;
}

function shortDuration(ms: number): string {
  for (const [unit, f] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms >= f && ms % f === 0) return `${ms / f}${unit}`;
  return `${ms}ms`;
}
