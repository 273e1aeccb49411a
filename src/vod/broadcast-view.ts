/**
 * A broadcast as the API shows it: its files, and how to play it whole — one replay playlist when HLS
 * was recorded, otherwise the files of one format to play one after the other.
 */
import type { RecordingRow } from '../catalog/recording-row.js';
import type { RecordingFormat } from '../catalog/schema.js';
import { recordingView } from '../http/recordings-routes.js';

/** Which format plays a broadcast when it has no HLS: MP4 plays everywhere, then FLV, then audio. */
const FILE_PREFERENCE: readonly RecordingFormat[] = ['mp4', 'flv', 'aac'];

export interface BroadcastUrls {
  file(row: RecordingRow): string;
  /** The `/play/{id}` page of a file or of the broadcast. */
  player(target: { readonly id: string; readonly stream: string }): string;
  /** The `/replay/` playlist, offered only when the broadcast has HLS. */
  replay(): string;
  /** A file's poster and scrub thumbnails, or nulls while it has none. */
  images(row: RecordingRow): { posterUrl: string | null; thumbnailsUrl: string | null };
}

export type FileView = ReturnType<typeof recordingView>;

export interface BroadcastView {
  id: string;
  app: string;
  stream: string;
  startTime: string;
  /** Null while any file of the broadcast is still recording. */
  endTime: string | null;
  /** Media duration of the replay: the sum of the `playOrder` files. */
  durationMs: number;
  recording: boolean;
  /** Finished files, in start-time order. */
  files: FileView[];
  /** Ids of the files that make the replay, in play order (the HLS ones when `replayUrl` is set). */
  playOrder: string[];
  replayUrl: string | null;
  /** The `/play/{broadcastId}` page, which plays the whole broadcast. */
  playerUrl: string;
  /** The poster of its first file that has one (its opening picture); null while none has. */
  posterUrl: string | null;
}

/** True while any file of the broadcast is open: its replay is still growing. */
export function isRecording(rows: readonly RecordingRow[]): boolean {
  return rows.some((row) => row.status === 'recording');
}

/** The finished files a replay consists of, in order: HLS if any, else the preferred file format. */
export function replayFiles(rows: readonly RecordingRow[]): { hls: boolean; rows: RecordingRow[] } {
  const done = rows.filter((row) => row.status === 'done');
  const hls = done.filter((row) => row.format === 'hls');
  if (hls.length > 0) return { hls: true, rows: hls };
  for (const format of FILE_PREFERENCE) {
    const files = done.filter((row) => row.format === format);
    if (files.length > 0) return { hls: false, rows: files };
  }
  return { hls: false, rows: [] };
}

/** `rows`: every file of one broadcast (any status), in start-time order; at least one. */
export function broadcastView(rows: readonly RecordingRow[], urls: BroadcastUrls): BroadcastView {
  const first = rows[0]!;
  const recording = isRecording(rows);
  const replay = replayFiles(rows);
  // HLS still being recorded plays as an EVENT playlist, so a replay URL is offered before it is done.
  const hasHls = rows.some((row) => row.format === 'hls');
  const ends = rows.map((row) => row.endTime ?? 0);
  const done = rows.filter((row) => row.status === 'done');
  return {
    id: first.broadcastId,
    app: first.app,
    stream: first.stream,
    startTime: new Date(Math.min(...rows.map((row) => row.startTime))).toISOString(),
    endTime: recording ? null : new Date(Math.max(...ends)).toISOString(),
    durationMs: replay.rows.reduce((sum, row) => sum + row.durationMs, 0),
    recording,
    files: done.map((row) => fileView(row, urls)),
    playOrder: replay.rows.map((row) => row.id),
    replayUrl: hasHls ? urls.replay() : null,
    playerUrl: urls.player({ id: first.broadcastId, stream: first.stream }),
    posterUrl: firstPoster(done, (row) => urls.images(row).posterUrl),
  };
}

export function fileView(
  row: RecordingRow,
  urls: Pick<BroadcastUrls, 'file' | 'player' | 'images'>,
): FileView {
  return recordingView(row, urls.file(row), urls.player(row), urls.images(row));
}

/** The poster of the first of `rows` that has one. */
export function firstPoster(
  rows: readonly RecordingRow[],
  poster: (row: RecordingRow) => string | null,
): string | null {
  for (const row of rows) {
    const url = poster(row);
    if (url !== null) return url;
  }
  return null;
}

/** Rows of many broadcasts, grouped by broadcast id; order within each group is kept. */
export function groupByBroadcast(rows: readonly RecordingRow[]): Map<string, RecordingRow[]> {
  const groups = new Map<string, RecordingRow[]>();
  for (const row of rows) {
    const group = groups.get(row.broadcastId);
    if (group) group.push(row);
    else groups.set(row.broadcastId, [row]);
  }
  return groups;
}
