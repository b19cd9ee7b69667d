// Number formatting for finding messages: thousands separators, ms/s, kB/MB, percentages.

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function ms(v: number): string {
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 100) return `${Math.round(v)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}

export function pct(v: number): string {
  return v >= 10 || v === 0 ? `${Math.round(v)}%` : `${v.toFixed(1)}%`;
}

export function kb(v: number): string {
  if (v >= 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} GB`;
  if (v >= 10 * 1024) return `${Math.round(v / 1024)} MB`;
  if (v >= 1024) return `${(v / 1024).toFixed(1)} MB`;
  return `${Math.round(v)} kB`;
}

/** 8 kB pages, PostgreSQL's default block size. */
export function blocks(n: number): string {
  return `${int(n)} blocks (${kb(n * 8)})`;
}

export function factor(v: number): string {
  return v >= 100 ? int(v) : v.toFixed(1).replace(/\.0$/, '');
}

export const plural = (n: number, one: string, many = `${one}s`) => `${int(n)} ${Math.round(n) === 1 ? one : many}`;

export const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/** A work_mem value (power of two, with headroom) that fits `neededKb`: '64MB', '256kB'. */
export function workMemFor(neededKb: number): string {
  let size = 64;
  while (size < neededKb) size *= 2;
  return size >= 1024 ? `${size / 1024}MB` : `${size}kB`;
}

/** Parses a PostgreSQL memory setting ('4MB', '64kB', '1GB', '4096' = kB) to kB. */
export function settingKb(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(kB|MB|GB|TB)?$/i.exec(v.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'kB').toUpperCase();
  const mult = unit === 'KB' ? 1 : unit === 'MB' ? 1024 : unit === 'GB' ? 1024 ** 2 : 1024 ** 3;
  return Number(m[1]) * mult;
}
