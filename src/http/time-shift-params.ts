/**
 * Tencent CSS's time-shift query on a live HLS playlist (its "new time shifting" playback request):
 * `txTimeshift=on` and either
 * - `tsDelay={seconds}`: the live stream delayed by that much, or
 * - `tsStart` / `tsEnd` with `tsFormat`: the part of the stream between two wall-clock times.
 *   `tsFormat` is `unix_s` (Unix seconds) or `human_s_{zone}` (`YYYYMMDDhhmmss` in UTC+zone, zone −12…12).
 *   The span must be at least one segment and at most 6 hours.
 * `tsCodecname` names a transcoding template; LiveTape serves the original stream only, so it is refused.
 */
import type { TimeShift } from '../container/hls/live-window.js';

export class TimeShiftParamError extends Error {
  override readonly name = 'TimeShiftParamError';
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`);
  }
}

export interface TimeShiftLimits {
  /** The DVR window (s): no delay or start may reach further back than it keeps. */
  readonly maxDelaySec: number;
  /** One target segment duration (s): the shortest range. */
  readonly minSpanSec: number;
  readonly nowMs: number;
}

/** Tencent's limit on a range. */
export const MAX_RANGE_SEC = 6 * 3600;
const TS_PARAMS = ['tsDelay', 'tsStart', 'tsEnd', 'tsFormat', 'tsCodecname'] as const;
const FORMAT = /^(unix|human)_s(?:_([+-]?\d{1,2}))?$/;
const HUMAN = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/**
 * The time shift a playlist request asks for; undefined for a plain live playlist.
 * @throws TimeShiftParamError naming the first parameter that is wrong.
 */
export function parseTimeShift(query: URLSearchParams, limits: TimeShiftLimits): TimeShift | undefined {
  const on = query.get('txTimeshift');
  if (on === null) {
    const stray = TS_PARAMS.find((name) => query.has(name));
    if (stray !== undefined) throw new TimeShiftParamError(stray, 'needs txTimeshift=on');
    return undefined;
  }
  if (on !== 'on') throw new TimeShiftParamError('txTimeshift', `must be on, got ${JSON.stringify(on)}`);
  if (limits.maxDelaySec <= 0) {
    throw new TimeShiftParamError('txTimeshift', 'time shift is off on this server (LIVE_DVR_WINDOW=0)');
  }
  if (query.has('tsCodecname')) {
    throw new TimeShiftParamError('tsCodecname', 'LiveTape serves the original stream only (no transcoding)');
  }
  const delay = query.get('tsDelay');
  if (delay !== null) {
    const range = ['tsStart', 'tsEnd'].find((name) => query.has(name));
    if (range !== undefined) throw new TimeShiftParamError(range, 'cannot be combined with tsDelay');
    return { kind: 'delay', delayMs: wholeSeconds('tsDelay', delay, 1, limits.maxDelaySec) * 1000 };
  }
  const format = required(query, 'tsFormat');
  const parsedFormat = FORMAT.exec(format);
  const zone = parsedFormat?.[2] === undefined ? undefined : Number(parsedFormat[2]);
  if (!parsedFormat || (zone !== undefined && Math.abs(zone) > 12)) {
    throw new TimeShiftParamError('tsFormat', 'must be unix_s or human_s_{zone} with zone -12 to 12');
  }
  if (parsedFormat[1] === 'human' && zone === undefined) {
    throw new TimeShiftParamError('tsFormat', 'human_s needs a time zone, e.g. human_s_8');
  }
  const instant = (name: string) => {
    const text = required(query, name);
    return parsedFormat[1] === 'unix' ? unixSeconds(name, text) : humanTime(name, text, zone!);
  };
  const startMs = instant('tsStart');
  const endMs = instant('tsEnd');
  if (startMs >= limits.nowMs) throw new TimeShiftParamError('tsStart', 'must lie in the past');
  const spanSec = (endMs - startMs) / 1000;
  if (spanSec < limits.minSpanSec || spanSec > MAX_RANGE_SEC) {
    throw new TimeShiftParamError(
      'tsEnd',
      `must be ${limits.minSpanSec} s to ${MAX_RANGE_SEC} s after tsStart, got ${spanSec} s`,
    );
  }
  return { kind: 'range', startMs, endMs };
}

function required(query: URLSearchParams, name: string): string {
  const value = query.get(name);
  if (value === null || value === '') throw new TimeShiftParamError(name, 'is required with txTimeshift=on');
  return value;
}

function wholeSeconds(name: string, text: string, min: number, max: number): number {
  const n = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) {
    throw new TimeShiftParamError(name, `must be whole seconds ${min}–${max}, got ${JSON.stringify(text)}`);
  }
  return n;
}

function unixSeconds(name: string, text: string): number {
  if (!/^\d{1,11}$/.test(text)) {
    throw new TimeShiftParamError(name, `must be Unix seconds, got ${JSON.stringify(text)}`);
  }
  return Number(text) * 1000;
}

function humanTime(name: string, text: string, zoneHours: number): number {
  const m = HUMAN.exec(text);
  const [year, month, day, hour, minute, second] = (m ?? []).slice(1).map(Number) as number[];
  const utc = m ? Date.UTC(year!, month! - 1, day!, hour!, minute!, second!) : Number.NaN;
  const back = new Date(utc);
  // Date.UTC rolls 20230231 over into March: a date that does not round-trip does not exist.
  const exists =
    m !== null &&
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month! - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  if (!exists) {
    throw new TimeShiftParamError(name, `must be a time YYYYMMDDhhmmss, got ${JSON.stringify(text)}`);
  }
  return utc - zoneHours * 3600_000;
}
