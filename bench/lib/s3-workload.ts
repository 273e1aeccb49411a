/**
 * One stream-minute of upload requests as `bench:record --storage s3` makes them (4 s HLS segments,
 * ~20 MiB per format per minute of its 720p30 media): 15 live segments of 1.33 MiB, each followed by
 * its playlist (~300 B); the 60 s FLV and MP4 files of 20 MiB, each a multipart upload of 8 + 8 + 4 MiB
 * (create, 3 parts, complete); the HLS recording's end, a LIST of its folder and the final playlist.
 * That is 42 requests and 60 MiB. Two clients replay it from files on disk: LiveTape's store (through
 * the AWS SDK, with its checks) and a bare `node:https` client on a kept-alive connection that sends the
 * same requests unsigned and unchecked, reading each body into a reused buffer — the transport's floor.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, writeFile } from 'node:fs/promises';
import { type Agent, request } from 'node:https';
import { join } from 'node:path';
import { PART_BYTES, type S3ObjectStore } from '../../src/storage/s3-object-store.js';

const MIB = 1024 * 1024;
const SEGMENTS = 15;

export interface WorkloadFiles {
  readonly segment: string;
  readonly playlist: string;
  readonly flv: string;
  readonly mp4: string;
}

export const WORKLOAD_REQUESTS = SEGMENTS * 2 + 2 * 5 + 2;
export const WORKLOAD_BYTES = SEGMENTS * Math.round((20 * MIB) / SEGMENTS) + 2 * 20 * MIB + 2 * 300;

/** Writes the stream-minute's files (random bytes) into `dir`. */
export async function writeWorkloadFiles(dir: string): Promise<WorkloadFiles> {
  const files = {
    segment: join(dir, 'segment.ts'),
    playlist: join(dir, 'index.m3u8'),
    flv: join(dir, 'minute.flv'),
    mp4: join(dir, 'minute.mp4'),
  };
  await writeFile(files.segment, randomBytes(Math.round((20 * MIB) / SEGMENTS)));
  await writeFile(files.playlist, randomBytes(300));
  await writeFile(files.flv, randomBytes(20 * MIB));
  await writeFile(files.mp4, randomBytes(20 * MIB));
  return files;
}

/** One stream-minute through LiveTape's store (keys under `prefix`). */
export async function storeStreamMinute(
  store: S3ObjectStore,
  files: WorkloadFiles,
  prefix: string,
): Promise<void> {
  for (let i = 0; i < SEGMENTS; i++) {
    await store.putFile(`${prefix}/hls/${i}.ts`, files.segment, 'video/mp2t');
    await store.putFile(`${prefix}/hls/index.m3u8`, files.playlist, 'application/vnd.apple.mpegurl');
  }
  await store.putFile(`${prefix}/minute.flv`, files.flv, 'video/x-flv');
  await store.putFile(`${prefix}/minute.mp4`, files.mp4, 'video/mp4');
  await store.sizesIn(`${prefix}/hls`);
  await store.putFile(`${prefix}/hls/index.m3u8`, files.playlist, 'application/vnd.apple.mpegurl');
}

/** A bare client of one bucket on a kept-alive agent; bodies are read into `buffer` (PART_BYTES). */
export class BareS3Client {
  private readonly buffer = Buffer.allocUnsafe(PART_BYTES);

  constructor(
    private readonly bucketUrl: string,
    private readonly agent: Agent,
  ) {}

  /** One stream-minute, the same requests as `storeStreamMinute`. */
  async streamMinute(files: WorkloadFiles, prefix: string): Promise<void> {
    for (let i = 0; i < SEGMENTS; i++) {
      await this.putFile(`${prefix}/hls/${i}.ts`, files.segment);
      await this.putFile(`${prefix}/hls/index.m3u8`, files.playlist);
    }
    await this.putFile(`${prefix}/minute.flv`, files.flv);
    await this.putFile(`${prefix}/minute.mp4`, files.mp4);
    await this.send('GET', `?list-type=2&prefix=${encodeURIComponent(`${prefix}/hls/`)}`);
    await this.putFile(`${prefix}/hls/index.m3u8`, files.playlist);
  }

  /** A PUT of the whole file, or a multipart upload of PART_BYTES parts. */
  async putFile(key: string, path: string): Promise<void> {
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      if (size <= PART_BYTES) {
        await this.send('PUT', `/${key}`, await this.read(file, 0, size));
        return;
      }
      const created = (await this.send('POST', `/${key}?uploads`)).body;
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created)?.[1];
      if (uploadId === undefined) throw new Error(`bare multipart create: no UploadId in ${created}`);
      const parts: string[] = [];
      for (let position = 0, n = 1; position < size; position += PART_BYTES, n++) {
        const body = await this.read(file, position, Math.min(PART_BYTES, size - position));
        const { etag } = await this.send('PUT', `/${key}?partNumber=${n}&uploadId=${uploadId}`, body);
        parts.push(`<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`);
      }
      const complete = `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`;
      await this.send('POST', `/${key}?uploadId=${uploadId}`, Buffer.from(complete));
    } finally {
      await file.close();
    }
  }

  private async read(file: FileHandle, position: number, length: number): Promise<Buffer> {
    const data = this.buffer.subarray(0, length);
    for (let filled = 0; filled < length; ) {
      const { bytesRead } = await file.read(data, filled, length - filled, position + filled);
      if (bytesRead === 0) throw new Error('file shrank');
      filled += bytesRead;
    }
    return data;
  }

  /** Resolves to the answer's body (small: XML or empty) and ETag. */
  send(method: string, pathAndQuery: string, body?: Buffer): Promise<{ body: string; etag: string }> {
    const url = new URL(this.bucketUrl + pathAndQuery);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { method, agent: this.agent, headers: { 'content-length': body?.length ?? 0 } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode === 200) resolve({ body: text, etag: String(res.headers.etag ?? '') });
            else reject(new Error(`bare ${method} ${pathAndQuery}: ${res.statusCode} ${text}`));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
