/**
 * `Live_Tape_GetFilelist` (spec §4.2, §4.3): its parameters, and each file in exactly the shape of the
 * captured real response — every value a string (or null), times in China Standard Time.
 */
import type { RecordingRow } from '../../catalog/recording-row.js';
import type { RecordingFormat } from '../../catalog/schema.js';
import { cstDay, cstDayBounds, formatCst, parseCst } from './cst-time.js';

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;
/** Pages past this would skip more rows than any stream has; refusing them bounds the OFFSET. */
export const MAX_PAGE_NO = 1_000_000;

export interface FileListParams {
  readonly channelId: string;
  readonly pageNo: number;
  readonly pageSize: number;
  readonly order: 'asc' | 'desc';
  /** Start-time window (ms, inclusive), always within one CST day when set. */
  readonly from?: number;
  readonly to?: number;
}

export type ParsedParams =
  | { readonly ok: true; readonly params: FileListParams }
  | { readonly ok: false; readonly message: string };

/** `message` names the offending parameter. */
export function parseFileListParams(query: URLSearchParams): ParsedParams {
  const channelId = single(query, 'Param.s.channel_id');
  if (channelId === undefined || channelId === '') return invalid('Param.s.channel_id is required');
  const pageNo = integerParam(query, 'Param.n.page_no', 1, 1, MAX_PAGE_NO);
  if (typeof pageNo === 'string') return invalid(pageNo);
  const pageSize = integerParam(query, 'Param.n.page_size', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  if (typeof pageSize === 'string') return invalid(pageSize);
  const sort = (single(query, 'Param.s.sort_type') ?? 'asc').toLowerCase();
  if (sort !== 'asc' && sort !== 'desc') return invalid('Param.s.sort_type must be asc or desc');
  const window = timeWindow(query);
  if (typeof window === 'string') return invalid(window);
  return { ok: true, params: { channelId, pageNo, pageSize, order: sort, ...window } };
}

/** A window given by one end covers the rest of that end's CST day. */
function timeWindow(query: URLSearchParams): { from?: number; to?: number } | string {
  const startText = single(query, 'Param.s.start_time');
  const endText = single(query, 'Param.s.end_time');
  if (startText === undefined && endText === undefined) return {};
  const from = startText === undefined ? undefined : parseCst(startText);
  if (startText !== undefined && from === undefined) return 'Param.s.start_time must be YYYY-MM-DD HH:MM:SS';
  const to = endText === undefined ? undefined : parseCst(endText);
  if (endText !== undefined && to === undefined) return 'Param.s.end_time must be YYYY-MM-DD HH:MM:SS';
  if (from !== undefined && to !== undefined) {
    if (to < from) return 'Param.s.end_time is before Param.s.start_time';
    if (cstDay(from) !== cstDay(to)) return 'Param.s.start_time and Param.s.end_time must be on the same day';
    return { from, to: to + 999 };
  }
  const day = cstDayBounds(cstDay((from ?? to)!));
  return { from: from ?? day.first, to: (to ?? day.last) + 999 };
}

function integerParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number | string {
  const text = single(query, name);
  if (text === undefined) return fallback;
  const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  return value >= min && value <= max ? value : `${name} must be an integer ${min}–${max}`;
}

/** A parameter given twice counts once, as first given. */
function single(query: URLSearchParams, name: string): string | undefined {
  return query.get(name) ?? undefined;
}

function invalid(message: string): ParsedParams {
  return { ok: false, message: `invalid input param: ${message}` };
}

/** Numeric `file_format` codes (1 FLV, 2 HLS, 3 MP4, 4 AAC), as in the captured response. */
export const FILE_FORMAT_CODES: Readonly<Record<RecordingFormat, string>> = {
  flv: '1',
  hls: '2',
  mp4: '3',
  aac: '4',
};

/** What Tencent showed for a file kept forever: 2^31 − 1 seconds, in CST. */
export const NEVER_EXPIRES = '2038-01-19 11:14:07';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface FileEntryContext {
  readonly appid: string;
  /** RETENTION_DAYS; 0 keeps files forever. */
  readonly retentionDays: number;
  /** The file's playback URL (signed when playback is). */
  url(row: RecordingRow): string;
}

/** One `file_list` item; keys in the captured response's (alphabetical) order. */
export function fileListEntry(row: RecordingRow, ctx: FileEntryContext): Record<string, string | null> {
  const endTime = row.endTime ?? row.startTime + row.durationMs;
  return {
    appid: ctx.appid,
    // When the file became available, which is after its last frame (as in the capture).
    create_time: formatCst(row.updatedAt),
    end_time: formatCst(endTime),
    err_code: '0',
    // The retention sweeper deletes files whose end is older than RETENTION_DAYS.
    expire_time: ctx.retentionDays > 0 ? formatCst(endTime + ctx.retentionDays * DAY_MS) : NEVER_EXPIRES,
    file_format: FILE_FORMAT_CODES[row.format],
    file_id: row.id,
    file_size: String(row.sizeBytes),
    id: row.id,
    record_file_id: row.id,
    record_file_url: ctx.url(row),
    record_type: null,
    report_message: null,
    start_time: formatCst(row.startTime),
    stream_id: row.stream,
    task_id: null,
    task_sub_type: '0',
    // LiveTape has no separate VOD id; the file id is unique and stable, as a vid must be.
    vid: row.id,
    vod2Flag: '1',
  };
}
