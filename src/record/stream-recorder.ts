import type { LiveStream } from '../live/live-stream.js';
import type { StreamSink } from '../live/sink.js';
import type { Logger } from '../log.js';
import type { CodecConfig, MediaPacket } from '../media/packet.js';
import type { AppendFileOptions } from '../storage/append-file.js';
import type { StorageTarget } from '../storage/target.js';
import type { RecordingEvents } from './events.js';
import type { RecordingContext } from './file-recording.js';
import { FileSeries } from './file-series.js';
import { type HlsResume, HlsSeries } from './hls-series.js';
import type { RecordFormat, RecordingPlan } from './plan.js';
import type { FormatRecorder, SeriesOptions } from './segmented-series.js';
import type { GlobalBacklog, StreamBacklog, WaterMarks } from './write-backlog.js';

export interface RecorderDeps {
  target: StorageTarget;
  /** Bytes waiting for storage over all recordings; each push's backlog is part of it. */
  backlog: GlobalBacklog;
  /** When this push's own backlog pauses its publisher and lets it go on. */
  backlogMarks: WaterMarks;
  /** Told of every file opened and closed (the cataloger writes the rows). */
  events: RecordingEvents;
  newId(): string;
  log: Logger;
  fileOptions: AppendFileOptions;
  hlsSegmentDurationMs: number;
  hlsResume: HlsResume;
  /** The first storage failure of this recording (it stops; live goes on). */
  onStorageFailure?(format: RecordFormat, error: Error): void;
}

/**
 * Records one push in every format its plan asks for. It is a sink of the live stream like a player,
 * but internal: it never drops, and a storage failure stops only its own recording (live goes on).
 */
export class StreamRecorder implements StreamSink {
  readonly role = 'internal';
  private readonly formats: FormatRecorder[];
  private ended = false;
  private resolveFinished!: () => void;
  /** Resolves when every file of this push is finalized and cataloged (after `end`). */
  readonly finished = new Promise<void>((resolve) => {
    this.resolveFinished = resolve;
  });
  private storageFailureLogged = false;
  private readonly backlog: StreamBacklog;

  constructor(
    stream: LiveStream,
    readonly plan: RecordingPlan,
    deps: RecorderDeps,
  ) {
    const log = deps.log.child({ app: stream.publisher.app, stream: stream.publisher.stream });
    const resumed = plan.formats.includes('hls') ? deps.hlsResume.registry.take(stream.key) : undefined;
    if (resumed) log.info('re-push within the HLS resume window: continuing the playlist');
    // Storage behind: the publisher waits (its socket is not read) rather than anything being dropped.
    this.backlog = deps.backlog.stream(deps.backlogMarks, (paused) => {
      if (paused) stream.holdIngest(this);
      else stream.releaseIngest(this);
    });
    const ctx: RecordingContext = {
      target: deps.target,
      backlog: this.backlog,
      events: deps.events,
      newId: deps.newId,
      log,
      fileOptions: deps.fileOptions,
      publisher: stream.publisher,
      broadcastId: resumed?.broadcastId ?? stream.publisher.sessionId,
      taskId: plan.taskId,
      templateId: plan.templateId,
      nameStem: plan.nameStem,
      warnings: plan.warnings,
      notes: new Set(),
    };
    const options: SeriesOptions = {
      intervalMs: plan.intervalSec * 1000,
      audioOnly: plan.tracks === 'audio',
      onStorageFailure: (format, error) => {
        if (this.storageFailureLogged) return;
        this.storageFailureLogged = true;
        deps.onStorageFailure?.(format, error);
        log.error(
          { err: error, format },
          `recording stopped: storage failed (${error.message}); live playback continues`,
        );
      },
    };
    this.formats = plan.formats.map((format) =>
      format === 'hls'
        ? new HlsSeries(ctx, stream.key, deps.hlsSegmentDurationMs, deps.hlsResume, options, resumed)
        : new FileSeries(format, ctx, options),
    );
    if (plan.warnings.length > 0) log.warn({ warnings: plan.warnings }, 'recording parameters corrected');
    log.info(
      { formats: plan.formats, intervalSec: plan.intervalSec, tracks: plan.tracks },
      'recording started',
    );
  }

  metadata(): void {}

  config(config: CodecConfig): void {
    for (const f of this.formats) f.config(config);
  }

  packet(packet: MediaPacket): void {
    for (const f of this.formats) f.packet(packet);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    void Promise.all(this.formats.map((f) => f.end())).then(() => {
      this.backlog.close();
      this.resolveFinished();
    });
  }
}
