/**
 * STORAGE=s3 for one process: the bucket, the upload outbox worker, and the hold that keeps a closed
 * file `recording` until it is stored. With STORAGE=local there is none of this.
 */
import type { Catalog } from '../catalog/db.js';
import type { FinishExtra } from '../catalog/recordings.js';
import { ConfigError } from '../config/config-error.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { MediaStore } from './media-store.js';
import type { S3ObjectStore } from './s3-object-store.js';
import type { StorageTarget } from './target.js';
import type { UploadWorker } from './upload-worker.js';

/** What `/healthz` and `/api/v1/storage` say about the object store. */
export interface StorageStatus {
  readonly kind: 's3';
  readonly bucket: string;
  /** Upload jobs waiting in the outbox (every node sharing the catalog). */
  readonly pendingUploads: number;
  /** Seconds the oldest waiting job has waited: how far the bucket lags behind the spool. */
  readonly oldestPendingSec: number;
  /** This node's last failed upload, until the next success. */
  readonly lastError: { readonly message: string; readonly at: string } | null;
}

export interface ObjectStorage {
  readonly objects: S3ObjectStore;
  readonly uploader: UploadWorker;
  /** The recorder's target: `spool`, with each live HLS segment and playlist queued for upload. */
  spoolTarget(spool: StorageTarget): StorageTarget;
  status(): Promise<StorageStatus>;
  /** Starts uploading; call after crash recovery has queued what it found. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface ObjectStorageDeps {
  readonly config: Config;
  readonly catalog: Catalog;
  readonly spool: MediaStore;
  readonly log: Logger;
  /** `{node}:{pid}:{random}` */
  readonly claimer: string;
  readonly node: string;
  readonly onFinishing?: FinishExtra;
}

/** Undefined with STORAGE=local. Throws ConfigError for STORAGE=s3 without a bucket. */
export async function openObjectStorage(deps: ObjectStorageDeps): Promise<ObjectStorage | undefined> {
  const { config, catalog } = deps;
  if (config.storage !== 's3') return undefined;
  if (config.s3Bucket === '') throw new ConfigError('S3_BUCKET is required with STORAGE=s3');
  // Loaded only with STORAGE=s3 (and pg only for PostgreSQL): together 9 MiB of an idle local node's RSS.
  const [{ S3ObjectStore }, { UploadingSpoolTarget }, { UploadWorker }] = await Promise.all([
    import('./s3-object-store.js'),
    import('./spool-target.js'),
    import('./upload-worker.js'),
  ]);
  const log = deps.log.child({ component: 'storage' });
  const objects = new S3ObjectStore({
    endpoint: config.s3Endpoint,
    bucket: config.s3Bucket,
    region: config.s3Region,
    accessKeyId: config.s3AccessKeyId,
    secretAccessKey: config.s3SecretAccessKey,
    forcePathStyle: config.s3ForcePathStyle,
    prefix: config.s3Prefix,
    uploadConcurrency: config.s3UploadConcurrency,
  });
  const uploader = new UploadWorker({
    catalog,
    objects,
    spool: deps.spool,
    keepLocal: config.s3KeepLocal,
    concurrency: config.s3UploadConcurrency,
    onFinishing: deps.onFinishing,
    claimer: deps.claimer,
    log,
  });
  catalog.recordings.holdUntilStored = async (trx, row, announce) => {
    await catalog.uploads.enqueue(
      { groupKey: row.id, kind: 'recording', storageKey: row.storageKey, announce, node: deps.node },
      trx,
    );
    // After the commit; the poll catches a wake that comes too early.
    setImmediate(() => uploader.wake());
  };
  return {
    objects,
    uploader,
    spoolTarget: (spool) =>
      new UploadingSpoolTarget(
        spool,
        async (group, keys) => {
          await catalog.uploads.enqueueAll(
            keys.map((key) => ({ groupKey: group, kind: 'object', storageKey: key, node: deps.node })),
          );
        },
        () => uploader.wake(),
      ),
    async status() {
      const backlog = await catalog.uploads.backlog();
      const failure = uploader.lastError;
      return {
        kind: 's3',
        bucket: config.s3Bucket,
        pendingUploads: backlog.pending,
        oldestPendingSec:
          backlog.oldestCreatedAt === undefined
            ? 0
            : Math.max(0, Math.round((Date.now() - backlog.oldestCreatedAt) / 1000)),
        lastError: failure ? { message: failure.message, at: new Date(failure.at).toISOString() } : null,
      };
    },
    async start() {
      // An unreachable store is an outage, not a reason to refuse pushes: files wait in the spool.
      await objects.checkBucket().then(
        () => log.info({ bucket: config.s3Bucket }, 'object storage reachable'),
        (err) => log.error({ err, bucket: config.s3Bucket }, 'object storage unreachable; uploads wait'),
      );
      await uploader.start(deps.node);
    },
    async close() {
      await uploader.close();
      objects.close();
    },
  };
}
