/**
 * Axis arithmetic for the small SVG charts: "nice" tick values and a linear map. Hand-written
 * because the charts need only this (about 1 kB), where uPlot or chart.js would add 20–70 kB gzip.
 */

/** Round tick values covering [min, max], about `count` of them (1, 2 or 5 times a power of ten). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = start; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** The [lo, hi] of every finite value, or null when there is none. */
export function extent(values: Iterable<number | null | undefined>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v == null || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Maps [d0, d1] onto [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** Short label for a tick value: no trailing zeros, at most 3 significant decimals. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  return String(Number(v.toPrecision(3)));
}

/**
 * Labels for an axis's ticks: tickLabel's short form, or, where that form would show two ticks
 * alike, as many decimals as the step between them needs (a loss curve from 1.0985 to 1.0995 read
 * "1.1" on every tick).
 */
export function tickLabels(ticks: number[]): string[] {
  const short = ticks.map(tickLabel);
  if (ticks.length < 2 || new Set(short).size === short.length) return short;
  const step = Math.abs(ticks[1] - ticks[0]);
  const decimals = Math.min(12, Math.max(0, -Math.floor(Math.log10(step))));
  return ticks.map((v) => String(Number(v.toFixed(decimals))));
}
