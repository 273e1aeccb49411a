/**
 * Checking one event callback the way the Mini LVB backend's `tape_callback` does (wire spec §5.2),
 * plus the expiry check the reference skipped: `sign == md5(key + t)` and `t` not in the past.
 */
import { createHash } from 'node:crypto';

/** The reference's callback error codes. */
export const ErrorCode = { badJson: 4001, badParams: 4002, badSign: 498 } as const;

export interface RecordFileCallback {
  readonly streamId: string;
  readonly videoId: string;
  readonly videoUrl: string;
  readonly fileFormat: string;
  /** UNIX seconds. */
  readonly startTime: number;
  readonly endTime: number;
}

export type ParsedCallback =
  /** A valid, signed event-100 callback. */
  | { readonly kind: 'file'; readonly file: RecordFileCallback }
  /** A valid, signed callback of another event type: acknowledged, nothing to store. */
  | { readonly kind: 'other'; readonly eventType: number }
  | { readonly kind: 'rejected'; readonly code: number; readonly message: string };

/** Never throws: whatever arrives, the answer is one of the three kinds. */
export function parseCallback(raw: string, key: string, nowSec: number): ParsedCallback {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return reject(ErrorCode.badJson, 'body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return reject(ErrorCode.badJson, 'body is not a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const { t, sign, event_type: eventType, stream_id: streamId } = fields;
  if (!Number.isInteger(t) || typeof sign !== 'string' || !Number.isInteger(eventType) || !isText(streamId)) {
    return reject(ErrorCode.badParams, 't, sign, event_type and stream_id are required');
  }
  if (sign !== md5(`${key}${t as number}`)) return reject(ErrorCode.badSign, 'sign mismatch');
  if (nowSec > (t as number)) return reject(ErrorCode.badSign, 'callback expired');
  if (eventType !== 100) return { kind: 'other', eventType: eventType as number };
  const {
    video_id: videoId,
    video_url: videoUrl,
    file_format: fileFormat,
    start_time: start,
    end_time: end,
  } = fields;
  if (
    !isText(videoId) ||
    !isText(videoUrl) ||
    !isText(fileFormat) ||
    !Number.isInteger(start) ||
    !Number.isInteger(end)
  ) {
    return reject(
      ErrorCode.badParams,
      'video_id, video_url, start_time, end_time and file_format are required',
    );
  }
  return {
    kind: 'file',
    file: { streamId, videoId, videoUrl, fileFormat, startTime: start as number, endTime: end as number },
  };
}

function reject(code: number, message: string): ParsedCallback {
  return { kind: 'rejected', code, message };
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
