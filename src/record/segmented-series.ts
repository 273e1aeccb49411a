import type { CodecConfig, MediaPacket } from '../media/packet.js';
import type { RecordingContext } from './file-recording.js';
import type { FileSplitter, SplitAction } from './file-splitter.js';
import type { RecordFormat } from './plan.js';

/** The recording of one format for one push: the stream's packets in, files and catalog rows out. */
export interface FormatRecorder {
  config(config: CodecConfig): void;
  packet(packet: MediaPacket): void;
  /** The push ended; resolves once every file of this format is finalized and cataloged. */
  end(): Promise<void>;
}

export interface SeriesOptions {
  intervalMs: number;
  audioOnly: boolean;
  /** Called once when storage fails (full disk, unwritable folder): recording of this format stops. */
  onStorageFailure(format: RecordFormat, error: Error): void;
}

/** Logs a recording note once per push (a codec change can repeat it at every file). */
export function warnOnce(ctx: RecordingContext, note: string): void {
  if (ctx.notes.has(note)) return;
  ctx.notes.add(note);
  ctx.log.warn(note);
}

/**
 * What every format's recorder does the same way: packets go through the file splitter, its actions are
 * applied by the format, and a failure stops this format only — a container that cannot take the stream
 * closes its file as `unpublish`, a storage failure as `disk_full` — while the push and other formats go on.
 */
export abstract class SegmentedSeries implements FormatRecorder {
  protected readonly actions: SplitAction[] = [];
  protected stopped = false;

  constructor(
    protected readonly format: RecordFormat,
    protected readonly splitter: FileSplitter,
    protected readonly ctx: RecordingContext,
    protected readonly options: SeriesOptions,
  ) {}

  config(config: CodecConfig): void {
    this.splitter.config(config);
  }

  packet(packet: MediaPacket): void {
    if (this.stopped) return;
    this.actions.length = 0;
    this.splitter.push(packet, this.actions);
    try {
      this.apply();
    } catch (error) {
      this.ctx.log.warn(
        { err: error, format: this.format },
        'recording of this format stopped: the stream cannot be stored in it',
      );
      this.stopped = true;
      this.finishCurrent('unpublish');
    }
  }

  abstract end(): Promise<void>;

  /** Carries out `actions`: writes, file opens and closes. */
  protected abstract apply(): void;

  /** Closes the file being written, if any, for good: recording of this format has stopped. */
  protected abstract finishCurrent(reason: 'unpublish' | 'disk_full'): void;

  protected storageFailed(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.options.onStorageFailure(this.format, error);
    this.finishCurrent('disk_full');
  }
}
