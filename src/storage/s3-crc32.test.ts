/**
 * The CRC32 upload path. No S3 server available to the tests checks `x-amz-checksum-crc32` (s3rver
 * ignores it), so this one is a small loopback HTTP server speaking the few S3 calls an upload makes,
 * the way AWS S3 treats the header: it recomputes each body's CRC32 with its own table-driven
 * implementation (not zlib's), refuses a mismatch with 400 BadDigest, and echoes the checksum it
 * accepted. What it proves is our side of the protocol, not any one vendor's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PART_BYTES,
  S3ObjectStore,
  type S3StoreConfig,
  S3UploadVerifyError,
  s3ClientConfig,
} from './s3-object-store.js';

/** CRC32 (IEEE, reflected), bit by bit through a table: an oracle independent of zlib. */
const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function oracleCrc32(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** The loopback store: PutObject, and CreateMultipartUpload / UploadPart / CompleteMultipartUpload. */
function startChecksumStore(): Promise<{
  server: Server;
  endpoint: string;
  received: Received[];
  objects: Map<string, Buffer>;
}> {
  const received: Received[] = [];
  const objects = new Map<string, Buffer>();
  const parts = new Map<string, Map<number, { body: Buffer; crc: string }>>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    const url = new URL(req.url!, 'http://store');
    const key = url.pathname;
    const fail = (code: string) => {
      res.writeHead(400, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
    };
    const sent = req.headers['x-amz-checksum-crc32'] as string | undefined;
    if (req.method === 'PUT') {
      if (sent !== undefined && sent !== oracleCrc32(body)) return fail('BadDigest');
      const headers: Record<string, string> = { etag: `"${createHash('md5').update(body).digest('hex')}"` };
      if (sent !== undefined) headers['x-amz-checksum-crc32'] = sent;
      const partNumber = url.searchParams.get('partNumber');
      const uploadId = url.searchParams.get('uploadId');
      if (partNumber !== null && uploadId !== null) {
        parts.get(uploadId)!.set(Number(partNumber), { body, crc: sent ?? '' });
      } else objects.set(key, body);
      res.writeHead(200, headers);
      return res.end();
    }
    if (req.method === 'POST' && url.searchParams.has('uploads')) {
      const uploadId = `u${parts.size + 1}`;
      parts.set(uploadId, new Map());
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(
        `<?xml version="1.0"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>${key}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
      );
    }
    if (req.method === 'POST' && url.searchParams.has('uploadId')) {
      const uploaded = parts.get(url.searchParams.get('uploadId')!)!;
      const named = [...body.toString().matchAll(/<ChecksumCRC32>([^<]*)<\/ChecksumCRC32>/g)].map(
        (m) => m[1],
      );
      const numbers = [...uploaded.keys()].sort((a, b) => a - b);
      // Each part must be named with the checksum it was uploaded with.
      if (named.length !== numbers.length || numbers.some((n, i) => uploaded.get(n)!.crc !== named[i]))
        return fail('InvalidPart');
      objects.set(key, Buffer.concat(numbers.map((n) => uploaded.get(n)!.body)));
      const composite = `${oracleCrc32(Buffer.concat(numbers.map((n) => Buffer.from(uploaded.get(n)!.crc, 'base64'))))}-${numbers.length}`;
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end(
        `<?xml version="1.0"?><CompleteMultipartUploadResult><Bucket>b</Bucket><Key>${key}</Key><ETag>"x-${numbers.length}"</ETag><ChecksumCRC32>${composite}</ChecksumCRC32></CompleteMultipartUploadResult>`,
      );
    }
    res.writeHead(501);
    res.end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, endpoint: `http://127.0.0.1:${port}`, received, objects });
    }),
  );
}

describe('S3 uploads verified by CRC32 (a loopback store that checks x-amz-checksum-crc32)', () => {
  let store: Awaited<ReturnType<typeof startChecksumStore>>;
  let config: S3StoreConfig;
  let dir: string;

  beforeAll(async () => {
    store = await startChecksumStore();
    config = {
      endpoint: store.endpoint,
      bucket: 'b',
      region: 'us-east-1',
      accessKeyId: 'k',
      secretAccessKey: 's',
      forcePathStyle: true,
      prefix: '',
    };
    dir = await mkdtemp(join(tmpdir(), 'livetape-s3-crc-'));
  });
  afterAll(async () => {
    await new Promise((resolve) => store?.server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const file = async (name: string, bytes: Buffer) => {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  };
  /** What the store got since `from`: each body-carrying request's checksum headers. */
  const checksumsSince = (from: number) =>
    store.received.slice(from).flatMap((r) =>
      r.body.length > 0 && r.method === 'PUT'
        ? [
            {
              md5: r.headers['content-md5'] !== undefined,
              crc: r.headers['x-amz-checksum-crc32'] !== undefined,
            },
          ]
        : [],
    );

  it('sends both checksums once, then CRC32 alone, for single PUTs and for every multipart part', async () => {
    const objects = new S3ObjectStore(config);
    const from = store.received.length;
    const small = randomBytes(4000);
    await objects.putFile('live/a/1.ts', await file('1.ts', small), 'video/mp2t');
    expect(objects.verification).toBe('crc32');
    await objects.putFile('live/a/2.ts', await file('2.ts', small), 'video/mp2t');
    const big = randomBytes(PART_BYTES * 2 + 1234);
    await objects.putFile('live/a/3.mp4', await file('3.mp4', big), 'video/mp4');
    expect(checksumsSince(from)).toEqual([
      { md5: true, crc: true },
      { md5: false, crc: true },
      { md5: false, crc: true },
      { md5: false, crc: true },
      { md5: false, crc: true },
    ]);
    const created = store.received.slice(from).find((r) => r.url.includes('uploads'));
    expect(created?.headers['x-amz-checksum-algorithm']).toBe('CRC32');
    expect(store.objects.get('/b/live/a/2.ts')?.equals(small)).toBe(true);
    expect(store.objects.get('/b/live/a/3.mp4')?.equals(big)).toBe(true);
    objects.close();
  });

  it('fails an upload whose bytes change on the way, for a PUT and for a part', async () => {
    const client = new S3Client(s3ClientConfig(config));
    let alter = false;
    client.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { body?: unknown };
        if (alter && Buffer.isBuffer(request.body) && request.body.length > 0) {
          const body = Buffer.from(request.body);
          body[body.length - 1] = body[body.length - 1]! ^ 0x01;
          request.body = body;
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    const objects = new S3ObjectStore(config, client);
    await objects.putFile('live/x/0.ts', await file('x0.ts', randomBytes(100)), 'video/mp2t');
    expect(objects.verification).toBe('crc32');
    alter = true;
    await expect(
      objects.putFile('live/x/1.ts', await file('x1.ts', randomBytes(5000)), 'video/mp2t'),
    ).rejects.toThrow();
    await expect(
      objects.putFile('live/x/2.mp4', await file('x2.mp4', randomBytes(PART_BYTES + 10)), 'video/mp4'),
    ).rejects.toThrow();
    expect(store.objects.has('/b/live/x/1.ts')).toBe(false);
    expect(store.objects.has('/b/live/x/2.mp4')).toBe(false);
    objects.close();
  });

  it('treats an echo that differs from what was sent as unverified', async () => {
    const client = new S3Client(s3ClientConfig(config));
    client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const response = out.response as { headers: Record<string, string> };
        if (response.headers['x-amz-checksum-crc32']) response.headers['x-amz-checksum-crc32'] = 'AAAAAA==';
        return out;
      },
      { step: 'deserialize', priority: 'low' },
    );
    const objects = new S3ObjectStore(config, client);
    await expect(
      objects.putFile('live/y/0.ts', await file('y0.ts', randomBytes(100)), 'video/mp2t'),
    ).rejects.toThrow(S3UploadVerifyError);
    objects.close();
  });
});
