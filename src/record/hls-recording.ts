import { appendFile, mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { newFileId } from '../catalog/ids.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { PlaylistSegment } from '../container/hls/playlist.js';
import {
  playlistTargetDuration,
  renderMediaPlaylist,
  renderPlaylistSegment,
} from '../container/hls/playlist.js';
import { HlsSegmenter, type SegmentInfo } from '../container/hls/segmenter.js';
import type { MediaPacket } from '../media/packet.js';
import { AppendFile } from '../storage/append-file.js';
import type { RecordingContext } from './file-recording.js';
import { type RecoveredFile, recoverHls } from './recover-files.js';
import type { FileTracks, SplitReason } from './segmenter.js';

export const PLAYLIST_NAME = 'index.m3u8';
/**
 * Space set aside in every HLS folder and given back when the recording is finished, so the final
 * playlist can still be written when the disk has filled up meanwhile.
 */
export const RESERVE_NAME = '.reserve';
const RESERVE_BYTES = 64 * 1024;

export function segmentName(seq: number): string {
  return `${String(seq).padStart(6, '0')}.ts`;
}

/**
 * One recorded HLS playlist: a folder with `index.m3u8` and its MPEG-TS segments. It lives for one
 * uninterrupted push, or across re-pushes within the resume window, where each new part starts after
 * an EXT-X-DISCONTINUITY. The playlist is EVENT while recording and becomes a VOD playlist with
 * EXT-X-ENDLIST when finished. Each new segment is appended to it (a rewrite after every segment cost
 * a long broadcast time and I/O growing with the square of its length); it is rewritten whole,
 * atomically, only when its header must change: the first write, a segment longer than the target
 * duration, a segment completing out of order, and the final VOD playlist.
 */
export class HlsRecording {
  readonly id = newFileId();
  readonly broadcastId: string;
  private readonly segments: PlaylistSegment[] = [];
  private segmenter: HlsSegmenter | undefined;
  private currentFile: AppendFile | undefined;
  private nextSeq = 0;
  /** Where the previous part's MPEG-TS timeline ended: a new part continues it, so players see no jump back. */
  private timelineEndMs = 0;
  private discontinuityNext = false;
  private dirKey: Promise<string>;
  private playlistWrite: Promise<void> = Promise.resolve();
  /** What the playlist on disk declares and lists, once written: appending is right only after it. */
  private onDisk: { targetDurationSec: number; segments: number } | undefined;
  private readonly pendingSegments = new Set<Promise<void>>();
  private totalMs = 0;
  private wallEnd: number;
  private failed = false;
  private readonly wallStart: number;
  private cataloged: Promise<boolean>;

  constructor(
    private ctx: RecordingContext,
    private readonly targetDurationMs: number,
    firstPacketDts: number,
    private readonly onStorageError: (error: Error) => void,
  ) {
    this.broadcastId = ctx.broadcastId;
    this.wallStart = ctx.publisher.startedAt + firstPacketDts;
    this.wallEnd = this.wallStart;
    this.dirKey = this.createFolder();
    this.cataloged = this.dirKey.then(
      async (key) => {
        const p = ctx.publisher;
        await ctx.catalog.recordings.insertOpen({
          id: this.id,
          app: p.app,
          stream: p.stream,
          format: 'hls',
          storageKey: `${key}/${PLAYLIST_NAME}`,
          startTime: this.wallStart,
          sessionId: p.sessionId,
          broadcastId: this.broadcastId,
          streamParam: p.streamParam,
          mediaStartMs: firstPacketDts,
        });
        return true;
      },
      (error: Error) => {
        this.fail(error);
        return false;
      },
    );
  }

  get isFailed(): boolean {
    return this.failed;
  }

  /** A new push (resume) or a new codec configuration: the next segment follows a discontinuity. */
  startPart(tracks: FileTracks, ctx?: RecordingContext): void {
    if (ctx) this.ctx = ctx;
    this.closeCurrentSegment();
    if (this.segmenter || this.segments.length > 0 || this.pendingSegments.size > 0)
      this.discontinuityNext = true;
    this.segmenter = new HlsSegmenter({
      targetDurationMs: this.targetDurationMs,
      tracks,
      firstSeq: this.nextSeq,
      timelineStartMs: this.timelineEndMs,
    });
  }

  write(packet: MediaPacket): void {
    if (this.failed || !this.segmenter) return;
    this.wallEnd = Math.max(this.wallEnd, this.ctx.publisher.startedAt + packet.dts);
    const out = this.segmenter.push(packet);
    if (out.cut) this.segmentDone(out.cut);
    if (out.start) {
      this.nextSeq = out.start.seq + 1;
      this.openSegment(out.start.seq);
    }
    if (out.bytes.length > 0) this.currentFile?.write(out.bytes);
  }

  /** Ends the part in progress (the push went away) without finishing the playlist. */
  endPart(): void {
    this.closeCurrentSegment();
    this.segmenter = undefined;
  }

  /**
   * Writes the final VOD playlist and catalogs it; undefined when nothing was recorded. After a storage
   * failure the folder is repaired like after a crash: the torn segment keeps its complete frames.
   */
  async finish(reason: SplitReason): Promise<RecordingRow | undefined> {
    this.endPart();
    while (this.pendingSegments.size > 0) await Promise.all([...this.pendingSegments]);
    await this.playlistWrite;
    const catalogued = await this.cataloged;
    const key = await this.dirKey.catch(() => undefined);
    if (!catalogued || key === undefined) return undefined;
    const playlistPath = this.ctx.store.pathOf(`${key}/${PLAYLIST_NAME}`);
    await rm(this.ctx.store.pathOf(`${key}/${RESERVE_NAME}`), { force: true });
    let facts: RecoveredFile;
    if (this.failed) {
      facts = await recoverHls(playlistPath, this.ctx.store.pathOf(key));
    } else {
      if (this.segments.length > 0) await this.writePlaylist(true);
      facts = { durationMs: Math.round(this.totalMs), sizeBytes: await this.folderSize(key) };
    }
    if (facts.durationMs === 0) {
      await this.ctx.store.remove(key);
      await this.ctx.catalog.recordings.delete(this.id);
      return undefined;
    }
    return this.ctx.catalog.recordings.finish(
      this.id,
      {
        endTime: Math.max(this.wallEnd, this.wallStart + facts.durationMs),
        sizeBytes: facts.sizeBytes,
        durationMs: facts.durationMs,
        reason: this.failed ? 'disk_full' : reason,
        width: this.lastTracks?.video?.width,
        height: this.lastTracks?.video?.height,
        videoCodec: this.lastTracks?.video?.codecString,
        audioCodec: this.lastTracks?.audio?.codecString,
        warnings: this.ctx.warnings.length > 0 ? this.ctx.warnings : undefined,
      },
      this.ctx.onFinishing,
    );
  }

  private lastTracks: FileTracks | undefined;

  /** Remembers the tracks for the catalog row (the last part's configuration wins). */
  noteTracks(tracks: FileTracks): void {
    this.lastTracks = tracks;
  }

  private async createFolder(): Promise<string> {
    const p = this.ctx.publisher;
    for (let attempt = 0; ; attempt++) {
      const key = await this.ctx.store.proposeKey(
        {
          app: p.app,
          stream: p.stream,
          stem: this.ctx.nameStem,
          startedAt: new Date(this.wallStart),
          extension: '',
        },
        attempt,
      );
      try {
        await mkdir(this.ctx.store.pathOf(key));
        await writeFile(this.ctx.store.pathOf(`${key}/${RESERVE_NAME}`), Buffer.alloc(RESERVE_BYTES));
        return key;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) throw error;
      }
    }
  }

  private openSegment(seq: number): void {
    const file = new AppendFile(async () => {
      const key = await this.dirKey;
      const path = this.ctx.store.pathOf(`${key}/${segmentName(seq)}`);
      return { handle: await open(path, 'wx'), path };
    }, this.ctx.fileOptions);
    file.onError = (error) => this.fail(error);
    this.currentFile = file;
  }

  private segmentDone(info: SegmentInfo): void {
    const file = this.currentFile;
    this.currentFile = undefined;
    const discontinuity = this.discontinuityNext;
    this.discontinuityNext = false;
    const entry: PlaylistSegment = {
      uri: segmentName(info.seq),
      durationSec: info.durationMs / 1000,
      discontinuity,
    };
    const done: Promise<void> = (async () => {
      await file?.close();
      if (!file || file.failure) return;
      // Segments complete in order; a slower close must not reorder the playlist.
      let at = this.segments.length;
      while (at > 0 && this.segments[at - 1]!.uri.localeCompare(entry.uri) > 0) at--;
      this.segments.splice(at, 0, entry);
      // Listed on disk already past this point: the playlist must be rewritten, not appended to.
      if (this.onDisk && at < this.onDisk.segments) this.onDisk = undefined;
      this.totalMs += info.durationMs;
      await this.writePlaylist(false);
    })().finally(() => this.pendingSegments.delete(done));
    this.pendingSegments.add(done);
  }

  private closeCurrentSegment(): void {
    const last = this.segmenter?.end();
    if (last) this.segmentDone(last);
    this.timelineEndMs = this.segmenter?.timelineEndMs ?? this.timelineEndMs;
  }

  private writePlaylist(ended: boolean): Promise<void> {
    this.playlistWrite = this.playlistWrite.then(async () => {
      const key = await this.dirKey;
      const path = this.ctx.store.pathOf(`${key}/${PLAYLIST_NAME}`);
      const disk = this.onDisk;
      const added = this.segments.slice(disk?.segments ?? 0);
      // What the file will list is noted before the I/O, so a segment that completes out of order
      // meanwhile (inserted before that point) forces the next write to be a whole rewrite.
      try {
        if (
          !ended &&
          disk &&
          playlistTargetDuration(disk.targetDurationSec, added) === disk.targetDurationSec
        ) {
          this.onDisk = { targetDurationSec: disk.targetDurationSec, segments: this.segments.length };
          if (added.length > 0) await appendFile(path, added.map(renderPlaylistSegment).join(''));
        } else {
          const target = playlistTargetDuration(Math.ceil(this.targetDurationMs / 1000), this.segments);
          const text = renderMediaPlaylist({
            kind: ended ? 'vod' : 'event',
            targetDurationSec: target,
            mediaSequence: 0,
            discontinuitySequence: 0,
            segments: this.segments,
            ended,
          });
          this.onDisk = { targetDurationSec: target, segments: this.segments.length };
          await writeFile(`${path}.partial`, text);
          await rename(`${path}.partial`, path);
        }
      } catch (error) {
        this.onDisk = undefined;
        this.fail(error as Error);
      }
    });
    return this.playlistWrite;
  }

  private async folderSize(key: string): Promise<number> {
    let total = 0;
    for (const name of [PLAYLIST_NAME, ...this.segments.map((s) => s.uri)]) {
      total += await stat(this.ctx.store.pathOf(`${key}/${name}`)).then(
        (s) => s.size,
        () => 0,
      );
    }
    return total;
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onStorageError(error);
  }
}
