/**
 * Live snapshots: every SNAPSHOT_INTERVAL seconds of media, the next keyframe of each stream becomes a
 * JPEG (FrameDecoder, one ffmpeg per stream), stored (the media folder, or the bucket with STORAGE=s3),
 * then cataloged with its callback 200 in one transaction, and pruned by RETENTION_DAYS. A stream a
 * snapshot rule names is taken at its template's interval and size instead (even with SNAPSHOT_INTERVAL
 * 0); the rule is looked up at each keyframe, so a rule created or deleted while a stream is live applies
 * from its next keyframe on. On the publisher's path only the keyframe is handed over (a reference, no
 * copy); decoding happens in ffmpeg, and a stream whose decoder is behind skips keyframes instead of
 * queueing them (and replaces a decoder a whole interval behind, docs/decisions/0020-sps-rewrite-for-snapshots.md).
 */
import { spawn } from 'node:child_process';
import type { Catalog } from '../catalog/db.js';
import { newFileId } from '../catalog/ids.js';
import type { SnapshotExtra, SnapshotRow } from '../catalog/snapshots.js';
import type { StreamHub } from '../live/hub.js';
import type { LiveStream } from '../live/live-stream.js';
import type { StreamSink } from '../live/sink.js';
import type { Logger } from '../log.js';
import type { CodecConfig, MediaPacket, VideoConfig } from '../media/packet.js';
import type { MediaFiles } from '../storage/media-files.js';
import type { MediaStore } from '../storage/media-store.js';
import { FrameDecoder } from './frame-decoder.js';
import type { Jpeg } from './jpeg-splitter.js';
import { PosterMaker } from './poster-maker.js';
import type { SnapshotSettings } from './snapshot-rules.js';

export type SnapshotAvailability =
  | { readonly enabled: true }
  | { readonly enabled: false; readonly reason: string };

export interface SnapshotOptions {
  readonly hub: StreamHub;
  readonly catalog: Catalog;
  /** Names new files (layout.ts). */
  readonly store: MediaStore;
  /** Where the JPEGs are stored and read: the media folder, or the bucket with STORAGE=s3. */
  readonly files: MediaFiles;
  readonly log: Logger;
  /** SNAPSHOT_INTERVAL; 0 is off for streams no rule names. */
  readonly intervalSec: number;
  readonly width: number;
  readonly height: number;
  /** The settings of the snapshot rule naming a stream, if one does; else the global ones apply. */
  readonly ruleSettings?: (app: string, stream: string) => SnapshotSettings | undefined;
  /** The ffmpeg command; default `ffmpeg` from the PATH. */
  readonly command?: string;
  /** Runs in the transaction that catalogs a snapshot (the notifier writes callback 200 there). */
  readonly onTaken?: SnapshotExtra;
  /** RETENTION_DAYS in force now; 0 keeps snapshots forever. */
  readonly retentionDays: () => number;
}

const PRUNE_EVERY_MS = 10 * 60_000;
const PRUNE_BATCH = 500;
const DAY_MS = 86_400_000;

/** Whether snapshots can be taken at all: `ffmpeg -version` runs. */
function decoderAvailability(command = 'ffmpeg'): Promise<SnapshotAvailability> {
  return new Promise((resolve) => {
    const child = spawn(command, ['-version'], { stdio: 'ignore' });
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve({
        enabled: false,
        reason:
          error.code === 'ENOENT'
            ? `${command} is not on the PATH`
            : `${command} cannot run: ${error.message}`,
      }),
    );
    child.on('close', (code) =>
      resolve(
        code === 0
          ? { enabled: true }
          : { enabled: false, reason: `${command} -version exited with ${code}` },
      ),
    );
  });
}

/** Whether global snapshots are taken: SNAPSHOT_INTERVAL is on and the decoder can run. */
export async function snapshotAvailability(
  intervalSec: number,
  command = 'ffmpeg',
): Promise<SnapshotAvailability> {
  return globalAvailability(intervalSec, await decoderAvailability(command));
}

function globalAvailability(intervalSec: number, decoder: SnapshotAvailability): SnapshotAvailability {
  return intervalSec === 0 ? { enabled: false, reason: 'SNAPSHOT_INTERVAL is 0' } : decoder;
}

export class SnapshotService {
  private readonly log: Logger;
  private readonly active = new Set<StreamSnapshotter>();
  /** The newest snapshot of each stream live on this node, by `app/stream`: its cover. */
  private readonly newest = new Map<string, SnapshotRow>();
  private readonly writes = new Set<Promise<void>>();
  private readonly pruner: NodeJS.Timeout | undefined;
  /** Posters need ffmpeg too; they are made while snapshots are on. */
  private readonly posters: PosterMaker | undefined;

  /** Whether the global snapshots (SNAPSHOT_INTERVAL) are taken, and if not why. */
  readonly availability: SnapshotAvailability;

  private constructor(
    private readonly options: SnapshotOptions,
    decoder: SnapshotAvailability,
  ) {
    this.log = options.log.child({ component: 'snapshot' });
    this.availability = globalAvailability(options.intervalSec, decoder);
    if (!decoder.enabled) {
      if (options.intervalSec > 0) this.log.warn({ reason: decoder.reason }, 'snapshots are off');
      return;
    }
    // With the decoder there, every push is watched: a snapshot rule may name it now or later.
    options.hub.on('publish', (stream) => this.onPublish(stream));
    if (this.availability.enabled) {
      this.posters = new PosterMaker(options);
      options.catalog.events.on('recordingFinished', (row) => this.posters?.add(row));
    }
    this.pruner = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruner.unref();
  }

  static async start(options: SnapshotOptions): Promise<SnapshotService> {
    return new SnapshotService(options, await decoderAvailability(options.command));
  }

  /** The newest snapshot of a stream pushed to this node, while it is live. */
  latest(app: string, stream: string): SnapshotRow | undefined {
    return this.newest.get(`${app}/${stream}`);
  }

  /** Stops every decoder (their last pictures are still saved) and waits for the saves. */
  async close(): Promise<void> {
    clearInterval(this.pruner);
    for (const snapshotter of this.active) snapshotter.end();
    while (this.writes.size > 0) await Promise.all([...this.writes]);
    await this.posters?.close();
  }

  /** Removes snapshots older than RETENTION_DAYS, files first. */
  async prune(now = Date.now()): Promise<number> {
    const days = this.options.retentionDays();
    if (days <= 0) return 0;
    const { catalog, files } = this.options;
    let removed = 0;
    try {
      for (;;) {
        const rows = await catalog.snapshots.takenBefore(now - days * DAY_MS, PRUNE_BATCH);
        for (const row of rows) {
          await files.remove(row.storageKey);
          await catalog.snapshots.delete(row.id);
        }
        removed += rows.length;
        if (rows.length < PRUNE_BATCH) return removed;
      }
    } catch (err) {
      this.log.error({ err }, 'could not prune old snapshots; trying again later');
      return removed;
    }
  }

  private onPublish(stream: LiveStream): void {
    const { options } = this;
    const global: SnapshotSettings = {
      intervalSec: options.intervalSec,
      width: options.width,
      height: options.height,
    };
    const { app, stream: name } = stream.publisher;
    const snapshotter = new StreamSnapshotter(
      stream,
      options.command ?? 'ffmpeg',
      () => options.ruleSettings?.(app, name) ?? global,
      (jpeg, takenAt) => this.track(this.save(stream, jpeg, takenAt)),
    );
    snapshotter.onEnd = () => {
      this.active.delete(snapshotter);
      this.newest.delete(stream.key);
    };
    this.active.add(snapshotter);
    stream.attach(snapshotter);
  }

  private track(write: Promise<void>): void {
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  private async save(stream: LiveStream, jpeg: Jpeg, takenAt: number): Promise<void> {
    const { store, files, catalog, onTaken } = this.options;
    const p = stream.publisher;
    try {
      let key = '';
      for (let attempt = 0; ; attempt++) {
        key = await store.proposeKey(
          {
            app: p.app,
            stream: p.stream,
            stem: `${p.stream}-screenshot`,
            startedAt: new Date(takenAt),
            format: 'jpg',
          },
          attempt,
        );
        // Stored (in the bucket with STORAGE=s3) before it is cataloged and its callback written.
        if (await files.create(key, jpeg.bytes, 'image/jpeg')) break;
        if (attempt > 100) throw new Error(`no free snapshot name at ${key}`);
      }
      const row: SnapshotRow = {
        id: newFileId(),
        app: p.app,
        stream: p.stream,
        sessionId: p.sessionId,
        streamParam: p.streamParam,
        storageKey: key,
        width: jpeg.width,
        height: jpeg.height,
        sizeBytes: jpeg.bytes.length,
        createdAt: takenAt,
      };
      await catalog.snapshots.insert(row, onTaken);
      if (this.active.size > 0 && !stream.isEnded) this.newest.set(stream.key, row);
    } catch (err) {
      this.log.error({ err, stream: stream.key }, 'could not store a snapshot');
    }
  }
}

/**
 * The sink on one stream: picks a keyframe per interval of media time, as the settings in force at that
 * keyframe say, and hands it to the decoder (started at the first picture, restarted when the size changes).
 */
class StreamSnapshotter implements StreamSink {
  readonly role = 'internal';
  onEnd: (() => void) | undefined;
  private video: VideoConfig | undefined;
  private lastTakenDts = Number.NEGATIVE_INFINITY;
  private decoder: FrameDecoder | undefined;
  private decoderSize = '';
  private ended = false;

  constructor(
    private readonly stream: LiveStream,
    private readonly command: string,
    private readonly settings: () => SnapshotSettings,
    private readonly taken: (jpeg: Jpeg, takenAt: number) => void,
  ) {}

  metadata(): void {}

  config(config: CodecConfig): void {
    if (config.kind === 'video') this.video = config;
  }

  packet(packet: MediaPacket): void {
    if (packet.kind !== 'video' || !packet.keyframe) return;
    const { intervalSec, width, height } = this.settings();
    if (intervalSec === 0 || packet.dts < this.lastTakenDts + intervalSec * 1000) return;
    const config = packet.config?.kind === 'video' ? packet.config : this.video;
    if (config === undefined) return;
    const decoder = this.decoderOf(width, height);
    if (decoder.busy) {
      // A picture is overdue by a whole interval (one takes milliseconds): this ffmpeg holds back more
      // frames than the copies push through. Ending its input flushes them out; the next keyframe due
      // starts a new decoder.
      decoder.close();
      this.decoder = undefined;
      return;
    }
    this.lastTakenDts = packet.dts;
    const takenAt = this.stream.publisher.startedAt + packet.dts;
    decoder.decode(config, packet).then(
      (jpeg) => this.taken(jpeg, takenAt),
      () => undefined, // a lost picture: the next interval takes another
    );
  }

  /** The decoder making pictures of this size; one of another size is closed (its last pictures still come). */
  private decoderOf(width: number, height: number): FrameDecoder {
    const size = `${width}x${height}`;
    if (this.decoder === undefined || this.decoderSize !== size) {
      this.decoder?.close();
      this.decoder = new FrameDecoder({ command: this.command, width, height });
      this.decoderSize = size;
    }
    return this.decoder;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.decoder?.close();
    this.stream.detach(this);
    this.onEnd?.();
  }
}
