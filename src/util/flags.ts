// Numeric command-line flags, checked once, with one usage error naming the flag and an example.
import { usageError } from '../cli/errors.js';

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
