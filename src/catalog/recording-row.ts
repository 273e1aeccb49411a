/**
 * The recording row as the rest of LiveTape sees it (camelCase, warnings decoded), and the one place
 * that maps it to and from SQL columns.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { FinishReason, RecordingFormat, RecordingStatus, RecordingsTable } from './schema.js';

export interface RecordingRow {
  /** A file id from `newFileId()`: 19 digits, time-ordered. */
  readonly id: string;
  readonly app: string;
  readonly stream: string;
  readonly format: RecordingFormat;
  readonly status: RecordingStatus;
  /** Path relative to the media root; the playlist for HLS. */
  readonly storageKey: string;
  readonly sizeBytes: number;
  /** Wall clock, ms since the epoch. */
  readonly startTime: number;
  /** Wall clock, ms since the epoch; null while recording. */
  readonly endTime: number | null;
  readonly durationMs: number;
  /** DTS of the file's first packet in the push's timeline. */
  readonly mediaStartMs: number | null;
  readonly width: number | null;
  readonly height: number | null;
  /** RFC 6381 codec strings. */
  readonly videoCodec: string | null;
  readonly audioCodec: string | null;
  /** Average bits/s; null while recording. */
  readonly bitrate: number | null;
  /** The push URL's query string. */
  readonly streamParam: string;
  readonly sessionId: string;
  /** Groups the files of one broadcast: the first session id of an HLS-resumed chain. */
  readonly broadcastId: string;
  /** The record task that made this file, if one did. */
  readonly taskId: string | null;
  /** The recording template it was made under (a rule's or a task's), if any. */
  readonly templateId: number | null;
  /** Null while recording. */
  readonly reason: FinishReason | null;
  readonly warnings: readonly string[] | null;
  /** Why a `failed` file could not be finalized; null (or absent) otherwise. */
  readonly error?: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** A clip's source (recording or broadcast id); null (or absent) for recorded files. */
  readonly sourceId?: string | null;
  /** Storage key of the poster JPEG (first picture), once made. */
  readonly posterKey?: string | null;
}

/** What the recorder knows when it opens a file. */
export interface NewRecording {
  readonly id: string;
  readonly app: string;
  readonly stream: string;
  readonly format: RecordingFormat;
  readonly storageKey: string;
  readonly startTime: number;
  readonly sessionId: string;
  readonly broadcastId: string;
  readonly taskId?: string;
  readonly templateId?: number;
  readonly streamParam?: string;
  readonly mediaStartMs?: number;
  readonly width?: number;
  readonly height?: number;
  readonly videoCodec?: string;
  readonly audioCodec?: string;
  readonly sourceId?: string;
}

/** Facts an open recording may learn as it goes; absent fields stay as they are. */
export interface OpenRecordingFacts {
  readonly storageKey?: string;
  readonly sizeBytes?: number;
  readonly durationMs?: number;
  readonly mediaStartMs?: number;
  readonly width?: number;
  readonly height?: number;
  readonly videoCodec?: string;
  readonly audioCodec?: string;
  readonly warnings?: readonly string[];
}

/** The final facts of a durable file. */
export interface FinishFacts extends OpenRecordingFacts {
  readonly endTime: number;
  readonly sizeBytes: number;
  readonly durationMs: number;
  readonly reason: FinishReason;
  /** Defaults to the average over the file: sizeBytes * 8 / duration. */
  readonly bitrate?: number;
  /** With reason `failed`: why the file could not be finalized nor repaired. */
  readonly error?: string;
}

export function toRecordingRow(columns: Selectable<RecordingsTable>): RecordingRow {
  return {
    id: columns.id,
    app: columns.app,
    stream: columns.stream,
    format: columns.format,
    status: columns.status === 'done' && columns.reason === 'failed' ? 'failed' : columns.status,
    storageKey: columns.storage_key,
    sizeBytes: columns.size_bytes,
    startTime: columns.start_time,
    endTime: columns.end_time,
    durationMs: columns.duration_ms,
    mediaStartMs: columns.media_start_ms,
    width: columns.width,
    height: columns.height,
    videoCodec: columns.video_codec,
    audioCodec: columns.audio_codec,
    bitrate: columns.bitrate,
    streamParam: columns.stream_param,
    sessionId: columns.session_id,
    broadcastId: columns.broadcast_id,
    taskId: columns.task_id,
    templateId: columns.template_id,
    reason: columns.reason,
    warnings: columns.warnings === null ? null : decodeWarnings(columns.warnings),
    error: columns.error ?? null,
    createdAt: columns.created_at,
    updatedAt: columns.updated_at,
    sourceId: columns.source_id ?? null,
    posterKey: columns.poster_key ?? null,
  };
}

export function openRecordingColumns(row: NewRecording, now: number): Insertable<RecordingsTable> {
  return {
    id: row.id,
    app: row.app,
    stream: row.stream,
    format: row.format,
    status: 'recording',
    storage_key: row.storageKey,
    size_bytes: 0,
    start_time: row.startTime,
    end_time: null,
    duration_ms: 0,
    media_start_ms: row.mediaStartMs ?? null,
    width: row.width ?? null,
    height: row.height ?? null,
    video_codec: row.videoCodec ?? null,
    audio_codec: row.audioCodec ?? null,
    bitrate: null,
    stream_param: row.streamParam ?? '',
    session_id: row.sessionId,
    broadcast_id: row.broadcastId,
    task_id: row.taskId ?? null,
    template_id: row.templateId ?? null,
    reason: null,
    warnings: null,
    error: null,
    created_at: now,
    updated_at: now,
    source_id: row.sourceId ?? null,
    poster_key: null,
  };
}

/** Undefined values are left out of the UPDATE by Kysely, so absent facts keep their stored value. */
export function openFactColumns(facts: OpenRecordingFacts, now: number): Updateable<RecordingsTable> {
  return {
    storage_key: facts.storageKey,
    size_bytes: facts.sizeBytes,
    duration_ms: facts.durationMs,
    media_start_ms: facts.mediaStartMs,
    width: facts.width,
    height: facts.height,
    video_codec: facts.videoCodec,
    audio_codec: facts.audioCodec,
    warnings: facts.warnings === undefined ? undefined : JSON.stringify(facts.warnings),
    updated_at: now,
  };
}

export function finishColumns(facts: FinishFacts, now: number): Updateable<RecordingsTable> {
  return {
    ...openFactColumns(facts, now),
    status: 'done',
    end_time: facts.endTime,
    reason: facts.reason,
    error: facts.error ?? null,
    bitrate: facts.bitrate ?? averageBitrate(facts.sizeBytes, facts.durationMs),
  };
}

function averageBitrate(sizeBytes: number, durationMs: number): number {
  return durationMs > 0 ? Math.round((sizeBytes * 8000) / durationMs) : 0;
}

/** The column is only ever written by `JSON.stringify(string[])`; anything else means a hand-edited row. */
function decodeWarnings(text: string): readonly string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new TypeError(`warnings column is not a JSON array of strings: ${text.slice(0, 80)}`);
  }
  return value;
}
