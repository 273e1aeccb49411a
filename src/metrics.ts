/**
 * The Prometheus metrics of one LiveTape process (`GET /metrics`). Gauges are read from their sources
 * at scrape time; counters follow events: pushes from the hub, finished files from the catalog, and
 * deletions and failures reported by the modules that cause them. A registry of its own per server,
 * so several servers in one process (tests) never share counts.
 */
import { type Histogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Catalog } from './catalog/db.js';
import type { RecordingRow } from './catalog/recording-row.js';
import type { StreamHub } from './live/hub.js';
import type { UploadStats } from './storage/upload-worker.js';

export interface MetricsSources {
  hub: StreamHub;
  catalog: Catalog;
  /** Streams being recorded by this process. */
  recordings: { readonly activeCount: number };
}

/**
 * The event-loop delay is sampled by a libuv timer. prom-client's default of every 10 ms woke an idle server
 * 100 times a second (most of its idle CPU); once a second still catches every stall that spans a second, and
 * `nodejs_eventloop_lag_seconds` is measured afresh at each scrape anyway.
 */
const EVENT_LOOP_SAMPLE_MS = 1000;
/** prom-client's own sampler cannot be turned off; its figures are replaced, so it may sleep. */
const UNUSED_SAMPLER_MS = 3_600_000;
/** Node records the time between the sampler's wake-ups; the delay is what exceeds the interval. */
const SAMPLE_NS = EVENT_LOOP_SAMPLE_MS * 1e6;
const beyondInterval = (ns: number) => Math.max(0, ns - SAMPLE_NS);
const EVENT_LOOP_DELAY_STATS: ReadonlyArray<[string, (h: Histogram) => number]> = [
  ['min', (h) => beyondInterval(h.min)],
  ['max', (h) => beyondInterval(h.max)],
  ['mean', (h) => beyondInterval(h.mean)],
  ['stddev', (h) => h.stddev],
  ['p50', (h) => beyondInterval(h.percentile(50))],
  ['p90', (h) => beyondInterval(h.percentile(90))],
  ['p99', (h) => beyondInterval(h.percentile(99))],
];

/**
 * `nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds` over the time since the previous scrape,
 * as prom-client names them, from a sampler that wakes once a second. A scrape with no sample since the last
 * one (scrapes less than a second apart) reports 0, where prom-client wrote an unparsable `Nan`.
 */
function registerEventLoopDelay(registry: Registry): void {
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
  histogram.enable();
  const last = EVENT_LOOP_DELAY_STATS.length - 1;
  for (const [i, [stat, read]] of EVENT_LOOP_DELAY_STATS.entries()) {
    const name = `nodejs_eventloop_lag_${stat}_seconds`;
    registry.removeSingleMetric(name);
    new Gauge({
      name,
      help: `The ${stat} of the event loop's delay since the previous scrape, sampled once a second.`,
      registers: [registry],
      collect() {
        this.set(histogram.count > 0 ? read(histogram) / 1e9 : 0);
        // A scrape collects the gauges in the order they were registered: the last one starts a new window.
        if (i === last) histogram.reset();
      },
    });
  }
}

/** Why a recording was deleted: by the API, or by a retention rule. */
export type DeletionCause = 'api' | 'age' | 'size';

/** What failed in the media store. */
export type StorageOperation = 'record' | 'delete';

export class Metrics implements UploadStats {
  readonly registry = new Registry();
  private readonly publishes: Counter;
  private readonly publishesEnded: Counter<'reason'>;
  private readonly protocolErrors: Counter;
  private readonly files: Counter<'format' | 'reason'>;
  private readonly bytes: Counter<'format'>;
  private readonly deleted: Counter<'cause'>;
  private readonly deletedBytes: Counter<'cause'>;
  private readonly sweeps: Counter;
  private readonly storageFailures: Counter<'operation'>;
  private readonly uploads: Counter<'result'>;
  private readonly uploadBytes: Counter;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: UNUSED_SAMPLER_MS });
    registerEventLoopDelay(this.registry);
    new Gauge({
      name: 'livetape_live_streams',
      help: 'Streams being pushed now.',
      registers,
      collect() {
        this.set(sources.hub.list().length);
      },
    });
    new Gauge({
      name: 'livetape_live_players',
      help: 'Players watching live streams now (RTMP and HTTP-FLV).',
      registers,
      collect() {
        this.set(sources.hub.list().reduce((sum, stream) => sum + stream.viewerCount, 0));
      },
    });
    new Gauge({
      name: 'livetape_recording_streams',
      help: 'Streams being recorded now by this process.',
      registers,
      collect() {
        this.set(sources.recordings.activeCount);
      },
    });
    this.publishes = new Counter({ name: 'livetape_publishes_total', help: 'Pushes started.', registers });
    this.publishesEnded = new Counter({
      name: 'livetape_publishes_ended_total',
      help: 'Pushes ended, by reason (deleteStream, closeStream, socketClosed, socketError, protocolError, idleTimeout, kicked, shutdown).',
      labelNames: ['reason'],
      registers,
    });
    this.protocolErrors = new Counter({
      name: 'livetape_protocol_errors_total',
      help: 'Pushes closed because the publisher broke the protocol.',
      registers,
    });
    this.files = new Counter({
      name: 'livetape_recording_files_total',
      help: 'Recording files finished and cataloged, by format and why they were closed.',
      labelNames: ['format', 'reason'],
      registers,
    });
    this.bytes = new Counter({
      name: 'livetape_recording_bytes_total',
      help: 'Bytes of the recording files finished, by format.',
      labelNames: ['format'],
      registers,
    });
    this.deleted = new Counter({
      name: 'livetape_recordings_deleted_total',
      help: 'Recordings deleted, by cause: api, or the retention rule age or size.',
      labelNames: ['cause'],
      registers,
    });
    this.deletedBytes = new Counter({
      name: 'livetape_recordings_deleted_bytes_total',
      help: 'Bytes of the recordings deleted, by cause.',
      labelNames: ['cause'],
      registers,
    });
    this.sweeps = new Counter({
      name: 'livetape_retention_sweeps_total',
      help: 'Retention sweeps run.',
      registers,
    });
    this.storageFailures = new Counter({
      name: 'livetape_storage_failures_total',
      help: 'Media store failures: record (a recording stopped by a failed write) or delete.',
      labelNames: ['operation'],
      registers,
    });
    this.uploads = new Counter({
      name: 'livetape_uploads_total',
      help: 'Object-store uploads (STORAGE=s3) by result: stored (size and checksum verified), or failed (retried later).',
      labelNames: ['result'],
      registers,
    });
    this.uploadBytes = new Counter({
      name: 'livetape_upload_bytes_total',
      help: 'Bytes stored in the object store (verified uploads).',
      registers,
    });
    new Gauge({
      name: 'livetape_uploads_pending',
      help: 'Upload jobs waiting in the outbox (all nodes sharing the catalog).',
      registers,
      async collect() {
        this.set((await sources.catalog.uploads.backlog()).pending);
      },
    });

    sources.hub.on('publish', () => this.publishes.inc());
    sources.hub.on('unpublish', (_stream, reason) => {
      this.publishesEnded.inc({ reason });
      if (reason === 'protocolError') this.protocolErrors.inc();
    });
    sources.catalog.events.on('recordingFinished', (row) => this.fileFinished(row));
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition format. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  recordingDeleted(row: RecordingRow, cause: DeletionCause): void {
    this.deleted.inc({ cause });
    this.deletedBytes.inc({ cause }, row.sizeBytes);
  }

  retentionSwept(): void {
    this.sweeps.inc();
  }

  uploaded(bytes: number): void {
    this.uploads.inc({ result: 'stored' });
    this.uploadBytes.inc(bytes);
  }

  uploadFailed(): void {
    this.uploads.inc({ result: 'failed' });
  }

  storageFailed(operation: StorageOperation): void {
    this.storageFailures.inc({ operation });
  }

  private fileFinished(row: RecordingRow): void {
    this.files.inc({ format: row.format, reason: row.reason ?? 'unknown' });
    this.bytes.inc({ format: row.format }, row.sizeBytes);
    // The recorder closes a file as `disk_full` when a write to it failed.
    if (row.reason === 'disk_full') this.storageFailed('record');
  }
}
