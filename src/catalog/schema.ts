/**
 * Kysely's view of the tables, column names exactly as in SQL (snake_case). Only the repositories and
 * migrations speak in columns; everything else uses the camelCase rows of `recording-row.ts`.
 * Numbers are ms since the epoch, byte counts and bits/s: BIGINT in SQL, read back as JS numbers.
 */
export type RecordingFormat = 'flv' | 'mp4' | 'hls' | 'aac';
export type RecordingStatus = 'recording' | 'done';
/** Why a file was closed: the segment interval elapsed, the codec changed, the push ended, crash recovery, no space. */
export type FinishReason = 'interval' | 'codec_change' | 'unpublish' | 'recovered' | 'disk_full';

export interface RecordingsTable {
  id: string;
  app: string;
  stream: string;
  format: RecordingFormat;
  status: RecordingStatus;
  /** Path relative to the media root; the playlist for HLS. */
  storage_key: string;
  size_bytes: number;
  start_time: number;
  end_time: number | null;
  duration_ms: number;
  media_start_ms: number | null;
  width: number | null;
  height: number | null;
  video_codec: string | null;
  audio_codec: string | null;
  bitrate: number | null;
  stream_param: string;
  session_id: string;
  broadcast_id: string;
  reason: FinishReason | null;
  /** JSON text: an array of strings. */
  warnings: string | null;
  created_at: number;
  updated_at: number;
}

export interface SettingsTable {
  key: string;
  /** JSON text. */
  value: string;
  updated_at: number;
}

export interface Database {
  recordings: RecordingsTable;
  settings: SettingsTable;
}
