/** What ffmpeg reads finished media from, with STORAGE=s3 (against s3rver) and local. */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../test/helpers/process.js';
import { startS3rver, type TestS3 } from '../../test/helpers/s3rver.js';
import { mediaFilesOf } from './media-files.js';
import { MediaStore } from './media-store.js';
import { S3ObjectStore } from './s3-object-store.js';

const FRAMES = 100; // 4 s at 25 fps
const KEY = 'live/h/2026-12-04/rec/playlist.m3u8';

/** Video frames ffmpeg reads through `input` (stream copy, one framemd5 line each). */
async function framesRead(input: readonly string[]): Promise<number> {
  const r = await run('ffmpeg', [
    '-v',
    'error',
    ...input,
    '-map',
    '0:v',
    '-c',
    'copy',
    '-f',
    'framemd5',
    '-',
  ]);
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
}

describe('ffmpeg input of finished media', () => {
  let s3: TestS3;
  let objects: S3ObjectStore;
  let hls: string;
  let spool: string;

  beforeAll(async () => {
    s3 = await startS3rver();
    objects = new S3ObjectStore(s3.config);
    hls = await mkdtemp(join(tmpdir(), 'livetape-media-files-hls-'));
    spool = await mkdtemp(join(tmpdir(), 'livetape-media-files-spool-'));
    const made = await run('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-t', '4'],
      ...['-c:v', 'libx264', '-g', '25', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod'],
      ...['-hls_segment_filename', join(hls, '%06d.ts'), join(hls, 'playlist.m3u8')],
    ]);
    expect(made.stderr).toBe('');
    const folder = KEY.slice(0, KEY.lastIndexOf('/') + 1);
    for (const name of await readdir(hls))
      await objects.putFile(folder + name, join(hls, name), 'video/mp2t');
  }, 60_000);
  afterAll(async () => {
    objects?.close();
    await s3?.close();
    for (const dir of [hls, spool]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives an HLS recording in the bucket as a local playlist of presigned segments, removed on release', async () => {
    const input = await mediaFilesOf(new MediaStore(spool), objects).ffmpegInput(KEY);
    const playlist = input.args.at(-1)!;
    const uris = (await readFile(playlist, 'utf8')).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(uris).toHaveLength(4);
    // A relative URI would lose the playlist URL's signature, and a private bucket refuses it.
    for (const uri of uris) {
      expect(uri.startsWith(`${s3.endpoint}/`)).toBe(true);
      expect(new URL(uri).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(await framesRead(input.args)).toBe(FRAMES);
    await input.release();
    expect(existsSync(playlist)).toBe(false);
  });

  it('gives a local file as its path', async () => {
    const input = await mediaFilesOf(new MediaStore(hls), undefined).ffmpegInput('playlist.m3u8');
    expect(input.args).toEqual(['-i', join(hls, 'playlist.m3u8')]);
    expect(await framesRead(input.args)).toBe(FRAMES);
  });
});
