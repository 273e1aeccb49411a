import { recordableTracks } from './codec-support.js';
import type { RecordingContext } from './file-recording.js';
import { FileSplitter, type FileTracks } from './file-splitter.js';
import { HlsRecording } from './hls-recording.js';
import { SegmentedSeries, type SeriesOptions, warnOnce } from './segmented-series.js';

/**
 * HLS recordings parked after their push ended, waiting a while for the same stream to come back
 * (Tencent's "HLS 续录"). A re-push takes the recording over and continues the playlist; when the window
 * passes, the recording is finished and reported as one file.
 */
export class HlsResumeRegistry {
  private readonly parked = new Map<
    string,
    { recording: HlsRecording; timer: NodeJS.Timeout; finish: () => Promise<void> }
  >();

  park(key: string, recording: HlsRecording, windowMs: number, finish: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.parked.delete(key);
      void finish();
    }, windowMs);
    this.parked.set(key, { recording, timer, finish });
  }

  take(key: string): HlsRecording | undefined {
    const entry = this.parked.get(key);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.parked.delete(key);
    return entry.recording;
  }

  /** Shutdown: finish every parked recording now. */
  async finishAll(): Promise<void> {
    const entries = [...this.parked.values()];
    this.parked.clear();
    for (const e of entries) clearTimeout(e.timer);
    await Promise.all(entries.map((e) => e.finish()));
  }
}

/** Where a push's HLS recording is parked when it ends, and for how long (the setting when it started). */
export interface HlsResume {
  readonly registry: HlsResumeRegistry;
  /** 0: finish the recording when the push ends. */
  readonly windowMs: number;
}

/** The HLS recording of one push: no interval splits; codec changes and re-pushes become discontinuities. */
export class HlsSeries extends SegmentedSeries {
  private recording: HlsRecording | undefined;
  /** The tracks of the part being recorded (what MPEG-TS can carry of the stream). */
  private partTracks: FileTracks | undefined;
  private finishing: Promise<void> = Promise.resolve();

  constructor(
    ctx: RecordingContext,
    private readonly streamKey: string,
    private readonly targetDurationMs: number,
    private readonly resume: HlsResume,
    options: SeriesOptions,
    resumed: HlsRecording | undefined,
  ) {
    super(
      'hls',
      new FileSplitter({
        intervalMs: Number.POSITIVE_INFINITY,
        audioOnly: options.audioOnly,
        videoWaitMs: 1000,
      }),
      ctx,
      options,
    );
    this.recording = resumed;
  }

  protected apply(): void {
    for (const action of this.actions) {
      if (action.type === 'write') {
        if (this.partTracks?.[action.packet.kind]) this.recording?.write(action.packet);
      } else if (action.type === 'open') {
        const { tracks, dropped } = recordableTracks('hls', action.tracks);
        for (const note of dropped) warnOnce(this.ctx, note);
        this.partTracks = tracks.video || tracks.audio ? tracks : undefined;
        if (!this.partTracks) continue;
        this.recording ??= new HlsRecording(this.ctx, this.targetDurationMs, action.startDts, (e) =>
          this.storageFailed(e),
        );
        this.recording.noteTracks(tracks);
        this.recording.startPart(tracks, this.ctx);
      }
      // 'close' (a codec change) needs nothing: the next 'open' starts a new part.
    }
  }

  async end(): Promise<void> {
    const recording = this.recording;
    this.recording = undefined;
    if (recording) {
      recording.endPart();
      if (this.resume.windowMs > 0)
        this.resume.registry.park(this.streamKey, recording, this.resume.windowMs, () =>
          this.finish(recording, 'unpublish'),
        );
      else await this.finish(recording, 'unpublish');
    }
    await this.finishing;
  }

  private async finish(recording: HlsRecording, reason: 'unpublish' | 'disk_full'): Promise<void> {
    try {
      await recording.finish(reason);
    } catch (error) {
      this.ctx.log.error({ err: error }, 'finishing an HLS recording failed');
    }
  }

  protected finishCurrent(reason: 'unpublish' | 'disk_full'): void {
    const recording = this.recording;
    this.recording = undefined;
    if (recording) {
      recording.endPart();
      this.finishing = this.finish(recording, reason);
    }
  }
}
