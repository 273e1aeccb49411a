/**
 * Kysely's view of the tables, column names exactly as in SQL (snake_case). Only the repositories and
 * migrations speak in columns; everything else uses the camelCase rows of `recording-row.ts`.
 * Numbers are ms since the epoch, byte counts and bits/s: BIGINT in SQL, read back as JS numbers.
 */
export type RecordingFormat = 'flv' | 'mp4' | 'hls' | 'aac';
/** In SQL (its CHECK allows two states); a failed file is `done` with reason `failed` and its `error`. */
export type StoredRecordingStatus = 'recording' | 'done';
/** As the rest of LiveTape sees it: `failed` files received data but could not be finalized or repaired. */
export type RecordingStatus = StoredRecordingStatus | 'failed';
/**
 * Why a file was closed: the segment interval elapsed, the codec changed, the push ended, crash
 * recovery, no space, another storage error (I/O error, no progress); `failed`: it could not be
 * finalized nor repaired, and `error` says why.
 */
export type FinishReason =
  | 'interval'
  | 'codec_change'
  | 'unpublish'
  | 'recovered'
  | 'disk_full'
  | 'storage_error'
  | 'failed'
  | 'clip';

export interface RecordingsTable {
  id: string;
  app: string;
  stream: string;
  format: RecordingFormat;
  status: StoredRecordingStatus;
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
  /** The record task that made this file; null for push-URL, rule and global recordings. */
  task_id: string | null;
  /** The recording template (of a rule or a task) whose storage time applies; null otherwise. */
  template_id: number | null;
  reason: FinishReason | null;
  /** JSON text: an array of strings. */
  warnings: string | null;
  /** Why a `failed` file could not be finalized; null otherwise. */
  error: string | null;
  created_at: number;
  updated_at: number;
  /** A clip's source: the recording id or broadcast id it was cut from; null for recorded files. */
  source_id: string | null;
  /** Storage key of the recording's poster (a snapshot row); null until one is made. */
  poster_key: string | null;
}

export interface SettingsTable {
  key: string;
  /** JSON text. */
  value: string;
  updated_at: number;
}

/** One push session (an RTMP publish, or a refused attempt): the cause of callbacks 1 and 0. */
export interface PushesTable {
  session_id: string;
  app: string;
  stream: string;
  stream_param: string;
  user_ip: string;
  /** The node that took the push, so a restarted node closes only its own crashed pushes. */
  node: string;
  started_at: number;
  ended_at: number | null;
  /** EndReason, or `rejected` / `crashed`; null while live. */
  end_reason: string | null;
  errcode: number | null;
  errmsg: string | null;
}

export type NotificationStatus = 'pending' | 'delivered' | 'dead';

/** The callback outbox: one row per event and receiver URL, written with the event's cause. */
export interface NotificationsTable {
  /** Time-ordered 19 digits: within a stream, delivery follows this order. */
  id: string;
  event_type: number;
  /** `app/stream`: a stream's next event waits until this one is delivered or dead. */
  stream_key: string;
  url: string;
  /** The JSON body without `t` and `sign`, which are computed per attempt. */
  payload: string;
  status: NotificationStatus;
  /** Attempts started so far; the number of the attempt in flight. Never goes back. */
  attempts: number;
  /** `attempts` when the current round began (0, or the count at the last redelivery). */
  retry_base: number;
  next_attempt_at: number;
  /** A claim's lease: until then no other worker may take the row. */
  claimed_until: number | null;
  claimed_by: string | null;
  last_attempt_at: number | null;
  /** HTTP status of the last answer; null when there was none (timeout, refused). */
  last_status: number | null;
  last_error: string | null;
  /** The start of the receiver's last answer body. */
  last_response: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** A stream's room on the watch page: the title and cover people see instead of the stream name. */
export interface RoomsTable {
  stream: string;
  title: string;
  cover_url: string | null;
  updated_at: number;
}

/** A record task: records its stream whenever it is live in [start_time, end_time) until stopped. */
export interface RecordTasksTable {
  id: string;
  app: string;
  stream: string;
  /** The push domain the creator named ('' when none). */
  domain: string;
  start_time: number;
  end_time: number;
  /** `|`-joined RecordFormats. */
  formats: string;
  interval_sec: number;
  template_id: number | null;
  /** Who made it: `api` (REST), `api3` (Tencent Cloud API 3.0), `legacy` (Live_Tape_Start). */
  origin: string;
  stopped_at: number | null;
  created_at: number;
}

/** One JPEG taken from a live stream (issue 15): callback 200, the live cover. */
export interface SnapshotsTable {
  /** A file id (time-ordered 19 digits). */
  id: string;
  app: string;
  stream: string;
  session_id: string;
  stream_param: string;
  /** Path relative to the media root. */
  storage_key: string;
  width: number;
  height: number;
  size_bytes: number;
  /** Wall clock of the keyframe, ms since the epoch. */
  created_at: number;
}

/** `object`: copy one spool file (an HLS segment or live playlist); `recording`: store a finished file, then make it `done`. */
export type UploadKind = 'object' | 'recording';
/** `stored`: a `recording` job whose file is durable and `done`; only its spool copy is left to remove. */
export type UploadStatus = 'pending' | 'stored';

/** The upload outbox (STORAGE=s3). */
export interface UploadsTable {
  /** Time-ordered: jobs of one group run in this order. */
  id: string;
  /** A `recording` job's recording id, or an HLS folder for its live segments and playlists. */
  group_key: string;
  kind: UploadKind;
  storage_key: string;
  /** 1: a `recording` job whose file gets its callback once stored; 0: none (live objects, failed files). */
  announce: number;
  status: UploadStatus;
  attempts: number;
  next_attempt_at: number;
  claimed_until: number | null;
  claimed_by: string | null;
  last_error: string | null;
  created_at: number;
  /** The node whose spool holds the file: only it claims the job (NULL: any node, rows from before 0015). */
  node: string | null;
}

/** The cluster's live-stream registry: one row per stream being pushed to some node. */
export interface LiveStreamsTable {
  /** `app/stream` */
  stream_key: string;
  node: string;
  /** Where the other nodes pull this stream from (NODE_URL). */
  node_url: string;
  session_id: string;
  started_at: number;
  /** Gone after this unless the node's heartbeat renews it: a dead node's streams expire. */
  expires_at: number;
}

/** A snapshot template (API 3.0 CreateLiveSnapshotTemplate); the COS fields are kept and answered only. */
export interface SnapshotTemplatesTable {
  id: number;
  name: string;
  description: string;
  interval_sec: number;
  /** 0 = the source's; one side 0 keeps the aspect ratio. */
  width: number;
  height: number;
  porn_flag: number;
  cos_app_id: number;
  cos_bucket: string;
  cos_region: string;
  cos_prefix: string;
  cos_file_name: string;
  created_at: number;
  updated_at: number;
}

/** Binds the pushes of a domain/app/stream ('' = any app or stream) to a snapshot template. */
export interface SnapshotRulesTable {
  domain: string;
  app: string;
  stream: string;
  template_id: number;
  created_at: number;
  updated_at: number;
}

export interface Database {
  recordings: RecordingsTable;
  settings: SettingsTable;
  pushes: PushesTable;
  notifications: NotificationsTable;
  rooms: RoomsTable;
  record_tasks: RecordTasksTable;
  snapshots: SnapshotsTable;
  snapshot_templates: SnapshotTemplatesTable;
  snapshot_rules: SnapshotRulesTable;
  uploads: UploadsTable;
  live_streams: LiveStreamsTable;
}
