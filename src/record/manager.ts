import type { StreamHub } from '../live/hub.js';
import type { LiveStream } from '../live/live-stream.js';
import type { Logger } from '../log.js';
import type { AppendFileOptions } from '../storage/append-file.js';
import { mediaKey, playlistKey, recordingMediaOf } from '../storage/layout.js';
import { type StorageTarget, storageErrorCode } from '../storage/target.js';
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

/** Where the global recording setting is kept (the catalog's settings table, in the server). */
export interface RecordingSettingsStore {
  /** The saved setting; fields saved before they existed are missing. */
  load(): Promise<Partial<RecordingSettings> | undefined>;
  save(settings: RecordingSettings): Promise<void>;
}

/** A file a crash left open: what recovery needs of its catalog row. */
export interface OpenRecording {
  readonly id: string;
  readonly format: RecordFormat;
  readonly storageKey: string;
  readonly startTime: number;
  readonly durationMs: number;
  readonly sizeBytes: number;
}

/** Of these storage keys, the ones some catalog row names. */
export type CatalogedKeys = (storageKeys: readonly string[]) => Promise<ReadonlySet<string>>;

/**
 * A recording-shaped file younger than this is not swept: another process sharing the media folder
 * may have created it a moment ago and not yet inserted its row.
 */
const ORPHAN_MIN_AGE_MS = 10 * 60_000;

export interface RecordingManagerOptions {
  hub: StreamHub;
  settingsStore: RecordingSettingsStore;
  target: StorageTarget;
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
  /** Wall clock, ms since the epoch (tests pass their own). */
  now?: () => number;
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
    await this.options.settingsStore.save(next);
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
   * Files a crash left open (`open`: catalog rows still `recording`) are made playable, given their real
   * duration and size, and cataloged with reason `recovered`; files with no media are removed; a file
   * that cannot be repaired is kept and cataloged `failed` with the error. Rows are written through
   * the same `events` as live recordings.
   */
  async recover(open: readonly OpenRecording[]): Promise<number> {
    let recovered = 0;
    for (const row of open) {
      try {
        const facts = await repairFile(this.options.target, row.format, mediaKey(row));
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
        if (storageErrorCode(error) === 'ENOENT' || error instanceof EmptyRecordingError) {
          await this.discard(row);
        } else {
          await this.keepFailed(row, error as Error);
        }
      }
    }
    if (open.length > 0) this.log.info({ recovered, found: open.length }, 'crash recovery finished');
    return recovered;
  }

  /**
   * Removes recording files no catalog row names: a crash between creating a file and inserting its
   * row, or a stray fast-start rewrite. Only recording-shaped keys (layout.ts) older than a few minutes
   * are considered, so snapshots, posters and another process's brand-new file are never touched.
   * Run at start, after `recover`.
   */
  async sweepOrphans(cataloged: CatalogedKeys): Promise<number> {
    const now = (this.options.now ?? Date.now)();
    const media = new Map<string, string>(); // media key → the storage key its row would have
    const young = new Set<string>();
    for (const stored of await this.options.target.list('')) {
      const found = recordingMediaOf(stored.key);
      if (found === undefined) continue;
      media.set(found.media, found.hls ? playlistKey(found.media) : found.media);
      if (stored.modifiedAt > now - ORPHAN_MIN_AGE_MS) young.add(found.media);
    }
    const candidates = [...media].filter(([m]) => !young.has(m));
    const known = await cataloged(candidates.map(([, storageKey]) => storageKey));
    let removed = 0;
    for (const [m, storageKey] of candidates) {
      if (known.has(storageKey)) continue;
      await this.options.target.remove(m);
      this.log.warn({ key: m }, 'removed a recording file no catalog row names (left by a crash)');
      removed++;
    }
    return removed;
  }

  /** A file that received data but cannot be repaired is kept and cataloged `failed` with the error. */
  private async keepFailed(row: OpenRecording, error: Error): Promise<void> {
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

  private async discard(row: OpenRecording): Promise<void> {
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
  const saved = await options.settingsStore.load();
  // Settings saved before a field existed take that field from configuration.
  return { ...options.defaults, ...saved };
}
