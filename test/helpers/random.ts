// Seeded randomness for statistical tests: the same draws on every run and machine.

/** mulberry32: a small, fast 32-bit PRNG; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Box–Muller; 1 − r() keeps the logarithm away from 0. */
export const normal = (r: () => number, mu: number, sd: number) => mu + sd * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

export const draw = (r: () => number, n: number, mu: number, sd: number) => Array.from({ length: n }, () => normal(r, mu, sd));
