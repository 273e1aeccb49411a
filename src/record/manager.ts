import type { Catalog } from '../catalog/db.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { FinishExtra } from '../catalog/recordings.js';
import type { StreamHub } from '../live/hub.js';
import type { LiveStream } from '../live/live-stream.js';
import type { Logger } from '../log.js';
import type { AppendFileOptions } from '../storage/append-file.js';
import type { MediaStore } from '../storage/media-store.js';
import type { StorageTarget } from '../storage/target.js';
import { HlsResumeRegistry } from './hls-series.js';
import { EmptyRecordingError } from './mp4-finalize.js';
import { planRecording, type RecordFormat, type RecordingDefaults, type RecordingPlan } from './plan.js';
import { repairFile } from './recover-files.js';
import { StreamRecorder } from './stream-recorder.js';
import { GlobalBacklog, type WaterMarks } from './write-backlog.js';

/** The global recording setting, changeable at runtime; applies to pushes that start afterwards. */
export interface RecordingSettings {
  formats: RecordFormat[];
  intervalSec: number;
  /** Seconds an ended push's HLS recording waits for the stream to come back and continue it. */
  hlsResumeWindowSec: number;
}

const SETTINGS_KEY = 'recording';

export interface RecordingManagerOptions {
  hub: StreamHub;
  catalog: Catalog;
  target: StorageTarget;
  store: MediaStore;
  /** Bytes waiting for storage, per push and over all pushes, at which publishers are paused. */
  backlog: { stream: WaterMarks; total: WaterMarks };
  log: Logger;
  defaults: RecordingSettings;
  intervalMinSec: number;
  intervalMaxSec: number;
  hlsSegmentDurationMs: number;
  fileOptions: AppendFileOptions;
  /** Runs in the transaction that catalogs each finished file, recovered ones included. */
  onFinishing?: FinishExtra;
}

/**
 * Owns recording for the whole server: plans each push, attaches a StreamRecorder to it, recovers
 * files a crash left open, and finishes everything on shutdown.
 */
export class RecordingManager {
  private settings: RecordingSettings;
  /** Bumped by every write: a refresh that read before a write must not undo it. */
  private settingsWrites = 0;
  /** By the stream each records; a recorder stays until its files are finalized. */
  private readonly active = new Map<LiveStream, StreamRecorder>();
  private readonly hlsResume: HlsResumeRegistry;
  private readonly backlog: GlobalBacklog;
  private readonly log: Logger;
  /** Recordings finished since start, for metrics and tests. */
  filesFinished = 0;

  private constructor(
    private readonly options: RecordingManagerOptions,
    settings: RecordingSettings,
  ) {
    this.settings = settings;
    this.log = options.log.child({ component: 'record' });
    this.hlsResume = new HlsResumeRegistry();
    this.backlog = new GlobalBacklog(options.backlog.total);
    options.hub.on('publish', (stream) => this.onPublish(stream));
  }

  static async start(options: RecordingManagerOptions): Promise<RecordingManager> {
    return new RecordingManager(options, await storedSettings(options));
  }

  /** Re-reads the global setting, which another node sharing the catalog may have changed. */
  async refreshSettings(): Promise<void> {
    const writes = this.settingsWrites;
    const stored = await storedSettings(this.options);
    if (writes === this.settingsWrites) this.settings = stored;
  }

  get recordingSettings(): RecordingSettings {
    return { ...this.settings, formats: [...this.settings.formats] };
  }

  async updateSettings(next: RecordingSettings): Promise<RecordingSettings> {
    this.settingsWrites++;
    await this.options.catalog.settings.set(SETTINGS_KEY, next);
    this.settings = { ...next, formats: [...next.formats] };
    this.log.info({ settings: next }, 'global recording setting changed; applies to the next push');
    return this.recordingSettings;
  }

  /** Bytes of recorded media waiting for storage, over all pushes. */
  get pendingBytes(): number {
    return this.backlog.pendingBytes;
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** The formats this push is being recorded in; [] when it is not recorded. */
  formatsOf(stream: LiveStream): RecordFormat[] {
    const recorder = this.active.get(stream);
    return recorder ? [...recorder.plan.formats] : [];
  }

  /** The plan a push with this query would get; throws RecordPlanError for a request we refuse. */
  plan(query: URLSearchParams): RecordingPlan {
    const defaults: RecordingDefaults = {
      formats: this.settings.formats,
      intervalSec: this.settings.intervalSec,
      intervalMinSec: this.options.intervalMinSec,
      intervalMaxSec: this.options.intervalMaxSec,
    };
    return planRecording(query, defaults);
  }

  private onPublish(stream: LiveStream): void {
    let plan: RecordingPlan;
    try {
      plan = this.plan(new URLSearchParams(stream.publisher.streamParam));
    } catch (error) {
      this.log.error(
        { err: error, stream: stream.key },
        'recording plan refused after publish; not recording',
      );
      return;
    }
    if (plan.formats.length === 0) return;
    const recorder = new StreamRecorder(stream, plan, {
      target: this.options.target,
      store: this.options.store,
      backlog: this.backlog,
      backlogMarks: this.options.backlog.stream,
      catalog: this.options.catalog,
      log: this.log,
      fileOptions: this.options.fileOptions,
      hlsSegmentDurationMs: this.options.hlsSegmentDurationMs,
      hlsResume: { registry: this.hlsResume, windowMs: this.settings.hlsResumeWindowSec * 1000 },
      onFileFinished: (row) => this.onFileFinished(row),
      onFinishing: this.options.onFinishing,
    });
    this.active.set(stream, recorder);
    stream.attach(recorder);
    void recorder.finished.then(() => this.active.delete(stream));
  }

  private onFileFinished(row: RecordingRow): void {
    this.filesFinished++;
    this.log.info(
      {
        id: row.id,
        format: row.format,
        key: row.storageKey,
        durationMs: row.durationMs,
        size: row.sizeBytes,
        reason: row.reason,
      },
      'recording file finished',
    );
  }

  /** Waits for every recording to be finalized; call after the pushes have been ended. */
  async close(): Promise<void> {
    await Promise.all([...this.active.values()].map((r) => r.finished));
    await this.hlsResume.finishAll();
  }

  /**
   * Files a crash left open (catalog rows still `recording`) are made playable, given their real
   * duration and size, and cataloged with reason `recovered`; files with no media are removed.
   */
  async recover(): Promise<number> {
    const open = await this.options.catalog.recordings.listOpen();
    let recovered = 0;
    for (const row of open) {
      const path = this.options.store.pathOf(row.storageKey);
      try {
        const facts = await repairFile(row.format, path);
        if (facts.sizeBytes === 0 || facts.durationMs === 0) {
          await this.discard(row);
          continue;
        }
        const finished = await this.options.catalog.recordings.finish(
          row.id,
          {
            endTime: row.startTime + facts.durationMs,
            sizeBytes: facts.sizeBytes,
            durationMs: facts.durationMs,
            reason: 'recovered',
          },
          this.options.onFinishing,
        );
        this.onFileFinished(finished);
        recovered++;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || error instanceof EmptyRecordingError) {
          await this.discard(row);
        } else {
          this.log.error(
            { err: error, id: row.id, key: row.storageKey },
            'could not recover a recording; it stays open for the next start',
          );
        }
      }
    }
    if (open.length > 0) this.log.info({ recovered, found: open.length }, 'crash recovery finished');
    return recovered;
  }

  private async discard(row: RecordingRow): Promise<void> {
    const key =
      row.format === 'hls' ? row.storageKey.slice(0, row.storageKey.lastIndexOf('/')) : row.storageKey;
    await this.options.store.remove(key);
    await this.options.catalog.recordings.delete(row.id);
    this.log.info({ id: row.id, key }, 'removed an empty recording left by a crash');
  }
}

async function storedSettings(options: RecordingManagerOptions): Promise<RecordingSettings> {
  const saved = await options.catalog.settings.get<Partial<RecordingSettings>>(SETTINGS_KEY);
  // Settings saved before a field existed take that field from configuration.
  return { ...options.defaults, ...saved };
}
