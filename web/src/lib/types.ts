/**
 * The JSON shapes the pages read from the LiveTape server (docs/api.md and the issue 6 contract).
 * Times are ISO 8601 strings, durations milliseconds, rates bit/s.
 */

export type MediaFormat = 'mp4' | 'hls' | 'flv' | 'aac';

/** One playable URL. A list of them is either alternatives of the same media or parts played in order. */
export interface Source {
  format: MediaFormat;
  url: string;
  durationMs?: number;
}

/** `GET /api/play/{id}`. `sources` are alternatives (best first); `sequence` parts when there is no HLS. */
export interface PlayInfo {
  kind: 'recording' | 'broadcast';
  id: string;
  app: string;
  stream: string;
  title: string;
  startTime: string;
  durationMs: number;
  sources: Source[];
  sequence: Source[];
  /** The first picture, shown until it plays; null when there is none yet. */
  poster: string | null;
  /** Scrub thumbnails (WebVTT) of a single recording; null otherwise. */
  thumbnails: string | null;
}

/** A room being pushed now, on `GET /api/watch`. */
export interface WatchLive {
  app: string;
  stream: string;
  title: string;
  startedAt: string;
  viewers: number;
  width: number;
  height: number;
  cover: string | null;
  sources: Source[];
}

/** A finished recording of the last 7 days lasting at least 60 s, on `GET /api/watch`. */
export interface WatchReplay {
  id: string;
  app: string;
  stream: string;
  title: string;
  startTime: string;
  durationMs: number;
  cover: string | null;
  playerUrl: string;
  sources: Source[];
}

/** `GET /api/watch`: live rooms first, then replays newest first. */
export interface WatchList {
  live: WatchLive[];
  replays: WatchReplay[];
}

export interface VideoInfo {
  codec: string;
  codecString: string;
  width: number;
  height: number;
  fps: number;
}

export interface AudioInfo {
  codec: string;
  codecString: string;
  sampleRate: number;
  channels: number;
}

/** One entry of `GET /api/v1/streams`. */
export interface LiveStreamView {
  app: string;
  stream: string;
  sessionId: string;
  protocol: string;
  remoteAddress: string;
  startedAt: string;
  uptimeSeconds: number;
  video: VideoInfo | null;
  audio: AudioInfo | null;
  bitrate: number;
  /** Recent per-second bitrates, oldest first. */
  bitrateSamples: number[];
  bytesIn: number;
  viewers: number;
  /** Formats being recorded now; [] when none. */
  recordingFormats: MediaFormat[];
  /** Absolute live URLs, signed when PLAY_KEY is set. */
  playback: { flv: string; hls: string; rtmp: string };
  /** The newest live snapshot (refreshed every SNAPSHOT_INTERVAL), null without snapshots. */
  snapshotUrl: string | null;
}

export interface StreamList {
  streams: LiveStreamView[];
}

export type RecordingStatus = 'recording' | 'done' | 'failed';
export type SplitReason =
  | 'interval'
  | 'codec_change'
  | 'unpublish'
  | 'recovered'
  | 'disk_full'
  | 'storage_error'
  | 'failed'
  | 'clip';

/** One recorded file (`GET /api/v1/recordings`, `…/{id}`). */
export interface Recording {
  id: string;
  app: string;
  stream: string;
  format: MediaFormat;
  status: RecordingStatus;
  url: string;
  storageKey: string;
  sizeBytes: number;
  startTime: string;
  endTime: string | null;
  durationMs: number;
  width: number | null;
  height: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  bitrate: number | null;
  streamParam: string | null;
  sessionId: string;
  broadcastId: string;
  reason: SplitReason | null;
  warnings: string[];
  /** Why a `failed` file could not be finalized; null otherwise. */
  error: string | null;
  /** Absolute `/play/{id}` URL, signed when PLAY_KEY is set. */
  playerUrl: string;
  /** The first picture (JPEG), once made; null without snapshots or video. */
  posterUrl: string | null;
  /** Scrub thumbnails (WebVTT with #xywh= cues), made with the poster. */
  thumbnailsUrl: string | null;
  /** For a clip (`reason: "clip"`), the recording or broadcast it was cut from. */
  sourceId: string | null;
}

export interface RecordingPage {
  recordings: Recording[];
  nextCursor: string | null;
}

/** `GET /api/v1/broadcasts/{id}`: one push session with its HLS resumes. */
export interface Broadcast {
  id: string;
  app: string;
  stream: string;
  startTime: string;
  endTime: string | null;
  durationMs: number;
  recording: boolean;
  files: Recording[];
  playOrder: string[];
  replayUrl: string | null;
  playerUrl: string;
  /** Its first file's poster, or null while none has one. */
  posterUrl: string | null;
}

export interface BroadcastPage {
  broadcasts: Broadcast[];
  nextCursor: string | null;
}

export interface RecordingSettings {
  formats: MediaFormat[];
  intervalSec: number;
  /** 0–1800. */
  hlsResumeWindowSec: number;
}

export interface KeySet {
  /** First key primary, the others backups; [] = auth off. */
  keys: string[];
  source: 'config' | 'settings';
}

export interface KeySettings {
  push: KeySet;
  play: KeySet;
}

export interface RetentionSettings {
  /** 0 = off. */
  days: number;
  /** 0 = off. */
  maxGb: number;
}

export interface PushUrlRequest {
  app?: string;
  stream: string;
  expiresInSec?: number;
  record?: MediaFormat[];
  recordIntervalSec?: number;
}

export interface PushUrl {
  url: string;
  /** OBS "Server". */
  server: string;
  /** OBS "Stream Key". */
  streamKey: string;
  ffmpeg: string;
  expiresAt: string;
  signed: boolean;
}

export interface Room {
  stream: string;
  title: string;
  coverUrl: string | null;
}

/** The body of every error answer. */
export interface ApiErrorBody {
  error: string;
  message: string;
}
