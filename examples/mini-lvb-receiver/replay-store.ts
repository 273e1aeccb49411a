/**
 * The replay list (`tb_vod`) built from recording callbacks alone: the FLV, MP4 and HLS callbacks of
 * one file window become one row — MP4 as `play_url`, the others as `hls_play_url` — and files of a
 * minute or less are not worth listing. In memory; a real backend keeps the same rows in its database.
 */
import type { RecordFileCallback } from './callback.js';

/** Files this short are dropped, as the reference does. */
const MIN_DURATION_SEC = 60;
/** The list shows replays of the last 7 days. */
const LIST_WINDOW_SEC = 7 * 24 * 3600;

export interface ReplayRow {
  readonly userid: string;
  readonly streamId: string;
  readonly fileId: string;
  playUrl: string;
  hlsPlayUrl: string;
  readonly startTime: number;
  /** The end of the first file of the window (the reference's `create_time`). */
  readonly createTime: number;
}

export interface ReplayPage {
  /** 1-based page number; default 1. */
  readonly index?: number;
  /** 10–100; anything else means 10. */
  readonly count?: number;
}

export class ReplayStore {
  private readonly rows: ReplayRow[] = [];

  /** Returns false when the file is too short to list. */
  add(file: RecordFileCallback): boolean {
    if (file.endTime - file.startTime <= MIN_DURATION_SEC) return false;
    const url = file.fileFormat === 'mp4' ? { playUrl: file.videoUrl } : { hlsPlayUrl: file.videoUrl };
    const row = this.rows.find(
      (r) => r.streamId === file.streamId && r.startTime <= file.endTime && file.startTime <= r.createTime,
    );
    if (row) {
      Object.assign(row, url);
      return true;
    }
    this.rows.push({
      userid: userIdOf(file.streamId),
      streamId: file.streamId,
      fileId: file.videoId,
      playUrl: '',
      hlsPlayUrl: '',
      ...url,
      startTime: file.startTime,
      createTime: file.endTime,
    });
    return true;
  }

  /** Replays of the last 7 days that have an MP4 `play_url`, newest first. */
  list(nowSec: number, page: ReplayPage = {}): ReplayRow[] {
    const count = page.count !== undefined && page.count >= 10 && page.count <= 100 ? page.count : 10;
    const index = page.index !== undefined && page.index >= 1 ? page.index : 1;
    return this.rows
      .filter((row) => row.createTime >= nowSec - LIST_WINDOW_SEC && row.playUrl !== '')
      .sort((a, b) => b.createTime - a.createTime)
      .slice((index - 1) * count, index * count);
  }
}

/**
 * Mini LVB stream ids are `{bizid}_{userid}_{suffix}`: drop the last `_` segment, then the bizid. A
 * stream id without that shape is its own user id.
 */
export function userIdOf(streamId: string): string {
  const withoutSuffix = streamId.slice(0, Math.max(0, streamId.lastIndexOf('_')));
  const firstUnderscore = withoutSuffix.indexOf('_');
  return firstUnderscore < 0 ? streamId : withoutSuffix.slice(firstUnderscore + 1);
}
