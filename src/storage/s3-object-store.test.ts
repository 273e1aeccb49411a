/** The S3 store against a real S3 protocol server (s3rver) with the real AWS SDK. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startS3rver, type TestS3 } from '../../test/helpers/s3rver.js';
import { PART_BYTES, S3ObjectStore, S3UploadVerifyError, s3ClientConfig } from './s3-object-store.js';

describe('S3ObjectStore on s3rver', () => {
  let s3: TestS3;
  let store: S3ObjectStore;
  let dir: string;

  beforeAll(async () => {
    s3 = await startS3rver();
    store = new S3ObjectStore({ ...s3.config, prefix: 'pre/' });
    dir = await mkdtemp(join(tmpdir(), 'livetape-s3-store-'));
  });
  afterAll(async () => {
    store?.close();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const file = async (name: string, bytes: Buffer) => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  };
  const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

  it('puts a small file in one PUT, verified, under the prefix', async () => {
    const bytes = randomBytes(1000);
    const stored = await store.putFile('live/a/x.flv', await file('x.flv', bytes), 'video/x-flv');
    expect(stored).toMatchObject({ size: 1000, etag: md5(bytes), contentType: 'video/x-flv' });
    expect(store.objectKey('live/a/x.flv')).toBe('pre/live/a/x.flv');
    expect(await store.head('live/a/x.flv')).toMatchObject({ size: 1000 });
  });

  it('puts a file larger than a part as a multipart upload, byte for byte', async () => {
    const bytes = randomBytes(PART_BYTES * 2 + 12345);
    const stored = await store.putFile('live/a/big.mp4', await file('big.mp4', bytes), 'video/mp4');
    expect(stored.size).toBe(bytes.length);
    const body = await store.get('live/a/big.mp4');
    const back = Buffer.concat(await body!.body.toArray());
    expect(md5(back)).toBe(md5(bytes));
  });

  it('hashes a multipart file once the store has shown its ETag form, and still refuses altered bytes', async () => {
    // s3rver answers the whole file's MD5 for a multipart upload: once seen, parts go without their
    // own Content-MD5 and the whole-file MD5 alone is checked.
    const client = new S3Client({
      region: s3.config.region,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.config.accessKeyId, secretAccessKey: s3.config.secretAccessKey },
    });
    const partMd5s: (string | undefined)[] = [];
    let alter = false;
    client.middlewareStack.add(
      (next) => (args) => {
        const input = args.input as { PartNumber?: number; Body?: Buffer; ContentMD5?: string };
        if (input.PartNumber !== undefined) {
          partMd5s.push(input.ContentMD5);
          if (alter && input.PartNumber === 2 && input.Body) {
            const body = Buffer.from(input.Body);
            body[0] = body[0]! ^ 0xff;
            (args.request as { body: unknown }).body = body;
          }
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    const learning = new S3ObjectStore(s3.config, client);
    const bytes = randomBytes(PART_BYTES * 2 + 99);
    const path = await file('once.mp4', bytes);
    await learning.putFile('live/o/1.mp4', path, 'video/mp4');
    expect(partMd5s.splice(0)).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
    await learning.putFile('live/o/2.mp4', path, 'video/mp4');
    expect(partMd5s.splice(0)).toEqual([undefined, undefined, undefined]);
    const back = await learning.get('live/o/2.mp4');
    expect(md5(Buffer.concat(await back!.body.toArray()))).toBe(md5(bytes));

    alter = true;
    await expect(learning.putFile('live/o/3.mp4', path, 'video/mp4')).rejects.toThrow(S3UploadVerifyError);
    alter = false;
    // The failure forgets the form: the retry sends every part with its MD5 again, and succeeds.
    partMd5s.splice(0);
    await learning.putFile('live/o/3.mp4', path, 'video/mp4');
    expect(partMd5s).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
    learning.close();
  });

  it('learns from its first PUT that s3rver ignores CRC32 checksums, and sends only MD5 from then on', async () => {
    // s3rver neither checks nor echoes `x-amz-checksum-crc32` (stores that do: s3-crc32.test.ts).
    const client = new S3Client(s3ClientConfig(s3.config));
    const sent: { md5: boolean; crc: boolean }[] = [];
    client.middlewareStack.add(
      (next) => (args) => {
        const headers = (args.request as { headers: Record<string, string> }).headers;
        if ((args.input as { Body?: unknown }).Body !== undefined)
          sent.push({ md5: 'content-md5' in headers, crc: 'x-amz-checksum-crc32' in headers });
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    const learning = new S3ObjectStore(s3.config, client);
    expect(learning.verification).toBe('unknown');
    await learning.putFile('live/c/1.flv', await file('c1.flv', randomBytes(3000)), 'video/x-flv');
    expect(learning.verification).toBe('md5');
    await learning.putFile('live/c/2.flv', await file('c2.flv', randomBytes(3000)), 'video/x-flv');
    expect(sent).toEqual([
      { md5: true, crc: true },
      { md5: true, crc: false },
    ]);
    learning.close();
  });

  it("reuses its read buffers without leaking one file's bytes into the next", async () => {
    const big = randomBytes(PART_BYTES);
    await store.putFile('live/b/big.flv', await file('b1.flv', big), 'video/x-flv');
    const small = randomBytes(777);
    await store.putFile('live/b/small.flv', await file('b2.flv', small), 'video/x-flv');
    const back = await store.get('live/b/small.flv');
    expect(Buffer.concat(await back!.body.toArray())).toEqual(small);
  });

  it('uploads more parts at once than it has read buffers: they wait for one, and every byte arrives', async () => {
    // Two buffers (S3_UPLOAD_CONCURRENCY 2), three 2-part files at once: up to six parts want one.
    const bounded = new S3ObjectStore({ ...s3.config, prefix: 'bounded/', uploadConcurrency: 2 });
    const made = vi.spyOn(Buffer, 'allocUnsafeSlow');
    try {
      const files = [0, 1, 2].map((i) => ({
        key: `live/c/${i}.mp4`,
        bytes: randomBytes(PART_BYTES + 1000 * (i + 1)),
      }));
      const paths = await Promise.all(files.map((f, i) => file(`c${i}.mp4`, f.bytes)));
      await Promise.all(files.map((f, i) => bounded.putFile(f.key, paths[i]!, 'video/mp4')));
      for (const f of files) {
        const back = await bounded.get(f.key);
        expect(md5(Buffer.concat(await back!.body.toArray()))).toBe(md5(f.bytes));
      }
      expect(made.mock.calls.filter(([bytes]) => bytes === PART_BYTES)).toHaveLength(2);
    } finally {
      made.mockRestore();
      bounded.close();
    }
  });

  it('sends large bodies on its kept-alive connections, without Expect: 100-continue', async () => {
    const client = new S3Client(s3ClientConfig(s3.config));
    const expects: (string | undefined)[] = [];
    client.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers: Record<string, string>; body?: unknown };
        if (request.body !== undefined) expects.push(request.headers.Expect ?? request.headers.expect);
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    const sending = new S3ObjectStore(s3.config, client);
    await sending.putFile('live/e/big.mp4', await file('e.mp4', randomBytes(PART_BYTES + 5)), 'video/mp4');
    sending.close();
    expect(expects.length).toBeGreaterThanOrEqual(2);
    expect(expects.every((value) => value === undefined)).toBe(true);
  });

  it('serves a byte range', async () => {
    const bytes = randomBytes(5000);
    await store.putFile('live/a/r.flv', await file('r.flv', bytes), 'video/x-flv');
    const ranged = await store.get('live/a/r.flv', 'bytes=100-199');
    expect(ranged).toMatchObject({ contentLength: 100, contentRange: 'bytes 100-199/5000', size: 5000 });
    expect(Buffer.concat(await ranged!.body.toArray())).toEqual(bytes.subarray(100, 200));
  });

  it('hands out a presigned GET that a plain HTTP client can use', async () => {
    const bytes = randomBytes(300);
    await store.putFile('live/a/p.flv', await file('p.flv', bytes), 'video/x-flv');
    const url = await store.presignGet('live/a/p.flv', 60);
    expect(url).toContain('X-Amz-Signature=');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
  });

  it('deletes one object, or a folder of them; missing ones are no error', async () => {
    await store.putFile('live/h/seg/0.ts', await file('0.ts', randomBytes(10)), 'video/mp2t');
    await store.putFile('live/h/seg/1.ts', await file('1.ts', randomBytes(10)), 'video/mp2t');
    await store.putFile(
      'live/h/seg.m3u8',
      await file('seg.m3u8', randomBytes(10)),
      'application/vnd.apple.mpegurl',
    );
    expect(await store.delete('live/h/seg', { folder: true })).toBe(2);
    expect(await store.head('live/h/seg/0.ts')).toBeUndefined();
    expect(await store.head('live/h/seg.m3u8')).toBeDefined();
    await store.delete('live/h/seg.m3u8');
    await store.delete('live/h/seg.m3u8');
    expect(await store.head('live/h/seg.m3u8')).toBeUndefined();
    expect(await store.get('live/h/seg.m3u8')).toBeUndefined();
  });

  it('sends bodies unsigned (Content-MD5 only) to an https endpoint, signed with SHA-256 over http', async () => {
    const payloadHashes = async (endpoint: string) => {
      const client = new S3Client({
        region: s3.config.region,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.config.accessKeyId, secretAccessKey: s3.config.secretAccessKey },
      });
      const seen: string[] = [];
      client.middlewareStack.add(
        (next) => (args) => {
          const headers = (args.request as { headers: Record<string, string> }).headers;
          seen.push(headers['x-amz-content-sha256'] ?? '');
          return next(args);
        },
        { step: 'finalizeRequest', priority: 'low' },
      );
      // The store decides from its configured endpoint; this client really talks to s3rver over http.
      const tls = new S3ObjectStore({ ...s3.config, endpoint }, client);
      await tls.putFile('live/u/x.flv', await file('u.flv', randomBytes(2000)), 'video/x-flv');
      tls.close();
      return seen;
    };
    expect(await payloadHashes('https://s3.example.com')).toEqual(['UNSIGNED-PAYLOAD']);
    const signed = await payloadHashes(s3.endpoint);
    expect(signed).toHaveLength(1);
    expect(signed[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  // s3rver accepts any signature, so wrong keys cannot be tested here; a wrong bucket can.
  it('checks the bucket, and fails for a wrong one', async () => {
    await store.checkBucket();
    const wrongBucket = new S3ObjectStore({ ...s3.config, bucket: 'no-such-bucket' });
    await expect(wrongBucket.checkBucket()).rejects.toThrow();
    wrongBucket.close();
  });
});
