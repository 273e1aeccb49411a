import type { PublisherInfo } from '../live/live-stream.js';
import type { Logger } from '../log.js';
import type { MediaPacket } from '../media/packet.js';
import { AppendFile, type AppendFileOptions, type PendingBytes } from '../storage/append-file.js';
import { recordingKey } from '../storage/layout.js';
import { type StorageTarget, storageErrorCode } from '../storage/target.js';
import type { ContainerWriter } from './container-writer.js';
import type { RecordingEvents } from './events.js';
import type { FileTracks, SplitReason } from './file-splitter.js';
import { EmptyRecordingError, finalizeMp4 } from './mp4-finalize.js';
import type { RecordFormat } from './plan.js';
import { type RecoveredFile, repairFile } from './recover-files.js';

export interface RecordingContext {
  target: StorageTarget;
  /** Where this push's bytes waiting for storage are counted (its publisher waits when too many). */
  backlog: PendingBytes;
  /** Told of every file opened and closed (the cataloger writes the rows). */
  events: RecordingEvents;
  /** A new file id (19 digits, time-ordered). */
  newId(): string;
  log: Logger;
  fileOptions: AppendFileOptions;
  publisher: PublisherInfo;
  broadcastId: string;
  /** The record task this recording is for, if any: every file carries it. */
  taskId: string | undefined;
  templateId: number | undefined;
  nameStem: string | undefined;
  /** A recording template's file-name templates (`VodFileName`), per format; they replace the stem. */
  fileNameTemplates: Partial<Record<RecordFormat, string>> | undefined;
  /** Planned length of a file (FLV, MP4, AAC): its start + this is what `{End…}` placeholders show. */
  intervalMs: number;
  warnings: readonly string[];
  /** Notes already logged for this push, so a repeated one is logged once. */
  notes: Set<string>;
}

/** A full disk is `disk_full`; any other storage error (EIO, no progress) `storage_error`. */
export function storageFailureReason(error: Error): 'disk_full' | 'storage_error' {
  return storageErrorCode(error) === 'ENOSPC' ? 'disk_full' : 'storage_error';
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
  readonly id: string;
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
    this.id = ctx.newId();
    this.span = new MediaSpan(startDts);
    this.wallStart = ctx.publisher.startedAt + startDts;
    const p = ctx.publisher;
    let key = '';
    this.file = new AppendFile(
      async () => {
        for (let attempt = 0; ; attempt++) {
          key = recordingKey(
            {
              app: p.app,
              stream: p.stream,
              stem: ctx.nameStem,
              startedAt: new Date(this.wallStart),
              format,
              fileNameTemplate: ctx.fileNameTemplates?.[format],
              plannedEndAt: new Date(this.wallStart + ctx.intervalMs),
            },
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
        await ctx.events.fileOpened({
          id: this.id,
          app: p.app,
          stream: p.stream,
          format,
          storageKey: key,
          startTime: this.wallStart,
          sessionId: p.sessionId,
          broadcastId: ctx.broadcastId,
          taskId: ctx.taskId,
          templateId: ctx.templateId,
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
   * Writes the tail, syncs, finalizes and catalogs the file. After a storage failure the file is
   * repaired (torn tail cut) and cataloged with reason `disk_full` or `storage_error`; a file that can
   * be neither finalized nor repaired is kept and cataloged `failed` with the error. Only a file with
   * no media at all is removed.
   */
  async finish(reason: SplitReason): Promise<void> {
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
        'recording file could not be created or cataloged; nothing of it is kept',
      );
      const key = await this.file.opened.catch(() => undefined);
      if (key !== undefined) await this.ctx.target.remove(key);
      return;
    }
    const key = await this.file.opened;
    const failure = this.file.failure;
    let finalReason: SplitReason = failure ? storageFailureReason(failure) : reason;
    let facts: RecoveredFile;
    try {
      if (failure) {
        facts = await repairFile(this.ctx.target, this.format, key);
      } else if (this.format === 'mp4') {
        const mp4 = await finalizeMp4(this.ctx.target, key);
        if (!mp4.fastStart) finalReason = 'disk_full';
        facts = mp4;
      } else {
        facts = { durationMs, sizeBytes: (await this.ctx.target.stat(key))?.sizeBytes ?? 0 };
      }
    } catch (error) {
      if (error instanceof EmptyRecordingError) return this.discard(key);
      return this.catalogFailed(key, failure ?? (error as Error), error as Error);
    }
    if (this.span.packets === 0 || facts.sizeBytes === 0) return this.discard(key);
    await this.ctx.events.fileClosed({
      id: this.id,
      kept: true,
      endTime: this.wallStart + facts.durationMs,
      sizeBytes: facts.sizeBytes,
      durationMs: facts.durationMs,
      reason: finalReason,
      warnings: this.ctx.warnings.length > 0 ? this.ctx.warnings : undefined,
    });
  }

  /** Keeps a file that could not be finalized nor repaired, cataloged `failed` with the error. */
  private async catalogFailed(key: string, cause: Error, finalizeError: Error): Promise<void> {
    const error =
      cause === finalizeError ? cause.message : `${cause.message}; repair: ${finalizeError.message}`;
    this.ctx.log.error({ err: finalizeError, format: this.format, key }, 'recording file kept as failed');
    await this.ctx.events.fileClosed({
      id: this.id,
      kept: true,
      endTime: this.wallStart + this.span.durationMs,
      sizeBytes: (await this.ctx.target.stat(key).catch(() => undefined))?.sizeBytes ?? this.file.size,
      durationMs: this.span.durationMs,
      reason: 'failed',
      error,
    });
  }

  private async discard(key: string): Promise<void> {
    await this.ctx.target.remove(key);
    await this.ctx.events.fileClosed({ id: this.id, kept: false });
  }
}
