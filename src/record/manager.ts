import type { Catalog } from '../catalog/db.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { StreamHub } from '../live/hub.js';
import type { LiveStream } from '../live/live-stream.js';
import type { Logger } from '../log.js';
import type { AppendFileOptions } from '../storage/append-file.js';
import { mediaKey } from '../storage/layout.js';
import type { MediaStore } from '../storage/media-store.js';
import type { StorageTarget } from '../storage/target.js';
import type { RecordingEvents } from './events.js';
import { type HlsResume, HlsResumeRegistry } from './hls-series.js';
import { EmptyRecordingError } from './mp4-finalize.js';
import {
  planRecording,
  RECORD_FORMATS,
  type RecordFormat,
  type RecordingDefaults,
  type RecordingPlan,
} from './plan.js';
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
  /** Told of every file opened and closed, recovered ones included (the cataloger writes the rows). */
  events: RecordingEvents;
  /** A new file id (19 digits, time-ordered). */
  newId(): string;
  /** The recording defaults a rule gives this stream, replacing the global setting (a push URL's win). */
  ruleDefaults?: (app: string, stream: string) => RuleRecordingSettings | undefined;
  /** Told when a recording starts, cannot start, is paused, resumes, fails and ends (event 332). */
  onRecordingStatus?: (status: RecordingStatus) => void;
}

/** A rule's recording defaults, and its template (whose storage time the files keep). */
export interface RuleRecordingSettings extends RecordingSettings {
  templateId: number;
  /** The template's file-name templates (`VodFileName`), per format. */
  fileNameTemplates?: Partial<Record<RecordFormat, string>>;
}

/**
 * What happened to a push's recording, for the formats named. `started`: a format's first file opened;
 * `start_failed`: the plan was refused after publish, or storage failed before a format's first file;
 * `paused`/`resumed`: storage held the publisher back (reported after a debounce, see StreamRecorder);
 * `error`: storage failed later and the format stopped; `ended`: the started formats' files are all
 * finalized and cataloged.
 */
export interface RecordingStatus {
  readonly event: 'started' | 'start_failed' | 'paused' | 'resumed' | 'error' | 'ended';
  readonly stream: LiveStream;
  readonly formats: readonly RecordFormat[];
  readonly taskId: string | undefined;
  readonly error?: Error;
}

/** A recording started by `recordFromNow`. */
export interface ExtraRecording {
  /** Ends the recording now; resolves when its files are finalized and cataloged. */
  stop(): Promise<void>;
  /** Resolves when its files are finalized (after `stop`, or after the push ended). */
  readonly finished: Promise<void>;
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
  /** Recordings beside the push's own (record tasks), until finalized, with the stream each records. */
  private readonly extra = new Map<StreamRecorder, LiveStream>();
  private readonly hlsResume: HlsResumeRegistry;
  private readonly backlog: GlobalBacklog;
  private readonly log: Logger;

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

  /** The formats this push is being recorded in, by its own recording or a record task's; [] = none. */
  formatsOf(stream: LiveStream): RecordFormat[] {
    const plans = [
      this.active.get(stream),
      ...[...this.extra].filter(([, s]) => s === stream).map(([r]) => r),
    ];
    const formats = new Set(plans.flatMap((recorder) => recorder?.plan.formats ?? []));
    return RECORD_FORMATS.filter((f) => formats.has(f));
  }

  /** The plan a push with this query would get; throws RecordPlanError for a request we refuse. */
  plan(query: URLSearchParams, rule?: RuleRecordingSettings): RecordingPlan {
    const base = rule ?? this.settings;
    const defaults: RecordingDefaults = {
      formats: base.formats,
      intervalSec: base.intervalSec,
      intervalMinSec: this.options.intervalMinSec,
      intervalMaxSec: this.options.intervalMaxSec,
    };
    const plan = planRecording(query, defaults);
    return rule && plan.source === 'global'
      ? { ...plan, source: 'rule', templateId: rule.templateId, fileNameTemplates: rule.fileNameTemplates }
      : plan;
  }

  private onPublish(stream: LiveStream): void {
    let plan: RecordingPlan;
    const rule = this.options.ruleDefaults?.(stream.publisher.app, stream.publisher.stream);
    const query = new URLSearchParams(stream.publisher.streamParam);
    try {
      plan = this.plan(query, rule);
    } catch (error) {
      this.log.error(
        { err: error, stream: stream.key },
        'recording plan refused after publish; not recording',
      );
      this.options.onRecordingStatus?.({
        event: 'start_failed',
        stream,
        formats: askedFormats(query, rule ?? this.settings),
        taskId: undefined,
        error: error as Error,
      });
      return;
    }
    if (plan.formats.length === 0) return;
    const resumeSec = (plan.source === 'rule' ? rule : this.settings)?.hlsResumeWindowSec ?? 0;
    const hlsResume = { registry: this.hlsResume, windowMs: resumeSec * 1000 };
    const recorder = this.attachRecorder(stream, plan, hlsResume);
    this.active.set(stream, recorder);
    void recorder.finished.then(() => this.active.delete(stream));
  }

  /**
   * Records a live stream from now on with `plan`, beside whatever else records it (a record task):
   * its own files, starting at the cached keyframe, never continuing or continued by an HLS resume.
   */
  recordFromNow(stream: LiveStream, plan: RecordingPlan): ExtraRecording {
    const recorder = this.attachRecorder(stream, plan, { registry: new HlsResumeRegistry(), windowMs: 0 });
    this.extra.set(recorder, stream);
    void recorder.finished.then(() => this.extra.delete(recorder));
    return {
      finished: recorder.finished,
      stop: () => {
        stream.detach(recorder);
        recorder.end();
        return recorder.finished;
      },
    };
  }

  private attachRecorder(stream: LiveStream, plan: RecordingPlan, hlsResume: HlsResume): StreamRecorder {
    const { taskId } = plan;
    const report = (event: RecordingStatus['event'], formats: readonly RecordFormat[], error?: Error) => {
      if (formats.length > 0) this.options.onRecordingStatus?.({ event, stream, formats, taskId, error });
    };
    const started: RecordFormat[] = [];
    const recorder = new StreamRecorder(stream, plan, {
      target: this.options.target,
      store: this.options.store,
      backlog: this.backlog,
      backlogMarks: this.options.backlog.stream,
      events: this.options.events,
      newId: this.options.newId,
      log: this.log,
      fileOptions: this.options.fileOptions,
      hlsSegmentDurationMs: this.options.hlsSegmentDurationMs,
      hlsResume,
      onFormatStarted: (format) => {
        started.push(format);
        report('started', [format]);
      },
      onStorageFailure: (format, error, beforeFirstFile) =>
        report(beforeFirstFile ? 'start_failed' : 'error', [format], error),
      // Only the formats still recording are paused; one that has not started yet is too.
      onPauseReport: (paused) => report(paused ? 'paused' : 'resumed', plan.formats),
    });
    void recorder.finished.then(() => report('ended', started));
    stream.attach(recorder);
    return recorder;
  }

  /** Waits for every recording to be finalized; call after the pushes have been ended. */
  async close(): Promise<void> {
    await Promise.all([...this.active.values(), ...this.extra.keys()].map((r) => r.finished));
    await this.hlsResume.finishAll();
  }

  /**
   * Files a crash left open (catalog rows still `recording`) are made playable, given their real
   * duration and size, and cataloged with reason `recovered`; files with no media are removed; a file
   * that cannot be repaired is kept and cataloged `failed` with the error.
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
        await this.options.events.fileClosed({
          id: row.id,
          kept: true,
          endTime: row.startTime + facts.durationMs,
          sizeBytes: facts.sizeBytes,
          durationMs: facts.durationMs,
          reason: 'recovered',
        });
        recovered++;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || error instanceof EmptyRecordingError) {
          await this.discard(row);
        } else {
          await this.keepFailed(row, error as Error);
        }
      }
    }
    if (open.length > 0) this.log.info({ recovered, found: open.length }, 'crash recovery finished');
    return recovered;
  }

  /** A file that received data but cannot be repaired is kept and cataloged `failed` with the error. */
  private async keepFailed(row: RecordingRow, error: Error): Promise<void> {
    this.log.error(
      { err: error, id: row.id, key: row.storageKey },
      'could not recover a recording; kept as failed',
    );
    const stored = await this.options.target.stat(row.storageKey).catch(() => undefined);
    await this.options.events.fileClosed({
      id: row.id,
      kept: true,
      endTime: row.startTime + row.durationMs,
      sizeBytes: stored?.sizeBytes ?? row.sizeBytes,
      durationMs: row.durationMs,
      reason: 'failed',
      error: `crash recovery: ${error.message}`,
    });
  }

  private async discard(row: RecordingRow): Promise<void> {
    const key = mediaKey(row);
    await this.options.target.remove(key);
    await this.options.events.fileClosed({ id: row.id, kept: false });
    this.log.info({ id: row.id, key }, 'removed an empty recording left by a crash');
  }
}

/**
 * The formats a refused push URL was asking for, for event 332 `record_start_failed`: the known names in
 * `record`, else the defaults it would have had.
 */
function askedFormats(
  query: URLSearchParams,
  defaults: { formats: readonly RecordFormat[] },
): RecordFormat[] {
  const named = (query.get('record') ?? '').split(/[|,]/).map((f) => f.trim().toLowerCase());
  const known = RECORD_FORMATS.filter((f) => named.includes(f));
  return known.length > 0 ? known : [...defaults.formats];
}

async function storedSettings(options: RecordingManagerOptions): Promise<RecordingSettings> {
  const saved = await options.catalog.settings.get<Partial<RecordingSettings>>(SETTINGS_KEY);
  // Settings saved before a field existed take that field from configuration.
  return { ...options.defaults, ...saved };
}
