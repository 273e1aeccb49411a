/** `timeScale / ticksPerFrame` rounded to 1/1000 (29.97002997… → 29.97), undefined when meaningless. */
export function frameRateFromTicks(timeScale: number, ticksPerFrame: number): number | undefined {
  if (timeScale === 0 || ticksPerFrame === 0) return undefined;
  return Math.round((timeScale / ticksPerFrame) * 1000) / 1000;
}
