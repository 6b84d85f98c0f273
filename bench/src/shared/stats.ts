/** Small statistics helpers for per-round ratios. */

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function min(xs: readonly number[]): number {
  return xs.length ? Math.min(...xs) : Number.NaN;
}

export function max(xs: readonly number[]): number {
  return xs.length ? Math.max(...xs) : Number.NaN;
}

/** `1.07×` */
export function fmtRatio(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
}

/** `1.07× (1.01–1.15)`: median and the min–max of per-round ratios. */
export function fmtRatioSpread(xs: readonly number[]): string {
  if (xs.length === 0) return 'n/a';
  return `${fmtRatio(median(xs))} (${fmtRatio(min(xs)).slice(0, -1)}–${fmtRatio(max(xs))})`;
}

export function fmtMs(x: number): string {
  if (!Number.isFinite(x)) return '–';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
