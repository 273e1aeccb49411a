import { AdtsContainer } from './adts-container.js';
import { recordableTracks } from './codec-support.js';
import type { ContainerWriter } from './container-writer.js';
import { FileRecording, type RecordingContext } from './file-recording.js';
import { FileSplitter, type FileTracks } from './file-splitter.js';
import { FlvContainer } from './flv-container.js';
import { Mp4Container } from './mp4-container.js';
import type { RecordFormat } from './plan.js';
import { SegmentedSeries, type SeriesOptions, warnOnce } from './segmented-series.js';

const VIDEO_WAIT_MS = 1000;

function containerFor(
  format: Exclude<RecordFormat, 'hls'>,
  tracks: FileTracks,
  startDts: number,
  intervalMs: number,
): ContainerWriter {
  if (format === 'flv') return new FlvContainer(tracks, startDts, intervalMs);
  if (format === 'mp4') return new Mp4Container(tracks);
  return new AdtsContainer(tracks);
}

/** FLV, MP4 or AAC: a series of files split by interval and codec changes. */
export class FileSeries extends SegmentedSeries {
  private current: FileRecording | undefined;
  private readonly finishing = new Set<Promise<unknown>>();

  constructor(
    protected override readonly format: Exclude<RecordFormat, 'hls'>,
    ctx: RecordingContext,
    options: SeriesOptions,
  ) {
    super(
      format,
      new FileSplitter({
        intervalMs: options.intervalMs,
        audioOnly: options.audioOnly || format === 'aac',
        videoWaitMs: VIDEO_WAIT_MS,
      }),
      ctx,
      options,
    );
  }

  async end(): Promise<void> {
    if (!this.stopped) {
      this.actions.length = 0;
      this.splitter.end(this.actions);
      this.apply();
    }
    while (this.finishing.size > 0) await Promise.all([...this.finishing]);
  }

  protected apply(): void {
    for (const action of this.actions) {
      if (action.type === 'write') {
        this.current?.write(action.packet);
      } else if (action.type === 'open') {
        const { tracks, dropped } = recordableTracks(this.format, action.tracks);
        for (const note of dropped) warnOnce(this.ctx, note);
        this.current =
          tracks.video || tracks.audio
            ? new FileRecording(
                this.ctx,
                this.format,
                tracks,
                action.startDts,
                containerFor(this.format, tracks, action.startDts, this.options.intervalMs),
                (error) => this.storageFailed(error),
              )
            : undefined;
      } else if (this.current) {
        this.finish(this.current, action.reason);
        this.current = undefined;
      }
    }
  }

  private finish(file: FileRecording, reason: Parameters<FileRecording['finish']>[0]): void {
    const done: Promise<unknown> = file
      .finish(reason)
      .catch((error: unknown) =>
        this.ctx.log.error({ err: error, format: this.format }, 'finishing a recording failed'),
      )
      .finally(() => this.finishing.delete(done));
    this.finishing.add(done);
  }

  protected finishCurrent(reason: 'unpublish' | 'disk_full'): void {
    if (this.current) this.finish(this.current, reason);
    this.current = undefined;
  }
}
