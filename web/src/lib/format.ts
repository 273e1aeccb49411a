/**
 * How the pages write numbers and times for people: durations, sizes, bitrates, dates. Pure functions,
 * locale-aware where the browser's Intl is (dates), fixed units elsewhere so columns line up.
 */

/** `1:05:09` or `5:09` (from milliseconds); `0:00` for anything not a positive number. */
export function formatDuration(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** A point in a video to a tenth of a second, for marks: `0:05.5`, `1:02:05.0`. */
export function formatClock(ms: number): string {
  const tenths = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 100) % 10 : 0;
  return `${formatDuration(ms)}.${tenths}`;
}

const SIZE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** Decimal units, as disks and download dialogs count: `812 B`, `1.4 MB`, `23 GB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < SIZE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : trimmed(value)} ${SIZE_UNITS[unit]}`;
}

/** `850 kbit/s`, `2.5 Mbit/s` (from bit/s). */
export function formatBitrate(bitsPerSecond: number): string {
  if (!Number.isFinite(bitsPerSecond) || bitsPerSecond <= 0) return '0 kbit/s';
  if (bitsPerSecond >= 1_000_000) return `${trimmed(bitsPerSecond / 1_000_000)} Mbit/s`;
  return `${Math.round(bitsPerSecond / 1000)} kbit/s`;
}

/** Three significant digits at most, without a trailing `.0`: 1.4, 23, 512. */
function trimmed(value: number): string {
  return value >= 100 ? String(Math.round(value)) : String(Number(value.toPrecision(2)));
}

/** `2d 3h`, `1h 05m`, `4m 09s`, `12s`: how long something has been running (from seconds). */
export function formatUptime(seconds: number): string {
  const s = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s >= 86_400) return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${s}s`;
}

const TIME_PARTS: Intl.DateTimeFormatOptions = {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
};
const THIS_YEAR = new Intl.DateTimeFormat(undefined, TIME_PARTS);
const OTHER_YEAR = new Intl.DateTimeFormat(undefined, { ...TIME_PARTS, year: 'numeric' });

/**
 * An ISO time in the viewer's time zone and language, with the year only when it is not this year
 * (table columns stay narrow); the raw text when it does not parse.
 */
export function formatDateTime(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (date.getFullYear() === now.getFullYear() ? THIS_YEAR : OTHER_YEAR).format(date);
}

/** `1280×720`, or `—` for audio-only files. */
export function formatResolution(width: number | null, height: number | null): string {
  return width && height ? `${width}×${height}` : '—';
}

/**
 * A `<input type=date>` value (`YYYY-MM-DD`, a day in the viewer's time zone) as the epoch milliseconds
 * of that day's local midnight; `dayOffset` 1 gives the next midnight, the exclusive end of the day.
 * Undefined for an empty or malformed value.
 */
export function localDayStart(value: string, dayOffset = 0): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(year, month - 1, day + dayOffset);
  return Number.isNaN(date.getTime()) ? undefined : date.getTime();
}
