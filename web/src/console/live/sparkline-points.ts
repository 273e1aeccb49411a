/**
 * Samples as SVG polyline points scaled into a `width`×`height` box: oldest at the left, zero at the
 * bottom and the highest value at 4/5 of the height, so a steady bitrate reads as a line, not a filled
 * box; '' below two samples.
 */
const HEADROOM = 0.8;

export function sparklinePoints(samples: readonly number[], width: number, height: number): string {
  if (samples.length < 2) return '';
  const max = Math.max(...samples, 1);
  const step = width / (samples.length - 1);
  const y = (value: number) => height - (Math.max(0, value) / max) * height * HEADROOM;
  return samples.map((value, i) => `${(i * step).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
}
