import type { PlaylistSegment } from '../container/hls/playlist.js';
import {
  playlistTargetDuration,
  renderMediaPlaylist,
  renderPlaylistSegment,
} from '../container/hls/playlist.js';
import { HlsSegmenter, type SegmentInfo } from '../container/hls/segmenter.js';
import type { MediaPacket } from '../media/packet.js';
import { AppendFile } from '../storage/append-file.js';
import { playlistKey, recordingKey, reserveKey, segmentKey, segmentName } from '../storage/layout.js';
import { storageErrorCode, type TargetFile } from '../storage/target.js';
import { type RecordingContext, storageFailureReason } from './file-recording.js';
import type { FileTracks, SplitReason } from './file-splitter.js';
import { type RecoveredFile, recoverHls } from './recover-files.js';

const RESERVE_BYTES = 64 * 1024;

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
  readonly id: string;
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
  /** What the stored playlist declares and lists, once written: appending is right only after it. */
  private stored: { targetDurationSec: number; segments: number } | undefined;
  private readonly pendingSegments = new Set<Promise<void>>();
  private totalMs = 0;
  private wallEnd: number;
  private failed = false;
  private failure: Error | undefined;
  private readonly wallStart: number;
  private cataloged: Promise<boolean>;

  constructor(
    private ctx: RecordingContext,
    private readonly targetDurationMs: number,
    firstPacketDts: number,
    private readonly onStorageError: (error: Error) => void,
  ) {
    this.id = ctx.newId();
    this.broadcastId = ctx.broadcastId;
    this.wallStart = ctx.publisher.startedAt + firstPacketDts;
    this.wallEnd = this.wallStart;
    this.dirKey = this.createFolder();
    this.cataloged = this.dirKey.then(
      async (key) => {
        const p = ctx.publisher;
        await ctx.events.fileOpened({
          id: this.id,
          app: p.app,
          stream: p.stream,
          format: 'hls',
          storageKey: playlistKey(key),
          startTime: this.wallStart,
          sessionId: p.sessionId,
          broadcastId: this.broadcastId,
          taskId: ctx.taskId,
          templateId: ctx.templateId,
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
  async finish(reason: SplitReason): Promise<void> {
    this.endPart();
    while (this.pendingSegments.size > 0) await Promise.all([...this.pendingSegments]);
    await this.playlistWrite;
    const catalogued = await this.cataloged;
    const key = await this.dirKey.catch(() => undefined);
    if (key === undefined) return;
    if (!catalogued) {
      // Nothing knows this folder: it must not stay behind.
      await this.ctx.target.remove(key);
      return;
    }
    await this.ctx.target.remove(reserveKey(key));
    let facts: RecoveredFile;
    try {
      if (this.failed) {
        facts = await recoverHls(this.ctx.target, key);
      } else {
        if (this.segments.length > 0) await this.writePlaylist(true);
        facts = { durationMs: Math.round(this.totalMs), sizeBytes: await this.folderSize(key) };
      }
    } catch (error) {
      // Kept as it is (segments are playable one by one) and cataloged `failed` with the error.
      this.ctx.log.error({ err: error, key }, 'HLS recording kept as failed');
      await this.ctx.events.fileClosed({
        id: this.id,
        kept: true,
        endTime: Math.max(this.wallEnd, this.wallStart + Math.round(this.totalMs)),
        sizeBytes: await this.folderSize(key).catch(() => 0),
        durationMs: Math.round(this.totalMs),
        reason: 'failed',
        error: this.failure
          ? `${this.failure.message}; repair: ${(error as Error).message}`
          : (error as Error).message,
      });
      return;
    }
    if (facts.durationMs === 0) {
      await this.ctx.target.remove(key);
      await this.ctx.events.fileClosed({ id: this.id, kept: false });
      return;
    }
    await this.ctx.events.fileClosed({
      id: this.id,
      kept: true,
      endTime: Math.max(this.wallEnd, this.wallStart + facts.durationMs),
      sizeBytes: facts.sizeBytes,
      durationMs: facts.durationMs,
      reason: this.failure ? storageFailureReason(this.failure) : reason,
      width: this.lastTracks?.video?.width,
      height: this.lastTracks?.video?.height,
      videoCodec: this.lastTracks?.video?.codecString,
      audioCodec: this.lastTracks?.audio?.codecString,
      warnings: this.ctx.warnings.length > 0 ? this.ctx.warnings : undefined,
    });
  }

  private lastTracks: FileTracks | undefined;

  /** Remembers the tracks for the catalog row (the last part's configuration wins). */
  noteTracks(tracks: FileTracks): void {
    this.lastTracks = tracks;
  }

  /**
   * Makes the folder by creating its reserve file exclusively; a name whose folder already holds
   * anything (a finished recording has no reserve) is skipped for the next one.
   */
  private async createFolder(): Promise<string> {
    const p = this.ctx.publisher;
    for (let attempt = 0; ; attempt++) {
      const key = recordingKey(
        {
          app: p.app,
          stream: p.stream,
          stem: this.ctx.nameStem,
          startedAt: new Date(this.wallStart),
          format: 'hls',
          // One HLS recording per push: its end is not known when it is named ({End…} = its start).
          fileNameTemplate: this.ctx.fileNameTemplates?.hls,
        },
        attempt,
      );
      if (attempt > 100) throw new Error(`no free HLS folder name after ${key}`);
      if ((await this.ctx.target.list(key)).length > 0) continue;
      let reserve: TargetFile;
      try {
        reserve = await this.ctx.target.create(reserveKey(key));
      } catch (error) {
        if (storageErrorCode(error) === 'EEXIST') continue;
        throw error;
      }
      try {
        await reserve.append([Buffer.alloc(RESERVE_BYTES)]);
      } finally {
        await reserve.close();
      }
      return key;
    }
  }

  private openSegment(seq: number): void {
    const file = new AppendFile(
      async () => this.ctx.target.create(segmentKey(await this.dirKey, seq)),
      this.ctx.fileOptions,
      this.ctx.backlog,
    );
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
      // Listed in storage already past this point: the playlist must be rewritten, not appended to.
      if (this.stored && at < this.stored.segments) this.stored = undefined;
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

  /**
   * A live playlist grows by appending the new segments' lines (a whole rewrite per segment made a long
   * broadcast's cost grow with its square); it is rewritten whole at the end, when its header changes,
   * or when a segment completed out of order. What is stored always equals what a rewrite would give.
   */
  private writePlaylist(ended: boolean): Promise<void> {
    this.playlistWrite = this.playlistWrite.then(async () => {
      const key = playlistKey(await this.dirKey);
      const stored = this.stored;
      const added = this.segments.slice(stored?.segments ?? 0);
      // What storage will list is noted before the I/O, so a segment that completes out of order
      // meanwhile (inserted before that point) forces the next write to be a whole rewrite.
      try {
        if (
          !ended &&
          stored &&
          playlistTargetDuration(stored.targetDurationSec, added) === stored.targetDurationSec
        ) {
          this.stored = { targetDurationSec: stored.targetDurationSec, segments: this.segments.length };
          if (added.length > 0)
            await this.ctx.target.appendTo(key, added.map(renderPlaylistSegment).join(''));
        } else {
          const target = playlistTargetDuration(Math.ceil(this.targetDurationMs / 1000), this.segments);
          this.stored = { targetDurationSec: target, segments: this.segments.length };
          const text = renderMediaPlaylist({
            kind: ended ? 'vod' : 'event',
            targetDurationSec: target,
            mediaSequence: 0,
            discontinuitySequence: 0,
            segments: this.segments,
            ended,
          });
          await this.ctx.target.put(key, text);
        }
      } catch (error) {
        this.stored = undefined;
        this.fail(error as Error);
      }
    });
    return this.playlistWrite;
  }

  private async folderSize(key: string): Promise<number> {
    let total = 0;
    for (const object of await this.ctx.target.list(key)) total += object.sizeBytes;
    return total;
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = error;
    this.onStorageError(error);
  }
}
