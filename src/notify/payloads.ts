/**
 * Callback bodies per the Tencent LVB contract (wire spec §3.3–3.4), minus `t` and `sign`, which are
 * added per attempt. Types matter to receivers written against the reference: ints are JSON numbers,
 * `push_duration` is a string of ms, `callback_ext` is a JSON string. Pure: facts in, JSON text out.
 */

import type { PushEnd, PushStart } from '../catalog/pushes.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { RecordingFormat } from '../catalog/schema.js';
import type { SnapshotRow } from '../catalog/snapshots.js';
import { snapshotPath } from '../http/vod-url.js';

export const EventType = {
  pushEnded: 0,
  pushStarted: 1,
  recordingFile: 100,
  screenshot: 200,
  recordingStatus: 332,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** Who is sending: the same on every event of one node. */
export interface PayloadOrigin {
  /** APPID as configured: a number on the wire when it is all digits, else a string, left out when empty. */
  readonly appid: string;
  /** `app`: the host name customers push to (PUBLIC_URL's host, else HOST). */
  readonly host: string;
  /** `node`: NODE_NAME or the host name. */
  readonly node: string;
}

export interface RecordingFacts {
  readonly videoUrl: string;
  /** The publisher's address, from the push row; '' when the push was never logged. */
  readonly userIp: string;
  readonly eventTimeMs: number;
}

export interface PushEndDetail extends PushEnd {
  /** A word on the cause beyond errmsg, e.g. why a publish was refused. */
  readonly detail?: string;
}

export function pushStartedPayload(origin: PayloadOrigin, push: PushStart): string {
  return JSON.stringify(pushFields(origin, EventType.pushStarted, push, push.startedAt));
}

export function pushEndedPayload(origin: PayloadOrigin, push: PushStart, end: PushEndDetail): string {
  return JSON.stringify({
    ...pushFields(origin, EventType.pushEnded, push, end.endedAt),
    errcode: end.errcode,
    errmsg: end.errmsg,
    push_duration: String(Math.max(0, end.endedAt - push.startedAt)),
    reason: end.endReason,
    ...(end.detail === undefined ? {} : { detail: end.detail }),
  });
}

/** One recorded file in one format: exactly one callback. */
export function recordingPayload(origin: PayloadOrigin, row: RecordingRow, facts: RecordingFacts): string {
  const endTime = row.endTime ?? row.startTime + row.durationMs;
  return JSON.stringify({
    ...commonFields(origin, EventType.recordingFile, row.app, row.stream, facts.eventTimeMs),
    sequence: row.sessionId,
    node: origin.node,
    user_ip: facts.userIp,
    // The reference leaves the push's parameters out of a record task's files.
    ...(row.taskId === null ? { stream_param: row.streamParam } : { task_id: row.taskId }),
    video_id: row.id,
    video_url: facts.videoUrl,
    file_id: row.id,
    record_file_id: row.id,
    file_format: row.format,
    file_size: row.sizeBytes,
    start_time: unixSeconds(row.startTime),
    end_time: unixSeconds(endTime),
    start_time_usec: microsecondPart(row.startTime),
    end_time_usec: microsecondPart(endTime),
    duration: Math.round(row.durationMs / 1000),
    media_start_time: row.mediaStartMs ?? 0,
    callback_ext: JSON.stringify({
      video_codec: codecName(row.videoCodec),
      resolution: row.width && row.height ? `${row.width}x${row.height}` : '',
      session_id: row.sessionId,
    }),
    reason: row.reason,
    broadcast_id: row.broadcastId,
    duration_ms: row.durationMs,
    start_time_ms: row.startTime,
  });
}

/** `record_event` of event 332 (spec tencent-cloud-api3.md §4.2). */
export type RecordEvent =
  | 'record_start_succeeded'
  | 'record_start_failed'
  | 'record_paused'
  | 'record_resumed'
  | 'record_error'
  | 'record_ended';

export interface RecordingStatusFacts {
  readonly event: RecordEvent;
  readonly app: string;
  readonly stream: string;
  /** The push session: the `session_id` in `callback_ext` of the same recording's files. */
  readonly sessionId: string;
  /** Set for a record task's recording (then `start_model` is 5, "API call"). */
  readonly taskId: string | undefined;
  readonly format: RecordingFormat;
  /** Unique, time-ordered message sequence. */
  readonly seq: string;
  readonly eventTimeMs: number;
  /** Why, for `record_error` (LiveTape's own field, like event 0's `detail`). */
  readonly detail?: string;
}

/** `record_detail.file_format`: 1 FLV, 2 HLS, 3 MP4, 4 AAC. */
const FORMAT_CODES: Record<RecordingFormat, number> = { flv: 1, hls: 2, mp4: 3, aac: 4 };

/** Event 332: one recording (one format) started, ended or failed. */
export function recordingStatusPayload(origin: PayloadOrigin, facts: RecordingStatusFacts): string {
  return JSON.stringify({
    ...(origin.appid === '' ? {} : { appid: wireAppid(origin.appid) }),
    appname: facts.app,
    domain: origin.host,
    stream_id: facts.stream,
    event_time: unixSeconds(facts.eventTimeMs),
    event_type: EventType.recordingStatus,
    record_event: facts.event,
    session_id: facts.sessionId,
    seq: facts.seq,
    ...(facts.taskId === undefined ? {} : { task_id: facts.taskId }),
    record_detail: JSON.stringify({
      file_format: FORMAT_CODES[facts.format],
      record_bps: 0,
      start_model: facts.taskId === undefined ? 1 : 5,
      record_content: 1,
      source_type: 1,
      codec_temp_id: 0,
    }),
    ...(facts.detail === undefined ? {} : { detail: facts.detail }),
  });
}

export interface SnapshotFacts {
  /** The download URL (signed when playback is). */
  readonly picFullUrl: string;
  readonly eventTimeMs: number;
}

/** Event 200 (wire spec §3.5, API 3.0 spec §4.3): one live snapshot. */
export function snapshotPayload(origin: PayloadOrigin, row: SnapshotRow, facts: SnapshotFacts): string {
  return JSON.stringify({
    ...commonFields(origin, EventType.screenshot, row.app, row.stream, facts.eventTimeMs),
    stream_param: row.streamParam,
    create_time: unixSeconds(row.createdAt),
    file_size: row.sizeBytes,
    width: row.width,
    height: row.height,
    pic_url: snapshotPath(row.storageKey),
    pic_full_url: facts.picFullUrl,
  });
}

function pushFields(origin: PayloadOrigin, eventType: EventType, push: PushStart, eventTimeMs: number) {
  return {
    ...commonFields(origin, eventType, push.app, push.stream, eventTimeMs),
    sequence: push.sessionId,
    node: origin.node,
    user_ip: push.userIp,
    stream_param: push.streamParam,
  };
}

function commonFields(
  origin: PayloadOrigin,
  eventType: EventType,
  app: string,
  stream: string,
  eventTimeMs: number,
) {
  return {
    event_type: eventType,
    stream_id: stream,
    // Equal to stream_id in stream-code mode, "for historical reasons".
    channel_id: stream,
    ...(origin.appid === '' ? {} : { appid: wireAppid(origin.appid) }),
    app: origin.host,
    appname: app,
    event_time: unixSeconds(eventTimeMs),
  };
}

function wireAppid(appid: string): number | string {
  return /^\d{1,15}$/.test(appid) ? Number(appid) : appid;
}

function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** `start_time_usec`/`end_time_usec`: the sub-second part (0–999999) of an instant, not a timestamp. */
function microsecondPart(ms: number): number {
  return (((ms % 1000) + 1000) % 1000) * 1000;
}

const CODEC_NAMES: ReadonlyArray<readonly [prefix: string, name: string]> = [
  ['avc1', 'h264'],
  ['avc3', 'h264'],
  ['hvc1', 'h265'],
  ['hev1', 'h265'],
  ['av01', 'av1'],
  ['vp09', 'vp9'],
];

/** Tencent names codecs (`h264`); the catalog keeps RFC 6381 strings (`avc1.64001f`). */
function codecName(codecString: string | null): string {
  if (codecString === null) return '';
  return CODEC_NAMES.find(([prefix]) => codecString.startsWith(prefix))?.[1] ?? codecString;
}
