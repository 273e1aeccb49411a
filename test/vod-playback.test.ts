/**
 * VOD serving against real recordings of a real ffmpeg push: byte ranges, HEAD, validators and
 * conditional requests, types and caching, CORS, hostile paths, and ffmpeg playing every URL over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../src/catalog/db.js';
import { newFileId } from '../src/catalog/ids.js';
import { countDecodedFrames, ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface FileJson {
  id: string;
  format: string;
  storageKey: string;
  sizeBytes: number;
  url: string;
}

const ORIGIN = 'https://player.example';

describe('VOD playback of recorded files', () => {
  let t: TestServer;
  let files: FileJson[];
  const byFormat = (format: string) => files.find((f) => f.format === format)!;
  const onDisk = (f: FileJson) => readFile(join(t.dataDir, 'media', f.storageKey));

  beforeAll(async () => {
    t = await startTestServer({ RECORD_INTERVAL_MIN: '1', CORS_ORIGINS: `${ORIGIN},https://other.example` });
    const url = t.rtmpUrl('live', 'vod1', 'record=flv|mp4|hls|aac&record_interval=2');
    const push = await run('ffmpeg', ffmpegPushArgs(url, { seconds: 5, gop: 30, realtime: false }));
    expect(push.stderr).toBe('');
    await waitFor(
      () => (t.server.recordings.activeCount === 0 ? true : undefined),
      30_000,
      'recordings to finish',
    );
    const res = await fetch(t.httpUrl('/api/v1/broadcasts?stream=vod1'));
    files = ((await res.json()) as { broadcasts: Array<{ files: FileJson[] }> }).broadcasts[0]!.files;
  });
  afterAll(async () => {
    await t.close();
  });

  it('ffprobe decodes every file URL the API hands out, over HTTP, frame for frame like the file', async () => {
    expect(new Set(files.map((f) => f.format))).toEqual(new Set(['flv', 'mp4', 'hls', 'aac']));
    // Two at a time: ffprobe decodes on one core each.
    for (let i = 0; i < files.length; i += 2) {
      await Promise.all(
        files.slice(i, i + 2).map(async (f) => {
          expect(f.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/vod\//);
          const overHttp = await countDecodedFrames(f.url);
          expect(overHttp.stderr, f.url).toBe('');
          expect(overHttp.audio, f.url).toBeGreaterThan(0);
          expect(overHttp).toEqual(await countDecodedFrames(join(t.dataDir, 'media', f.storageKey)));
        }),
      );
    }
  });

  it('answers single ranges byte-exact with 206 and Content-Range', async () => {
    const mp4 = byFormat('mp4');
    const bytes = await onDisk(mp4);
    const size = bytes.length;
    for (const [header, start, end] of [
      ['bytes=100-1099', 100, 1099],
      ['bytes=0-0', 0, 0],
      [`bytes=${size - 10}-`, size - 10, size - 1],
      ['bytes=-500', size - 500, size - 1],
      [`bytes=5-${size * 2}`, 5, size - 1],
    ] as const) {
      const res = await request(mp4.url, { headers: { range: header } });
      expect(res.status, header).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect(res.headers.get('content-length')).toBe(String(end - start + 1));
      expect(res.body.equals(bytes.subarray(start, end + 1)), header).toBe(true);
    }
  });

  it('answers 416 with the size for an unsatisfiable range, and the whole file for several ranges', async () => {
    const flv = byFormat('flv');
    const bytes = await onDisk(flv);
    const past = await request(flv.url, { headers: { range: `bytes=${bytes.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    const multi = await request(flv.url, { headers: { range: 'bytes=0-9,20-29' } });
    expect(multi.status).toBe(200);
    expect(multi.body.equals(bytes)).toBe(true);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const mp4 = byFormat('mp4');
    const get = await request(mp4.url);
    const head = await request(mp4.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const name of [
      'content-type',
      'content-length',
      'etag',
      'last-modified',
      'accept-ranges',
      'cache-control',
    ]) {
      expect(head.headers.get(name), name).toBe(get.headers.get(name));
    }
    expect(head.headers.get('content-length')).toBe(String(mp4.sizeBytes));
    const ranged = await request(mp4.url, { method: 'HEAD', headers: { range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-length')).toBe('10');
  });

  it('revalidates with ETag and Last-Modified, and honours If-Range', async () => {
    const mp4 = byFormat('mp4');
    const first = await request(mp4.url);
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(etag).toContain(mp4.id);
    for (const headers of <Array<Record<string, string>>>[
      { 'if-none-match': etag },
      { 'if-none-match': `"x", W/${etag}` },
      { 'if-modified-since': lastModified },
    ]) {
      const res = await request(mp4.url, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.body.length).toBe(0);
    }
    expect((await request(mp4.url, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200);
    const sameFile = await request(mp4.url, { headers: { range: 'bytes=0-9', 'if-range': etag } });
    expect(sameFile.status).toBe(206);
    const changed = await request(mp4.url, { headers: { range: 'bytes=0-9', 'if-range': '"stale"' } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('content-length')).toBe(String(mp4.sizeBytes));
    // Every file has its own tag.
    expect(
      new Set(
        await Promise.all(
          files.map(async (f) => (await request(f.url, { method: 'HEAD' })).headers.get('etag')),
        ),
      ).size,
    ).toBe(files.length);
  });

  it('types and caches each kind of file, segments included', async () => {
    const expected: Record<string, [string, string]> = {
      flv: ['video/x-flv', 'public, max-age=31536000, immutable'],
      mp4: ['video/mp4', 'public, max-age=31536000, immutable'],
      aac: ['audio/aac', 'public, max-age=31536000, immutable'],
      hls: ['application/vnd.apple.mpegurl', 'public, max-age=10'],
    };
    for (const f of files) {
      const res = await request(f.url, { method: 'HEAD' });
      expect([res.headers.get('content-type'), res.headers.get('cache-control')], f.format).toEqual(
        expected[f.format],
      );
    }
    const playlist = (await request(byFormat('hls').url)).body.toString();
    const segment = playlist.split('\n').find((line) => line.endsWith('.ts'))!;
    const res = await request(new URL(segment, byFormat('hls').url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp2t');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('allows the configured CORS origins only, exposing the range headers', async () => {
    const url = byFormat('mp4').url;
    const allowed = await request(url, { method: 'HEAD', headers: { origin: ORIGIN } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('Content-Range');
    const other = await request(url, { method: 'HEAD', headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await request(url, {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'range',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('range');
  });

  it('applies the same CORS origins to live HTTP-FLV and HLS', async () => {
    const push = run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'corslive'), { seconds: 4, gop: 30 }));
    await waitFor(
      async () => ((await fetch(t.httpUrl('/api/v1/streams/live/corslive'))).ok ? true : undefined),
      15_000,
      'the push to go live',
    );
    for (const path of ['/live/live/corslive.flv', '/live/live/corslive.m3u8']) {
      for (const [origin, allowed] of [
        [ORIGIN, ORIGIN],
        ['https://evil.example', null],
      ] as const) {
        const abort = new AbortController();
        const res = await fetch(t.httpUrl(path), { headers: { origin }, signal: abort.signal });
        expect(res.status, path).toBe(200);
        expect(res.headers.get('access-control-allow-origin'), `${path} from ${origin}`).toBe(allowed);
        abort.abort();
      }
    }
    await push;
  });

  it('never serves anything outside the catalog, whatever the path', async () => {
    await writeFile(join(t.dataDir, 'secret.txt'), 'SECRET');
    await writeFile(join(t.dataDir, 'media', 'live', 'stray.mp4'), 'SECRET');
    const hlsKey = byFormat('hls').storageKey;
    const hlsDir = hlsKey.slice(0, hlsKey.lastIndexOf('/'));
    await writeFile(join(t.dataDir, 'media', hlsDir, 'notes.txt'), 'SECRET');
    const mp4Key = byFormat('mp4').storageKey;
    const hostile = [
      '/vod/../secret.txt',
      '/vod/../../../../etc/passwd',
      '/vod/%2e%2e/secret.txt',
      '/vod/%2E%2E%2fsecret.txt',
      '/vod/live/%2e%2e/%2e%2e/secret.txt',
      '/vod/live%2fstray.mp4',
      '/vod/live/stray.mp4',
      '/vod//etc/passwd',
      '/vod/%2fetc%2fpasswd',
      `/vod/${join(t.dataDir, 'secret.txt')}`,
      '/vod/live\\..\\..\\secret.txt',
      '/vod/live/%5c..%5csecret.txt',
      '/vod/live/%00.mp4',
      `/vod/${mp4Key}%00.txt`,
      `/vod/${mp4Key}/`,
      `/vod/${hlsDir}/`,
      `/vod/${hlsDir}`,
      `/vod/${hlsDir}/notes.txt`,
      `/vod/${hlsDir}/../../../secret.txt`,
      '/vod/live/',
      '/vod/',
      `/vod/${'a/'.repeat(3000)}x.mp4`,
      '/vod/live/%E0%A4%A.mp4',
    ];
    for (const path of hostile) {
      const { status, body } = await rawGet(t.server.httpPort, path);
      expect([400, 404], path).toContain(status);
      expect(body, path).not.toContain('SECRET');
      expect(body, path).not.toContain('root:');
    }
    // The raw NUL byte and a bare backslash never even make it to a route.
    const nul = await rawGet(t.server.httpPort, '/vod/live/a\0.mp4');
    expect(nul.status).toBeGreaterThanOrEqual(400);
  });

  /** A cataloged 32 MiB file of random bytes: bodies big enough to still be streaming when checked. */
  let big: Promise<{ key: string; bytes: Buffer }> | undefined;
  const bigFile = () => {
    big ??= (async () => {
      const key = 'live/big/2025-01-01/big.mp4';
      const bytes = randomBytes(32 * 1024 * 1024);
      await mkdir(join(t.dataDir, 'media', 'live', 'big', '2025-01-01'), { recursive: true });
      await writeFile(join(t.dataDir, 'media', key), bytes);
      const catalog = await openCatalog({ dataDir: t.dataDir });
      const id = newFileId();
      await catalog.recordings.insertOpen({
        id,
        app: 'live',
        stream: 'big',
        format: 'mp4',
        storageKey: key,
        startTime: Date.now(),
        sessionId: 'b',
        broadcastId: 'b',
      });
      await catalog.recordings.finish(id, {
        endTime: Date.now(),
        sizeBytes: bytes.length,
        durationMs: 1000,
        reason: 'unpublish',
      });
      await catalog.close();
      return { key, bytes };
    })();
    return big;
  };

  it('answers concurrent ranges of a large file byte-exact, slow readers among fast ones', async () => {
    // Read buffers are reused across responses: one must not be refilled while a slow reader's socket
    // still holds its bytes. Slow readers stall until the fast ones are done, then read everything.
    const { key, bytes } = await bigFile();
    const url = t.httpUrl(`/vod/${key}`);
    const range = (i: number) => {
      const start = (i * 7919 * 4099) % (bytes.length - 9_000_000);
      return [start, start + 8_000_000 + i * 4099] as const;
    };
    let releaseSlow!: () => void;
    const fastDone = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    const slow = Array.from({ length: 6 }, (_, i) => stalledGet(url, range(i), fastDone));
    const fast = Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        request(url, { headers: { range: `bytes=${range(i + 6).join('-')}` } }),
      ),
    );
    const fastAnswers = await fast;
    releaseSlow();
    const slowAnswers = await Promise.all(slow);
    [...slowAnswers, ...fastAnswers].forEach((res, i) => {
      const [a, b] = range(i);
      expect(res.status).toBe(206);
      expect(res.body.equals(bytes.subarray(a, b + 1)), `bytes=${a}-${b}`).toBe(true);
    });
  });

  it('closes the file when a client goes away mid-body', async () => {
    const { key } = await bigFile();
    const path = join(t.dataDir, 'media', key);
    const descriptorsOf = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === path;
        } catch {
          return false; // closed while listing
        }
      }).length;
    for (let i = 0; i < 3; i++) {
      // The count is taken in the callback but checked here: a failed expect inside an event
      // handler would be an uncaught error and leave this promise pending until the test times out.
      const openWhileStreaming = await new Promise<number>((resolve, reject) => {
        const request = httpGet(t.httpUrl(`/vod/${key}`), (res) => {
          res.once('data', () => {
            const open = descriptorsOf();
            request.destroy(); // the player goes away
            resolve(open);
          });
        });
        request.on('error', (error) => {
          if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
        });
      });
      expect(openWhileStreaming).toBe(1); // the body was still streaming from its descriptor
      await waitFor(() => (descriptorsOf() === 0 ? true : undefined), 5_000, 'the file to be closed');
    }
  });
});

interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** A request whose body is always read to the end, so no response is left streaming into a full socket. */
async function request(url: string | URL, init?: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** A ranged GET whose reader takes nothing until `until` resolves, so the server's writes back up. */
function stalledGet(
  url: string,
  [first, last]: readonly [number, number],
  until: Promise<void>,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers: { range: `bytes=${first}-${last}` } }, (res) => {
      res.pause();
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: new Headers(), body: Buffer.concat(chunks) }),
      );
      void until.then(() => res.resume());
    });
    req.on('error', reject);
  });
}

/** A GET with the path sent exactly as given (fetch would normalize `..` and reject NUL). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 'latin1');
    });
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}
