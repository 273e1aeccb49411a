/**
 * Five hours of a broadcast, pushed in seconds: a tiny synthetic stream (64x64 H.264 at 1 fps, one
 * keyframe a minute; 8 kHz AAC) through the tag pusher, far faster than real time. It crosses three
 * `record_interval=5400` splits and the RTMP extended-timestamp switch (2^24 ms, about 4.66 h), and
 * every file must decode with every frame in order and each split starting where the last one ended.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAudioTag, parseVideoTag } from '../src/media/flv-tag.js';
import { cachedFfmpegOutput } from './helpers/media-cache.js';
import { audioPacketHashes, decodeErrors, videoFrameHashes } from './helpers/media-probe.js';
import { waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { pushTags, readMediaTags, type Tag } from './helpers/tag-push.js';

/** One clip: 64 video frames at 1 fps (a keyframe first) and 500 AAC frames of 128 ms. */
const CLIP_MS = 64_000;
const AAC_FRAME_MS = 128; // 1024 samples at 8 kHz
const CLIPS = 282; // 18,048 s: past 2^24 ms = 16,777.216 s
const EXTENDED_TIMESTAMP_MS = 2 ** 24;

interface Row {
  format: string;
  storageKey: string;
  startTime: string;
  durationMs: number;
  reason: string;
}

function clip(): Promise<string> {
  return cachedFfmpegOutput(
    [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=1'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000'],
      ...['-t', String(CLIP_MS / 1000)],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-bf', '0'],
      ...['-g', '64', '-keyint_min', '64', '-sc_threshold', '0'],
      ...['-c:a', 'aac', '-ar', '8000', '-ac', '1', '-b:a', '8k', '-f', 'flv'],
    ],
    'flv',
  );
}

/**
 * The clip's video repeated back to back, and one AAC frame repeated on an exact 128 ms cadence (the
 * clip's own audio does not divide evenly into it), as one stream of tags in timestamp order.
 */
function broadcast(tags: readonly Tag[]): { tags: Tag[]; videoFrames: number; audioFrames: number } {
  const isFrame = (tag: Tag) =>
    tag.type === 9 ? parseVideoTag(tag.body).type === 'frame' : parseAudioTag(tag.body).type === 'frame';
  const headers = tags.filter((tag) => !isFrame(tag)).map((tag) => ({ ...tag, timestamp: 0 }));
  // ffmpeg's clip ends with a 65th frame at 64 s, where the next repeat's keyframe goes.
  const video = tags.filter((tag) => tag.type === 9 && isFrame(tag) && tag.timestamp < CLIP_MS);
  const audioBody = tags.filter((tag) => tag.type === 8 && isFrame(tag))[10]!.body;
  const out: Tag[] = [...headers];
  const endMs = CLIPS * CLIP_MS;
  let audioAt = 0;
  for (let c = 0; c < CLIPS; c++) {
    for (const frame of video) {
      const at = c * CLIP_MS + frame.timestamp;
      for (; audioAt < at; audioAt += AAC_FRAME_MS)
        out.push({ type: 8, timestamp: audioAt, body: audioBody });
      out.push({ ...frame, timestamp: at });
    }
  }
  for (; audioAt < endMs; audioAt += AAC_FRAME_MS) out.push({ type: 8, timestamp: audioAt, body: audioBody });
  // A file starts on a keyframe: audio from before the first one (ffmpeg's clip starts its video a
  // frame of audio late) is not recorded.
  const firstKeyframe = video[0]!.timestamp;
  return {
    tags: out,
    videoFrames: CLIPS * video.length,
    audioFrames: out.filter((tag) => tag.body === audioBody && tag.timestamp >= firstKeyframe).length,
  };
}

describe('a five-hour broadcast pushed faster than real time', () => {
  let t: TestServer;
  let rows: Row[];
  let clipPath: string;
  let pushed: ReturnType<typeof broadcast>;
  beforeAll(async () => {
    t = await startTestServer();
    clipPath = await clip();
    pushed = broadcast(await readMediaTags(clipPath));
    const push = await pushTags(
      t.rtmpUrl('live', 'marathon', 'record=flv|mp4|hls&record_interval=5400'),
      pushed.tags,
    );
    expect((await push.done).sent).toBe(pushed.tags.length);
    rows = await waitFor(
      async () => {
        const res = await fetch(t.httpUrl('/api/v1/recordings?stream=marathon'));
        const all = ((await res.json()) as { recordings: Row[] }).recordings;
        return all.length >= 9 && t.server.recordings.activeCount === 0 ? all.reverse() : undefined;
      },
      60_000,
      'the recordings',
    );
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('splits FLV and MP4 at the first keyframe past each 5400 s, and keeps one HLS playlist', () => {
    for (const format of ['flv', 'mp4']) {
      const files = rows.filter((r) => r.format === format);
      expect(
        files.map((r) => r.reason),
        format,
      ).toEqual(['interval', 'interval', 'interval', 'unpublish']);
      const starts = files.map((r) => Date.parse(r.startTime) - Date.parse(files[0]!.startTime));
      // Keyframes every 64 s: the first at or past 5400 s after each file's start.
      expect(starts, format).toEqual([0, 5_440_000, 10_880_000, 16_320_000]);
      expect(16_320_000 < EXTENDED_TIMESTAMP_MS && EXTENDED_TIMESTAMP_MS < CLIPS * CLIP_MS).toBe(true);
    }
    expect(rows.filter((r) => r.format === 'hls')).toHaveLength(1);
  });

  it('every file decodes, holding every video frame in order and every audio frame once', async () => {
    const clipFrames = (await videoFrameHashes(clipPath)).slice(0, CLIP_MS / 1000);
    const expected = Array.from({ length: CLIPS }, () => clipFrames).flat();
    for (const format of ['flv', 'mp4', 'hls']) {
      const video: string[] = [];
      let audio = 0;
      for (const row of rows.filter((r) => r.format === format)) {
        const path = join(t.dataDir, 'media', row.storageKey);
        expect(await decodeErrors(path), row.storageKey).toBe('');
        video.push(...(await videoFrameHashes(path)));
        audio += (await audioPacketHashes(path)).length;
      }
      expect(video.length, format).toBe(pushed.videoFrames);
      expect(video, format).toEqual(expected);
      expect(audio, format).toBe(pushed.audioFrames);
    }
  }, 300_000);
});
