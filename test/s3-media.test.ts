/**
 * Media made outside the recorder with STORAGE=s3, on two nodes sharing one PostgreSQL and one bucket
 * (s3rver): a live snapshot is in the bucket before its callback 200 and its pic_full_url answers with
 * the JPEG; the posters of an MP4 and of an HLS recording are in the bucket; clips of the MP4 and of the HLS recording
 * asked of node B (their sources only in the bucket) are uploaded, announced, and play from node A; deleting a recording removes its objects,
 * poster and sprite included.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JpegSplitter } from '../src/snapshot/jpeg-splitter.js';
import { S3ObjectStore } from '../src/storage/s3-object-store.js';
import { type CallbackReceiver, startCallbackReceiver } from './helpers/callback-receiver.js';
import { type ChildServer, freePort, startChildServer } from './helpers/child-server.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { countDecodedFrames, ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startS3rver, type TestS3 } from './helpers/s3rver.js';

const postgres: TestPostgres | undefined = await startPostgres();

interface RecordingJson {
  id: string;
  format: string;
  storageKey: string;
  status: string;
  posterUrl: string | null;
}

describe.skipIf(postgres === undefined)('snapshots, posters and clips with STORAGE=s3', () => {
  let s3: TestS3;
  let objects: S3ObjectStore;
  let receiver: CallbackReceiver;
  const nodes: Record<'a' | 'b', ChildServer> = {} as never;
  const dirs: Record<'a' | 'b', string> = {} as never;

  beforeAll(async () => {
    s3 = await startS3rver();
    objects = new S3ObjectStore(s3.config);
    receiver = await startCallbackReceiver();
    const databaseUrl = await postgres!.newDatabase();
    for (const name of ['a', 'b'] as const) {
      dirs[name] = await mkdtemp(join(tmpdir(), `livetape-s3-media-${name}-`));
      const ports = { rtmp: await freePort(), http: await freePort() };
      nodes[name] = await startChildServer(dirs[name], ports, {
        ...s3.settings,
        DATABASE_URL: databaseUrl,
        NODE_NAME: `node-${name}`,
        NODE_URL: `http://127.0.0.1:${ports.http}`,
        SNAPSHOT_INTERVAL: '2',
        CALLBACK_URL: receiver.url,
        CALLBACK_KEY: 's3-media-key',
      });
    }
  });
  afterAll(async () => {
    for (const node of Object.values(nodes)) {
      if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGTERM');
      await node.exited;
    }
    objects?.close();
    await receiver?.close();
    await s3?.close();
    await postgres?.stop();
    for (const dir of Object.values(dirs)) await rm(dir, { recursive: true, force: true });
  });

  it('stores snapshots and posters in the bucket, and a clip made on B plays from A', async () => {
    const push = await run(
      'ffmpeg',
      ffmpegPushArgs(nodes.a.rtmpUrl('live', 'm1', 'record=mp4|hls'), {
        seconds: 8,
        gop: 30,
        realtime: true,
      }),
      { timeoutMs: 60_000 },
    );
    expect(push.stderr).toBe('');

    // A snapshot: announced once it is in the bucket; its URL answers with the JPEG from there.
    const shot = await waitFor(
      () => receiver.accepted.find((c) => c.body.event_type === 200 && c.body.stream_id === 'm1'),
      30_000,
      'a snapshot callback',
    );
    const picUrl = String(shot.body.pic_full_url);
    const picKey = decodeURIComponent(new URL(picUrl).pathname.slice('/snapshots/'.length));
    expect((await objects.head(picKey))?.size).toBe(shot.body.file_size);
    expect(existsSync(join(dirs.a, 'media', picKey))).toBe(false);
    const redirect = await fetch(picUrl, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toContain(s3.endpoint);
    const picture = Buffer.from(await (await fetch(picUrl)).arrayBuffer());
    expect(picture.length).toBe(shot.body.file_size);
    expect(new JpegSplitter().push(picture)).toHaveLength(1);

    // The recording: done once stored; its poster (made from the bucket's copy) is in the bucket too.
    const recording = await waitFor(
      async () => {
        const res = await fetch(nodes.b.httpUrl('/api/v1/recordings?stream=m1'));
        const { recordings } = (await res.json()) as { recordings: RecordingJson[] };
        const done = recordings.filter((r) => r.status === 'done' && r.posterUrl !== null);
        const mp4 = done.find((r) => r.format === 'mp4');
        const hls = done.find((r) => r.format === 'hls');
        return mp4 && hls ? mp4 : undefined;
      },
      60_000,
      'the MP4 and HLS recordings with their posters',
    );
    const { recordings: both } = (await (
      await fetch(nodes.b.httpUrl('/api/v1/recordings?stream=m1'))
    ).json()) as { recordings: RecordingJson[] };
    // The HLS recording's poster is made from the bucket's playlist and segments (presigned each).
    for (const { posterUrl } of both) {
      const poster = await fetch(nodes.b.httpUrl(new URL(posterUrl!).pathname));
      expect(poster.status).toBe(200);
      expect(new JpegSplitter().push(Buffer.from(await poster.arrayBuffer()))).toHaveLength(1);
    }

    // A clip asked of B, whose spool never held the source: cut from a download, uploaded, announced.
    const res = await fetch(nodes.b.httpUrl('/api/v1/clips'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recordingId: recording.id, start: 1, end: 5 }),
    });
    const clip = (await res.json()) as RecordingJson;
    expect(res.status, JSON.stringify(clip)).toBe(201);
    await waitFor(
      () => receiver.accepted.find((c) => c.body.event_type === 100 && c.body.video_id === clip.id),
      60_000,
      "the clip's callback 100, after its upload",
    );
    expect((await objects.head(clip.storageKey))?.size).toBeGreaterThan(1000);
    await waitFor(
      () => (existsSync(join(dirs.b, 'media', clip.storageKey)) ? undefined : true),
      30_000,
      "the clip's spool copy to go",
    );
    expect(await readdir(join(dirs.b, 'media', '.downloads'))).toEqual([]); // the source's download is gone
    const played = await countDecodedFrames(nodes.a.httpUrl(`/vod/${clip.storageKey}`));
    expect(played.video, played.stderr).toBeGreaterThanOrEqual(100);

    // A clip of the HLS recording asked of B: its playlist and segments are read from the bucket.
    const hls = both.find((r) => r.format === 'hls')!;
    const hlsRes = await fetch(nodes.b.httpUrl('/api/v1/clips'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ recordingId: hls.id, start: 1, end: 5 }),
    });
    const hlsClip = (await hlsRes.json()) as RecordingJson;
    expect(hlsRes.status, JSON.stringify(hlsClip)).toBe(201);
    await waitFor(
      () => receiver.accepted.find((c) => c.body.event_type === 100 && c.body.video_id === hlsClip.id),
      60_000,
      "the HLS clip's callback 100, after its upload",
    );
    expect(await readdir(join(dirs.b, 'media', '.downloads'))).toEqual([]); // segments downloaded, then gone
    expect(await readdir(join(dirs.b, 'media', '.clip-samples'))).toEqual([]);
    const hlsPlayed = await countDecodedFrames(nodes.a.httpUrl(`/vod/${hlsClip.storageKey}`));
    expect(hlsPlayed.video, hlsPlayed.stderr).toBeGreaterThanOrEqual(100);

    // Deleting the source on B removes its object, its poster and its sprite from the bucket.
    const posterKey = decodeURIComponent(new URL(recording.posterUrl!).pathname.slice('/snapshots/'.length));
    expect(await objects.head(posterKey)).toBeDefined();
    const deleted = await fetch(nodes.b.httpUrl(`/api/v1/recordings/${recording.id}`), { method: 'DELETE' });
    expect(deleted.status).toBeLessThan(300);
    expect(await objects.head(recording.storageKey)).toBeUndefined();
    expect(await objects.head(posterKey)).toBeUndefined();
    expect(await objects.head(posterKey.replace(/-poster\.jpg$/, '-thumbs.jpg'))).toBeUndefined();
    expect((await fetch(nodes.a.httpUrl(new URL(recording.posterUrl!).pathname))).status).toBe(404);
  }, 180_000);
});
