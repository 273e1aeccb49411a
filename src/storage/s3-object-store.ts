/**
 * Recordings in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, COS, R2, B2) through the AWS SDK v3.
 * Only standard calls: PutObject / multipart upload, GetObject (ranged), HeadObject, DeleteObject(s),
 * ListObjectsV2, HeadBucket, and presigned GETs. Keys are LiveTape storage keys (`app/stream/day/file`);
 * the store adds S3_PREFIX in one place, `objectKey`.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface S3StoreConfig {
  /** '' = Amazon S3 in `region`. */
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  /** Both '' = the SDK's default credential chain. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly forcePathStyle: boolean;
  /** Prepended to every key as given (`livetape/`), '' for none. */
  readonly prefix: string;
}

/** Parts of a multipart upload; S3's minimum is 5 MiB. Files up to one part go up in one PUT. */
export const PART_BYTES = 8 * 1024 * 1024;
/** Parts of one file in flight at once. */
const PART_CONCURRENCY = 2;

export interface StoredObject {
  readonly size: number;
  /** Without quotes. */
  readonly etag: string;
  readonly lastModified: Date | undefined;
  readonly contentType: string | undefined;
}

export interface ObjectBody extends StoredObject {
  readonly body: Readable;
  /** `bytes a-b/n` when a range was asked and served. */
  readonly contentRange: string | undefined;
  /** Bytes in this body (the range's length for a ranged GET). */
  readonly contentLength: number;
}

export class S3UploadVerifyError extends Error {
  constructor(key: string, detail: string) {
    super(`upload of "${key}" not verified: ${detail}`);
    this.name = 'S3UploadVerifyError';
  }
}

export class S3ObjectStore {
  readonly bucket: string;
  private readonly prefix: string;

  constructor(
    config: S3StoreConfig,
    readonly client: S3Client = new S3Client(clientConfig(config)),
  ) {
    this.bucket = config.bucket;
    this.prefix = config.prefix;
  }

  /** The object key of a storage key. */
  objectKey(key: string): string {
    return this.prefix + key;
  }

  /**
   * Uploads a local file (multipart above PART_BYTES), then checks the object's size and ETag against
   * the file's own MD5 (whole-file for one PUT, or S3's MD5-of-part-MD5s for multipart), so a file is
   * only reported stored when the bucket holds exactly its bytes. Throws otherwise.
   */
  async putFile(key: string, path: string, contentType: string): Promise<StoredObject> {
    const { size } = await stat(path);
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: createReadStream(path),
        ContentType: contentType,
        ContentLength: size,
      },
      partSize: PART_BYTES,
      queueSize: PART_CONCURRENCY,
      leavePartsOnError: false,
    });
    const [, digests] = await Promise.all([upload.done(), fileDigests(path)]);
    const stored = await this.head(key);
    if (stored === undefined) throw new S3UploadVerifyError(key, 'the object is missing after the upload');
    if (stored.size !== size) throw new S3UploadVerifyError(key, `size ${stored.size}, file has ${size}`);
    if (stored.etag !== digests.whole && stored.etag !== digests.multipart)
      throw new S3UploadVerifyError(
        key,
        `ETag ${stored.etag} matches neither ${digests.whole} nor ${digests.multipart}`,
      );
    return stored;
  }

  /**
   * Stores a small in-memory object (a JPEG) with one PutObject; the store checks the bytes against
   * their Content-MD5, and the ETag is checked too, so it resolves only when the bucket holds them.
   */
  async putBytes(key: string, data: Buffer, contentType: string): Promise<void> {
    const md5 = createHash('md5').update(data);
    const out = await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: data,
        ContentType: contentType,
        ContentLength: data.length,
        ContentMD5: md5.copy().digest('base64'),
      }),
    );
    const hex = md5.digest('hex');
    if (unquote(out.ETag) !== hex) throw new S3UploadVerifyError(key, `ETag ${out.ETag}, bytes have ${hex}`);
  }

  /** Copies an object into a local file; false when there is no such object. */
  async download(key: string, path: string): Promise<boolean> {
    const object = await this.get(key);
    if (object === undefined) return false;
    await pipeline(object.body, createWriteStream(path, { flags: 'wx' }));
    return true;
  }

  /** Undefined when there is no such object. */
  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      return {
        size: out.ContentLength ?? 0,
        etag: unquote(out.ETag),
        lastModified: out.LastModified,
        contentType: out.ContentType,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** `range` is an HTTP Range header value (`bytes=0-99`); undefined when there is no such object. */
  async get(key: string, range?: string): Promise<ObjectBody | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Range: range }),
      );
      const contentRange = out.ContentRange;
      const total = contentRange ? Number(contentRange.slice(contentRange.lastIndexOf('/') + 1)) : undefined;
      return {
        body: out.Body as Readable,
        contentLength: out.ContentLength ?? 0,
        contentRange,
        size: total ?? out.ContentLength ?? 0,
        etag: unquote(out.ETag),
        lastModified: out.LastModified,
        contentType: out.ContentType,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** A GET URL valid for `expiresInSec`, signed with this store's credentials. */
  presignGet(key: string, expiresInSec: number): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      {
        expiresIn: expiresInSec,
      },
    );
  }

  /** Deletes one object, or with `folder` every object under `key/`; a missing object is no error. */
  async delete(key: string, options: { folder?: boolean } = {}): Promise<number> {
    const keys = options.folder ? await this.list(`${key}/`) : [this.objectKey(key)];
    let deleted = 0;
    // DeleteObjects takes at most 1000 keys per call.
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = out.Errors ?? [];
      if (failed.length > 0)
        throw new Error(
          `could not delete ${failed.length} objects, first: ${failed[0]!.Key} ${failed[0]!.Message}`,
        );
      deleted += batch.length;
    }
    return deleted;
  }

  /** Resolves when the bucket exists and these credentials reach it. */
  async checkBucket(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  close(): void {
    this.client.destroy();
  }

  /** Object keys under a storage-key prefix. */
  private async list(keyPrefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.objectKey(keyPrefix),
          ContinuationToken: token,
        }),
      );
      for (const object of out.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }
}

function clientConfig(config: S3StoreConfig): S3ClientConfig {
  return {
    region: config.region,
    endpoint: config.endpoint === '' ? undefined : config.endpoint,
    forcePathStyle: config.forcePathStyle,
    // Empty keys leave `credentials` unset: the SDK then walks its default chain (env, files, roles).
    credentials:
      config.accessKeyId === '' && config.secretAccessKey === ''
        ? undefined
        : { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // Outages are retried by the upload outbox with its own backoff; the SDK only smooths blips.
    maxAttempts: 2,
    // Uploads are verified against the file's own MD5 (ETag); the SDK's extra CRC32 of every body and
    // every download is CPU spent twice (bench:record --storage s3).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/** MD5 of the whole file, and the ETag S3 gives a multipart upload of it in PART_BYTES parts. */
async function fileDigests(path: string): Promise<{ whole: string; multipart: string }> {
  const whole = createHash('md5');
  const partDigests: Buffer[] = [];
  let part = createHash('md5');
  let inPart = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(PART_BYTES - inPart, chunk.length - offset);
      part.update(chunk.subarray(offset, offset + take));
      inPart += take;
      offset += take;
      if (inPart === PART_BYTES) {
        partDigests.push(part.digest());
        part = createHash('md5');
        inPart = 0;
      }
    }
  }
  if (inPart > 0) partDigests.push(part.digest());
  const multipart = `${createHash('md5').update(Buffer.concat(partDigests)).digest('hex')}-${partDigests.length}`;
  return { whole: whole.digest('hex'), multipart };
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replaceAll('"', '');
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}
