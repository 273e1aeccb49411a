/**
 * What the public watch page and player page are given: live rooms, recent replays, and one recording
 * or broadcast to play, each with the URLs to play it from (`Source`s, best first).
 */
import type { RecordingRow } from '../catalog/recording-row.js';
import type { Room } from '../catalog/rooms.js';
import type { RecordingFormat } from '../catalog/schema.js';
import type { LivePlaybackUrls } from '../http/vod-url.js';
import type { LiveStream } from '../live/live-stream.js';
import { firstPoster, replayFiles } from './broadcast-view.js';

export interface Source {
  format: RecordingFormat;
  url: string;
  durationMs?: number;
}

/** Alternatives of one recorded moment, best first: HLS plays everywhere, MP4 nearly so, then FLV, audio. */
const SOURCE_PREFERENCE: readonly RecordingFormat[] = ['hls', 'mp4', 'flv', 'aac'];

export interface WatchUrls {
  file(row: RecordingRow): string;
  player(target: { readonly id: string; readonly stream: string }): string;
  live(live: { readonly app: string; readonly stream: string }): LivePlaybackUrls;
  /** A recording's poster, or null. */
  poster(row: RecordingRow): string | null;
  /** The newest snapshot of a live stream, or null. */
  liveCover(live: { readonly app: string; readonly stream: string }): string | null;
}

/** A room's title, or the stream name when it has no room. */
export function titleOf(stream: string, room: Room | undefined): string {
  return room?.title ?? stream;
}

/**
 * Groups rows (newest first) into replays: the files of one broadcast that started at the same moment
 * are one replay recorded in several formats. At most `limit` replays, in the order of the rows; each
 * group best format first.
 */
export function replayGroups(rows: readonly RecordingRow[], limit: number): RecordingRow[][] {
  const groups = new Map<string, RecordingRow[]>();
  for (const row of rows) {
    const key = `${row.broadcastId}\n${row.startTime}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else if (groups.size < limit) groups.set(key, [row]);
  }
  return [...groups.values()].map((group) =>
    group.sort((a, b) => SOURCE_PREFERENCE.indexOf(a.format) - SOURCE_PREFERENCE.indexOf(b.format)),
  );
}

/** `group`: one replay's files, best first (see replayGroups). */
export function watchReplay(group: readonly RecordingRow[], room: Room | undefined, urls: WatchUrls) {
  const best = group[0]!;
  return {
    id: best.id,
    app: best.app,
    stream: best.stream,
    title: titleOf(best.stream, room),
    startTime: new Date(best.startTime).toISOString(),
    durationMs: best.durationMs,
    cover: room?.coverUrl ?? firstPoster(group, urls.poster),
    playerUrl: urls.player(best),
    sources: group.map((row) => fileSource(row, urls.file(row))),
  };
}

/** A live room: HTTP-FLV first (low latency where Media Source Extensions exist), live HLS for the rest. */
export function watchLive(stream: LiveStream, room: Room | undefined, urls: WatchUrls) {
  const { app, stream: name, startedAt } = stream.publisher;
  const live = urls.live(stream.publisher);
  const video = stream.videoConfig;
  return {
    app,
    stream: name,
    title: titleOf(name, room),
    startedAt: new Date(startedAt).toISOString(),
    viewers: stream.viewerCount,
    width: video?.width ?? 0,
    height: video?.height ?? 0,
    // What the stream shows now beats a fixed picture.
    cover: urls.liveCover(stream.publisher) ?? room?.coverUrl ?? null,
    sources: [
      { format: 'flv', url: live.flv },
      { format: 'hls', url: live.hls },
    ] satisfies Source[],
  };
}

export interface PlayInfo {
  kind: 'recording' | 'broadcast';
  id: string;
  app: string;
  stream: string;
  title: string;
  startTime: string;
  durationMs: number;
  /** Alternatives of the same media, best first. */
  sources: Source[];
  /** Files to play one after the other (a broadcast recorded without HLS); else []. */
  sequence: Source[];
  /** The first picture, shown until it plays; null when there is none yet. */
  poster: string | null;
  /** The scrub-thumbnail WebVTT track of a single recording; null otherwise. */
  thumbnails: string | null;
}

export function recordingPlayInfo(
  row: RecordingRow,
  title: string,
  url: string,
  poster: string | null,
  thumbnails: string | null,
): PlayInfo {
  return {
    kind: 'recording',
    id: row.id,
    app: row.app,
    stream: row.stream,
    title,
    startTime: new Date(row.startTime).toISOString(),
    durationMs: row.durationMs,
    sources: [fileSource(row, url)],
    sequence: [],
    poster,
    thumbnails,
  };
}

/**
 * A whole broadcast: its one-playlist HLS replay when it was recorded as HLS, else its files of the
 * preferred format in order. `rows`: every file of the broadcast, in start-time order.
 */
export function broadcastPlayInfo(
  rows: readonly RecordingRow[],
  title: string,
  urls: { file(row: RecordingRow): string; replay(): string; poster(row: RecordingRow): string | null },
): PlayInfo {
  const first = rows[0]!;
  const replay = replayFiles(rows);
  const durationMs = replay.rows.reduce((sum, row) => sum + row.durationMs, 0);
  // HLS still being recorded plays as a growing (EVENT) playlist, so it is offered before it is done.
  const hasHls = rows.some((row) => row.format === 'hls');
  return {
    kind: 'broadcast',
    id: first.broadcastId,
    app: first.app,
    stream: first.stream,
    title,
    startTime: new Date(Math.min(...rows.map((row) => row.startTime))).toISOString(),
    durationMs,
    sources: hasHls ? [{ format: 'hls', url: urls.replay(), durationMs }] : [],
    sequence: hasHls ? [] : replay.rows.map((row) => fileSource(row, urls.file(row))),
    poster: firstPoster(rows, urls.poster),
    thumbnails: null,
  };
}

function fileSource(row: RecordingRow, url: string): Source {
  return { format: row.format, url, durationMs: row.durationMs };
}
