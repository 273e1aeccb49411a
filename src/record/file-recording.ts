import type { Catalog } from '../catalog/db.js';
import { newFileId } from '../catalog/ids.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { FinishExtra } from '../catalog/recordings.js';
import type { PublisherInfo } from '../live/live-stream.js';
import type { Logger } from '../log.js';
import type { MediaPacket } from '../media/packet.js';
import { AppendFile, type AppendFileOptions, type PendingBytes } from '../storage/append-file.js';
import { recordingKey } from '../storage/layout.js';
import type { MediaStore } from '../storage/media-store.js';
import { type StorageTarget, storageErrorCode } from '../storage/target.js';
import type { ContainerWriter } from './container-writer.js';
import { EmptyRecordingError, finalizeMp4 } from './mp4-finalize.js';
import type { RecordFormat } from './plan.js';
import { type RecoveredFile, repairFile } from './recover-files.js';
import type { FileTracks, SplitReason } from './segmenter.js';

export interface RecordingContext {
  target: StorageTarget;
  /** Paths of the same files, for finalizing and repair (which still read files directly). */
  store: MediaStore;
  /** Where this push's bytes waiting for storage are counted (its publisher waits when too many). */
  backlog: PendingBytes;
  catalog: Catalog;
  log: Logger;
  fileOptions: AppendFileOptions;
  publisher: PublisherInfo;
  broadcastId: string;
  nameStem: string | undefined;
  warnings: readonly string[];
  /** Notes already logged for this push, so a repeated one is logged once. */
  notes: Set<string>;
  /** Runs in the transaction that catalogs a finished file (the notifier writes its callback there). */
  onFinishing?: FinishExtra;
}

/** Media-time bookkeeping of one file: where it starts and how far each track has got. */
export class MediaSpan {
  private lastDts = { video: Number.NaN, audio: Number.NaN };
  private lastDelta = { video: 0, audio: 0 };
  packets = 0;

  constructor(readonly startDts: number) {}

  add(packet: MediaPacket): void {
    const previous = this.lastDts[packet.kind];
    if (!Number.isNaN(previous)) this.lastDelta[packet.kind] = packet.dts - previous;
    this.lastDts[packet.kind] = packet.dts;
    this.packets++;
  }

  /** From the first packet to the end of the last one (its duration taken as its predecessor's). */
  get durationMs(): number {
    let end = this.startDts;
    for (const kind of ['video', 'audio'] as const) {
      const last = this.lastDts[kind];
      if (!Number.isNaN(last)) end = Math.max(end, last + this.lastDelta[kind]);
    }
    return end - this.startDts;
  }
}

/**
 * One FLV, MP4 or AAC file from open to catalog row. The catalog gets a `recording` row as soon as the
 * file exists (so a crash leaves a trace to recover from) and the final facts when it is durable.
 */
export class FileRecording {
  readonly id = newFileId();
  private readonly file: AppendFile;
  private readonly span: MediaSpan;
  private readonly wallStart: number;
  private readonly cataloged: Promise<boolean>;

  constructor(
    private readonly ctx: RecordingContext,
    private readonly format: Exclude<RecordFormat, 'hls'>,
    private readonly tracks: FileTracks,
    startDts: number,
    private readonly container: ContainerWriter,
    onStorageError: (error: Error) => void,
  ) {
    this.span = new MediaSpan(startDts);
    this.wallStart = ctx.publisher.startedAt + startDts;
    const p = ctx.publisher;
    let key = '';
    this.file = new AppendFile(
      async () => {
        for (let attempt = 0; ; attempt++) {
          key = recordingKey(
            { app: p.app, stream: p.stream, stem: ctx.nameStem, startedAt: new Date(this.wallStart), format },
            attempt,
          );
          try {
            return await ctx.target.create(key);
          } catch (error) {
            if (storageErrorCode(error) !== 'EEXIST' || attempt > 100) throw error;
          }
        }
      },
      ctx.fileOptions,
      ctx.backlog,
    );
    this.file.onError = onStorageError;
    this.cataloged = this.file.opened.then(
      async () => {
        await ctx.catalog.recordings.insertOpen({
          id: this.id,
          app: p.app,
          stream: p.stream,
          format,
          storageKey: key,
          startTime: this.wallStart,
          sessionId: p.sessionId,
          broadcastId: ctx.broadcastId,
          streamParam: p.streamParam,
          mediaStartMs: startDts,
          width: tracks.video?.width,
          height: tracks.video?.height,
          videoCodec: tracks.video?.codecString,
          audioCodec: tracks.audio?.codecString,
        });
        return true;
      },
      () => false,
    );
    this.file.write(container.start());
  }

  write(packet: MediaPacket): void {
    if (!this.tracks[packet.kind]) return; // a track this format cannot carry
    this.span.add(packet);
    const bytes = this.container.write(packet);
    if (bytes) this.file.write(bytes);
  }

  /**
   * Writes the tail, syncs, finalizes and catalogs the file. A storage failure on the way turns the
   * reason into `disk_full` and keeps whatever was written; a file with no media is removed.
   */
  async finish(reason: SplitReason): Promise<RecordingRow | undefined> {
    const tail = this.container.end();
    if (tail) this.file.write(tail);
    await this.file.flush();
    const durationMs = this.span.durationMs;
    for (const patch of this.container.patches({ durationMs, sizeBytes: this.file.size }))
      await this.file.patch(patch.position, patch.data);
    await this.file.close();
    if (!(await this.cataloged)) {
      this.ctx.log.error(
        { err: this.file.failure, format: this.format },
        'recording file could not be created',
      );
      return undefined;
    }
    const key = await this.file.opened;
    const path = this.ctx.store.pathOf(key);
    let finalReason: SplitReason = this.file.failure ? 'disk_full' : reason;
    let facts: RecoveredFile;
    try {
      if (this.file.failure) {
        facts = await repairFile(this.format, path);
      } else if (this.format === 'mp4') {
        const mp4 = await finalizeMp4(path);
        if (!mp4.fastStart) finalReason = 'disk_full';
        facts = mp4;
      } else {
        facts = { durationMs, sizeBytes: (await this.ctx.target.stat(key))?.sizeBytes ?? 0 };
      }
    } catch (error) {
      if (error instanceof EmptyRecordingError) return this.discard(key);
      throw error;
    }
    if (this.span.packets === 0 || facts.sizeBytes === 0) return this.discard(key);
    return this.ctx.catalog.recordings.finish(
      this.id,
      {
        endTime: this.wallStart + facts.durationMs,
        sizeBytes: facts.sizeBytes,
        durationMs: facts.durationMs,
        reason: finalReason,
        warnings: this.ctx.warnings.length > 0 ? this.ctx.warnings : undefined,
      },
      this.ctx.onFinishing,
    );
  }

  private async discard(key: string): Promise<undefined> {
    await this.ctx.target.remove(key);
    await this.ctx.catalog.recordings.delete(this.id);
    return undefined;
  }
}
