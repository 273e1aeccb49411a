import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAmf0 } from '../src/amf/amf0.js';
import { readFlvTags } from '../src/media/flv-file.js';
import { pushFast } from './helpers/fast-push.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import {
  audioPacketHashes,
  avStartSkewMs,
  decodeErrors,
  probe,
  topLevelBoxes,
  videoFrameHashes,
} from './helpers/media-probe.js';
import { waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface RecordingJson {
  id: string;
  format: string;
  storageKey: string;
  durationMs: number;
  sizeBytes: number;
  reason: string;
  width: number | null;
  height: number | null;
  broadcastId: string;
  warnings: string[];
  startTime: string;
}

async function listRecordings(t: TestServer, query = ''): Promise<RecordingJson[]> {
  const res = await fetch(t.httpUrl(`/api/v1/recordings${query}`));
  expect(res.status).toBe(200);
  return ((await res.json()) as { recordings: RecordingJson[] }).recordings;
}

const PUSH_SECONDS = 10;
const FPS = 30;

describe('recording FLV, MP4 and HLS from the push URL', () => {
  let t: TestServer;
  let source: string;
  let files: RecordingJson[];
  beforeAll(async () => {
    t = await startTestServer({ RECORD_INTERVAL_MIN: '1' });
    // A source file (H.264 with B-frames, a keyframe a second, AAC) whose every frame the files are
    // compared with, pushed by ffmpeg as is and faster than real time: splitting follows media time.
    source = await makeTestFlv({ seconds: PUSH_SECONDS, gop: FPS, bframes: true });
    const push = await pushFast(t, source, 'rec1', 'record=flv|mp4|hls&record_interval=3');
    expect(push.stderr).toBe('');
    files = await waitFor(
      async () => {
        const rows = await listRecordings(t, '?stream=rec1');
        // oldest first, so a format's files follow the broadcast in order
        return rows.length >= 9 && t.server.recordings.activeCount === 0 ? rows.reverse() : undefined;
      },
      30_000,
      'recordings to be cataloged',
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('splits FLV and MP4 by interval at keyframes and keeps HLS as one playlist', () => {
    const count = (f: string) => files.filter((r) => r.format === f).length;
    expect(count('flv')).toBe(4); // 0–3, 3–6, 6–9, 9–10 s
    expect(count('mp4')).toBe(4);
    expect(count('hls')).toBe(1);
    const reasons = files
      .filter((r) => r.format === 'mp4')
      .map((r) => r.reason)
      .sort();
    expect(reasons).toEqual(['interval', 'interval', 'interval', 'unpublish']);
    expect(new Set(files.map((r) => r.broadcastId)).size).toBe(1);
  });

  it('every file decodes end to end, starts in A/V sync, and each split starts where the file before ended', async () => {
    for (const format of ['flv', 'mp4', 'hls']) {
      const rows = files.filter((r) => r.format === format);
      for (const [i, row] of rows.entries()) {
        const path = join(t.dataDir, 'media', row.storageKey);
        expect(await decodeErrors(path), `${format} ${row.storageKey}`).toBe('');
        const p = await probe(path);
        expect(p.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
        expect(avStartSkewMs(p), `${format} A/V start skew`).toBeLessThan(100);
        expect(
          Math.abs(p.formatDuration * 1000 - row.durationMs),
          `${format} duration vs catalog`,
        ).toBeLessThan(150);
        expect(row).toMatchObject({ width: 320, height: 240 });
        // A file's start is media time: the next one starts exactly where this one's video ends, so
        // a gap or an overlap of even one frame shows (the frames themselves are checked below).
        const videoMs = ((await videoFrameHashes(path)).length * 1000) / FPS;
        const next = rows[i + 1];
        if (next)
          expect(Date.parse(next.startTime) - Date.parse(row.startTime), `${format} split ${i}`).toBe(
            videoMs,
          );
        // The catalog duration covers the video, plus at most the audio that runs on past it (one AAC
        // frame at a split; the source's audio ends 31 ms after its video).
        expect(row.durationMs - videoMs, `${format} ${i} duration`).toBeGreaterThanOrEqual(0);
        expect(row.durationMs - videoMs, `${format} ${i} duration`).toBeLessThan(100);
      }
    }
  });

  it('holds every pushed video frame and audio packet exactly once, in order, across the files of each format', async () => {
    const sourceVideo = await videoFrameHashes(source);
    const sourceAudio = await audioPacketHashes(source);
    expect(sourceVideo).toHaveLength(PUSH_SECONDS * FPS);
    expect(new Set(sourceVideo).size).toBe(sourceVideo.length); // testsrc2 frames all differ
    for (const format of ['flv', 'mp4', 'hls']) {
      const video: string[] = [];
      const audio: string[] = [];
      for (const row of files.filter((r) => r.format === format)) {
        const path = join(t.dataDir, 'media', row.storageKey);
        video.push(...(await videoFrameHashes(path)));
        audio.push(...(await audioPacketHashes(path)));
      }
      // A drop and a duplicate, or two files' frames swapped at a split, change these sequences.
      expect(video, `${format} video frames`).toEqual(sourceVideo);
      expect(audio, `${format} audio packets`).toEqual(sourceAudio);
    }
  });

  it('writes MP4 with moov before mdat (fast start) and FLV with its duration', async () => {
    const mp4 = files.find((r) => r.format === 'mp4')!;
    const boxes = topLevelBoxes(await readFile(join(t.dataDir, 'media', mp4.storageKey)));
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    expect(boxes).not.toContain('moof');
    // Every FLV says its own duration in onMetaData (players show it and seek by it) and its size.
    for (const flv of files.filter((r) => r.format === 'flv')) {
      const bytes = await readFile(join(t.dataDir, 'media', flv.storageKey));
      expect(bytes.length).toBe(flv.sizeBytes);
      const script = readFlvTags(bytes).next().value!;
      expect(script.type).toBe(18);
      const [name, meta] = decodeAmf0(script.body) as [string, { duration: number; filesize: number }];
      expect(name).toBe('onMetaData');
      expect(meta.duration * 1000, flv.storageKey).toBeCloseTo(flv.durationMs, 0);
      expect(meta.filesize).toBe(flv.sizeBytes);
    }
  });

  it('lays files out as media/{app}/{stream}/{YYYY-MM-DD}/', () => {
    for (const row of files)
      expect(row.storageKey).toMatch(/^live\/rec1\/\d{4}-\d{2}-\d{2}\/rec1_\d{8}-\d{6}/);
  });
});
