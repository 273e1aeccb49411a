/**
 * Playing recordings stored in S3 (s3rver) through `/vod/`: by default a 302 to a presigned bucket URL
 * that ffmpeg follows and decodes; with VOD_PROXY=true streamed by LiveTape with Range and ETag. Signed
 * playback (PLAY_KEY) is checked before either.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingRow } from '../src/catalog/recording-row.js';
import { playUrlSigner, vodPath } from '../src/http/vod-url.js';
import { S3ObjectStore } from '../src/storage/s3-object-store.js';
import { countDecodedFrames, ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { S3RVER_BUCKET, startS3rver, type TestS3 } from './helpers/s3rver.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PLAY_KEY = 'play-secret';
const sign = playUrlSigner([PLAY_KEY])!;

/** Records one push as FLV and HLS into the bucket and returns its `done` rows. */
async function recordInto(t: TestServer, stream: string): Promise<RecordingRow[]> {
  const push = await run(
    'ffmpeg',
    ffmpegPushArgs(t.rtmpUrl('live', stream, 'record=flv|hls'), { seconds: 3, gop: 30, realtime: false }),
  );
  expect(push.stderr).toBe('');
  return waitFor(
    async () => {
      const rows = await t.server.catalog.recordings.list({ stream });
      return rows.length === 2 && rows.every((r) => r.status === 'done') ? rows : undefined;
    },
    60_000,
    'both files stored',
  );
}

describe.each([
  { mode: 'redirect', proxy: 'false' },
  { mode: 'proxy', proxy: 'true' },
])('VOD from S3 ($mode)', ({ mode, proxy }) => {
  let s3: TestS3;
  let t: TestServer;
  let rows: RecordingRow[];
  const row = (format: string) => rows.find((r) => r.format === format)!;
  const url = (r: Pick<RecordingRow, 'storageKey' | 'stream'>) =>
    t.httpUrl(`${vodPath(r.storageKey)}?${sign(r.stream)}`);

  beforeAll(async () => {
    s3 = await startS3rver();
    t = await startTestServer({
      ...s3.settings,
      PLAY_KEY,
      VOD_PROXY: proxy,
      HLS_SEGMENT_DURATION: '1',
      // The proxy case also hands out bucket URLs (s3rver reads anonymously, like a public bucket).
      ...(mode === 'proxy' ? { S3_PUBLIC_URL: `${s3.endpoint}/${S3RVER_BUCKET}` } : {}),
    });
    rows = await recordInto(t, `play-${mode}`);
  });
  afterAll(async () => {
    await t?.close();
    await s3?.close();
  });

  it('refuses an unsigned request before touching the bucket', async () => {
    const res = await fetch(t.httpUrl(vodPath(row('flv').storageKey)), { redirect: 'manual' });
    expect(res.status).toBe(403);
  });

  it('plays the FLV file and the HLS recording end to end (ffmpeg decodes every frame)', async () => {
    const flv = await countDecodedFrames(url(row('flv')));
    expect(flv.video, flv.stderr).toBeGreaterThan(50);
    expect(flv.audio).toBeGreaterThan(50);
    const hls = await countDecodedFrames(url(row('hls')));
    expect(hls.video, hls.stderr).toBeGreaterThan(50);
  });

  it(`hands out ${mode === 'proxy' ? 'S3_PUBLIC_URL' : 'signed /vod/'} URLs in the API`, async () => {
    const flv = row('flv');
    const view = (await (await fetch(t.httpUrl(`/api/v1/recordings/${flv.id}`))).json()) as { url: string };
    if (mode === 'proxy') {
      expect(view.url).toBe(`${s3.endpoint}/${S3RVER_BUCKET}/${flv.storageKey}`);
      const frames = await countDecodedFrames(view.url);
      expect(frames.video, frames.stderr).toBeGreaterThan(50);
    } else {
      expect(view.url).toMatch(/\/vod\/.*\.flv\?txSecret=/);
    }
  });

  if (mode === 'redirect') {
    it('answers a media file with a 302 to a short-lived presigned bucket URL', async () => {
      const res = await fetch(url(row('flv')), { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const location = res.headers.get('location')!;
      expect(location.startsWith(s3.endpoint)).toBe(true);
      expect(location).toContain('X-Amz-Expires=300');
      const direct = await fetch(location);
      expect(Number(direct.headers.get('content-length'))).toBe(row('flv').sizeBytes);
    });
  } else {
    it('streams byte ranges with the bucket ETag and answers If-None-Match', async () => {
      const bucket = new S3ObjectStore(s3.config);
      try {
        const flv = row('flv');
        const whole = Buffer.concat(await (await bucket.get(flv.storageKey))!.body.toArray());
        const res = await fetch(url(flv), { headers: { Range: 'bytes=100-1099' } });
        expect(res.status).toBe(206);
        expect(res.headers.get('content-range')).toBe(`bytes 100-1099/${flv.sizeBytes}`);
        expect(Buffer.from(await res.arrayBuffer())).toEqual(whole.subarray(100, 1100));
        const etag = res.headers.get('etag')!;
        expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
        const again = await fetch(url(flv), { headers: { 'If-None-Match': etag } });
        expect(again.status).toBe(304);
        const past = await fetch(url(flv), { headers: { Range: `bytes=${flv.sizeBytes + 10}-` } });
        expect(past.status).toBe(416);
      } finally {
        bucket.close();
      }
    });
  }

  if (mode === 'proxy') {
    it('deletes the objects with the recording (HLS: the whole folder)', async () => {
      const bucket = new S3ObjectStore(s3.config);
      try {
        const hls = row('hls');
        const folder = hls.storageKey.slice(0, hls.storageKey.lastIndexOf('/'));
        expect(await bucket.head(`${folder}/000000.ts`)).toBeDefined();
        for (const r of rows) {
          const res = await fetch(t.httpUrl(`/api/v1/recordings/${r.id}`), { method: 'DELETE' });
          expect(res.status).toBe(204);
        }
        expect(await bucket.head(row('flv').storageKey)).toBeUndefined();
        expect(await bucket.head(hls.storageKey)).toBeUndefined();
        expect(await bucket.head(`${folder}/000000.ts`)).toBeUndefined();
        // With PLAY_KEY set, a missing recording is refused like a bad signature (no existence leak).
        expect((await fetch(url(row('flv')))).status).toBe(403);
      } finally {
        bucket.close();
      }
    });
  }
});
