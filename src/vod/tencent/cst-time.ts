/**
 * Tencent's API times: `YYYY-MM-DD HH:MM:SS` in China Standard Time (UTC+8, no daylight saving), the
 * only zone the reference service speaks.
 */

const CST_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const CST_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** `2018-11-02 13:48:12` for a UNIX time in ms (the seconds are truncated). */
export function formatCst(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000 + CST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** UNIX ms of a CST time string; undefined unless it is exactly that shape and a real calendar time. */
export function parseCst(text: string): number | undefined {
  const m = CST_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2025-02-30 over to March; a round trip catches every out-of-range field.
  if (Number.isNaN(utc) || formatCst(utc - CST_OFFSET_MS) !== text) return undefined;
  return utc - CST_OFFSET_MS;
}

/** The CST calendar day of a time, as a day count: two times are on the same day when these are equal. */
export function cstDay(ms: number): number {
  return Math.floor((ms + CST_OFFSET_MS) / DAY_MS);
}

/** UNIX ms of the first and last second of a CST day (from `cstDay`). */
export function cstDayBounds(day: number): { first: number; last: number } {
  const first = day * DAY_MS - CST_OFFSET_MS;
  return { first, last: first + DAY_MS - 1000 };
}
