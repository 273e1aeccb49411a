/**
 * Recording into an S3-compatible bucket (STORAGE=s3) against s3rver, a real S3 protocol server, with
 * real ffmpeg pushes: files reach the bucket and decode; callbacks (event 100) and `done` come only once
 * they are there; an outage of the store delays them and loses nothing.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingRow } from '../src/catalog/recording-row.js';
import { parseMediaPlaylist } from '../src/container/hls/playlist.js';
import { S3ObjectStore } from '../src/storage/s3-object-store.js';
import { ADMIN_PASSWORD, openLoggedIn } from './console-helpers.js';
import { launchBrowser } from './helpers/browser.js';
import { type CallbackReceiver, startCallbackReceiver } from './helpers/callback-receiver.js';
import { countDecodedFrames, ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { S3RVER_BUCKET, startS3rver, type TestS3 } from './helpers/s3rver.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('recording to S3 (s3rver)', () => {
  let s3: TestS3;
  let bucket: S3ObjectStore;
  let receiver: CallbackReceiver;
  let t: TestServer;
  let scratch: string;

  beforeAll(async () => {
    s3 = await startS3rver();
    bucket = new S3ObjectStore(s3.config);
    receiver = await startCallbackReceiver();
    scratch = await mkdtemp(join(tmpdir(), 'livetape-s3-rec-'));
    t = await startTestServer({
      ...s3.settings,
      CALLBACK_URL: receiver.url,
      HLS_SEGMENT_DURATION: '1',
      ADMIN_PASSWORD,
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    bucket?.close();
    await s3?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  // From the catalog: the REST listing shows finished files only.
  const recordings = (stream: string): Promise<RecordingRow[]> =>
    t.server.catalog.recordings.list({ stream });
  const fileCallbacks = (stream: string) =>
    receiver.accepted.filter((c) => c.body.event_type === 100 && c.body.stream_id === stream);
  const download = async (key: string, name: string) => {
    const object = await bucket.get(key);
    expect(object, key).toBeDefined();
    const path = join(scratch, name);
    await writeFile(path, Buffer.concat(await object!.body.toArray()));
    return path;
  };
  /**
   * The live playlist is overwritten after every segment. S3 makes an overwrite atomic; s3rver writes the
   * object in place: a read that meets the write is answered InternalError, or its body is cut off (the
   * socket's `aborted`), so such a read is retried.
   */
  const readWhileOverwritten = async (key: string): Promise<string | undefined> => {
    try {
      const object = await bucket.get(key);
      return object && Buffer.concat(await object.body.toArray()).toString();
    } catch (error) {
      const { name, message } = error as Error;
      if (name === 'InternalError' || message === 'aborted') return undefined;
      throw error;
    }
  };
  const spoolExists = (key: string) =>
    stat(join(t.dataDir, 'media', key)).then(
      () => true,
      () => false,
    );
  /** Every file of the stream decodes from the bucket; HLS: the playlist and every segment it lists. */
  const expectAllInBucket = async (rows: RecordingRow[]) => {
    for (const row of rows) {
      if (row.format === 'hls') {
        const folder = row.storageKey.slice(0, row.storageKey.lastIndexOf('/'));
        const playlistPath = await download(row.storageKey, `${row.id}.m3u8`);
        const playlist = parseMediaPlaylist(await readFile(playlistPath, 'utf8'));
        expect(playlist.segments.length).toBeGreaterThan(0);
        for (const segment of playlist.segments) await download(`${folder}/${segment.uri}`, segment.uri);
        const frames = await countDecodedFrames(playlistPath);
        expect(frames.video, frames.stderr).toBeGreaterThan(50);
      } else {
        expect((await bucket.head(row.storageKey))?.size).toBe(row.sizeBytes);
        const frames = await countDecodedFrames(await download(row.storageKey, `${row.id}.${row.format}`));
        expect(frames.video, frames.stderr).toBeGreaterThan(50);
        expect(frames.audio).toBeGreaterThan(50);
      }
      // The spool copy goes once the bucket holds the file (S3_KEEP_LOCAL is off).
      expect(
        await spoolExists(
          row.format === 'hls' ? row.storageKey.slice(0, row.storageKey.lastIndexOf('/')) : row.storageKey,
        ),
      ).toBe(false);
    }
  };

  it('uploads FLV, MP4 and HLS, then calls back with the file done', async () => {
    const push = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 's3a', 'record=flv|mp4|hls'), {
        seconds: 3,
        gop: 30,
        realtime: false,
      }),
    );
    expect(push.stderr).toBe('');
    await waitFor(
      () => (fileCallbacks('s3a').length === 3 ? true : undefined),
      60_000,
      'three file callbacks',
    );
    const rows = await recordings('s3a');
    expect(rows.map((r) => r.format).sort()).toEqual(['flv', 'hls', 'mp4']);
    expect(rows.every((r) => r.status === 'done')).toBe(true);
    await expectAllInBucket(rows);
  });

  it('uploads HLS segments and the playlist while the push is still going', async () => {
    const push = run(
      'ffmpeg',
      // Long enough that a loaded machine still finds two segments in the bucket while it goes on.
      ffmpegPushArgs(t.rtmpUrl('live', 's3live', 'record=hls'), { seconds: 20, gop: 30, realtime: true }),
    );
    const live = await waitFor(
      async () => {
        const [row] = await recordings('s3live');
        if (!row || row.reason !== null) return undefined;
        const text = await readWhileOverwritten(row.storageKey);
        if (text === undefined) return undefined;
        const playlist = parseMediaPlaylist(text);
        return playlist.segments.length >= 2 ? { row, playlist } : undefined;
      },
      60_000,
      'a live playlist with two segments in the bucket',
    );
    expect(live.playlist.ended).toBe(false);
    const folder = live.row.storageKey.slice(0, live.row.storageKey.lastIndexOf('/'));
    for (const segment of live.playlist.segments)
      expect(await bucket.head(`${folder}/${segment.uri}`)).toBeDefined();
    expect((await push).stderr).toBe('');
    await waitFor(
      () => (fileCallbacks('s3live').length === 1 ? true : undefined),
      60_000,
      'the file callback',
    );
    await expectAllInBucket(await recordings('s3live'));
  });

  it('holds files and callbacks while the store is down and delivers them all when it is back', async () => {
    await s3.stop();
    const push = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 's3b', 'record=flv|hls'), { seconds: 3, gop: 30, realtime: false }),
    );
    expect(push.stderr).toBe('');
    // Both files are closed and waiting: still `recording`, with upload jobs that have failed.
    await waitFor(
      async () => {
        const rows = await recordings('s3b');
        if (rows.length !== 2 || t.server.recordings.activeCount !== 0) return undefined;
        const jobs = await Promise.all(rows.map((r) => t.server.catalog.uploads.listOf(r.id)));
        return jobs.every((j) => j.length > 0 && j[0]!.attempts > 1) ? true : undefined;
      },
      60_000,
      'files closed with failing uploads',
    );
    expect((await recordings('s3b')).every((r) => r.status === 'recording')).toBe(true);
    expect(fileCallbacks('s3b')).toHaveLength(0);
    // The node stays healthy (nothing is lost) but says uploads are failing; the API says why.
    const health = (await (await fetch(t.httpUrl('/healthz'))).json()) as {
      storage: { pendingUploads: number; uploadsFailing: boolean };
    };
    expect(health.storage.pendingUploads).toBeGreaterThanOrEqual(2);
    expect(health.storage.uploadsFailing).toBe(true);
    const status = (await (await fetch(t.httpUrl('/api/v1/storage'))).json()) as {
      bucket: string;
      lastError: { message: string } | null;
    };
    expect(status.bucket).toBe(S3RVER_BUCKET);
    expect(status.lastError?.message).toMatch(/ECONNREFUSED/);
    // The console's Recordings page says so too.
    const browser = await launchBrowser();
    try {
      const { page, errors, close } = await openLoggedIn(browser, t, '/console/recordings');
      const line = page.getByRole('status').filter({ hasText: S3RVER_BUCKET });
      await expect
        .poll(() => line.textContent(), { timeout: 30_000 })
        .toMatch(/uploads waiting.*ECONNREFUSED/);
      expect(errors).toEqual([]);
      await close();
    } finally {
      await browser.close();
    }

    await s3.start();
    await waitFor(
      () => (fileCallbacks('s3b').length === 2 ? true : undefined),
      90_000,
      'callbacks after the outage',
    );
    const rows = await recordings('s3b');
    expect(rows.every((r) => r.status === 'done')).toBe(true);
    await expectAllInBucket(rows);
    const metrics = await (await fetch(t.httpUrl('/metrics'))).text();
    expect(metrics).toMatch(/livetape_uploads_total\{result="failed"\} [1-9]/);
    expect(metrics).toMatch(/livetape_upload_bytes_total [1-9]/);
    // The live segment jobs drain too (their spool copies are gone: nothing left to send).
    await waitFor(
      async () => ((await t.server.catalog.uploads.backlog()).pending === 0 ? true : undefined),
      90_000,
      'an empty upload outbox',
    );
  }, 180_000);
});
