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
  /**
   * The first storage failure of this recording (it stops; live goes on). `beforeFirstFile`: the format
   * had not opened a file yet, so its recording never started.
   */
  onStorageFailure?(format: RecordFormat, error: Error, beforeFirstFile: boolean): void;
  /** A format's first file is open (or an HLS recording resumed): its recording has started. */
  onFormatStarted?(format: RecordFormat): void;
  /** Storage held the publisher back for `PAUSE_REPORT_AFTER_MS` (true), and let it go on again (false). */
  onPauseReport?(paused: boolean): void;
}

/**
 * A publisher held back by storage for less than this is not reported: backpressure that clears within
 * a moment is normal under a burst, and a receiver would get a paused/resumed pair for every blip.
 */
export const PAUSE_REPORT_AFTER_MS = 2000;

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
  /** Formats that have opened a file: a storage failure after that is an error, before it a failed start. */
  private readonly startedFormats = new Set<RecordFormat>();
  private pauseTimer: NodeJS.Timeout | undefined;
  private pauseReported = false;

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
      this.reportPause(paused, deps);
    });
    const formatStarted = (format: RecordFormat): void => {
      if (this.startedFormats.has(format)) return;
      this.startedFormats.add(format);
      deps.onFormatStarted?.(format);
    };
    const ctx: RecordingContext = {
      target: deps.target,
      backlog: this.backlog,
      events: {
        fileOpened: (event) => {
          formatStarted(event.format);
          return deps.events.fileOpened(event);
        },
        fileClosed: (event) => deps.events.fileClosed(event),
      },
      newId: deps.newId,
      log,
      fileOptions: deps.fileOptions,
      publisher: stream.publisher,
      broadcastId: resumed?.broadcastId ?? stream.publisher.sessionId,
      taskId: plan.taskId,
      templateId: plan.templateId,
      nameStem: plan.nameStem,
      fileNameTemplates: plan.fileNameTemplates,
      intervalMs: plan.intervalSec * 1000,
      warnings: plan.warnings,
      notes: new Set(),
    };
    const options: SeriesOptions = {
      intervalMs: plan.intervalSec * 1000,
      audioOnly: plan.tracks === 'audio',
      onStorageFailure: (format, error) => {
        if (this.storageFailureLogged) return;
        this.storageFailureLogged = true;
        deps.onStorageFailure?.(format, error, !this.startedFormats.has(format));
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
    if (resumed) formatStarted('hls');
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

  /**
   * Reports a pause only once it has lasted PAUSE_REPORT_AFTER_MS, and its end only when the pause was
   * reported: at most one paused/resumed pair per pause, none for a blip.
   */
  private reportPause(paused: boolean, deps: RecorderDeps): void {
    clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    if (paused) {
      this.pauseTimer = setTimeout(() => {
        this.pauseTimer = undefined;
        this.pauseReported = true;
        deps.onPauseReport?.(true);
      }, PAUSE_REPORT_AFTER_MS);
      this.pauseTimer.unref();
    } else if (this.pauseReported) {
      this.pauseReported = false;
      deps.onPauseReport?.(false);
    }
  }
}
