import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avStartSkewMs, decodeErrors, probe, topLevelBoxes } from './helpers/media-probe.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
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
}

async function listRecordings(t: TestServer, query = ''): Promise<RecordingJson[]> {
  const res = await fetch(t.httpUrl(`/api/v1/recordings${query}`));
  expect(res.status).toBe(200);
  return ((await res.json()) as { recordings: RecordingJson[] }).recordings;
}

const PUSH_SECONDS = 10;

describe('recording FLV, MP4 and HLS from the push URL', () => {
  let t: TestServer;
  let files: RecordingJson[];
  beforeAll(async () => {
    t = await startTestServer({ RECORD_INTERVAL_MIN: '1' });
    // Faster than real time: splitting follows media time, not the wall clock.
    const push = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'rec1', 'record=flv|mp4|hls&record_interval=3'), {
        seconds: PUSH_SECONDS,
        gop: 30,
        realtime: false,
      }),
    );
    expect(push.stderr).toBe('');
    files = await waitFor(
      async () => {
        const rows = await listRecordings(t, '?stream=rec1');
        return rows.length >= 9 && t.server.recordings.activeCount === 0 ? rows : undefined;
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

  it('every file decodes end to end, starts in A/V sync, and the durations add up to the push', async () => {
    for (const format of ['flv', 'mp4', 'hls']) {
      const rows = files.filter((r) => r.format === format);
      let total = 0;
      for (const row of rows) {
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
        total += row.durationMs;
      }
      // within one GOP (1 s) of what was pushed
      expect(Math.abs(total - PUSH_SECONDS * 1000), `${format} total duration`).toBeLessThan(1000);
    }
  });

  it('counts every pushed video frame exactly once across the files of each format', async () => {
    for (const format of ['flv', 'mp4', 'hls']) {
      let frames = 0;
      for (const row of files.filter((r) => r.format === format)) {
        const p = await probe(join(t.dataDir, 'media', row.storageKey));
        frames += Number(p.streams.find((s) => s.codec_type === 'video')!.nb_read_frames);
      }
      expect(frames, format).toBe(PUSH_SECONDS * 30);
    }
  });

  it('writes MP4 with moov before mdat (fast start) and FLV with its duration', async () => {
    const mp4 = files.find((r) => r.format === 'mp4')!;
    const boxes = topLevelBoxes(await readFile(join(t.dataDir, 'media', mp4.storageKey)));
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    expect(boxes).not.toContain('moof');
    const flv = files.find((r) => r.format === 'flv')!;
    const size = (await stat(join(t.dataDir, 'media', flv.storageKey))).size;
    expect(size).toBe(flv.sizeBytes);
  });

  it('lays files out as media/{app}/{stream}/{YYYY-MM-DD}/', () => {
    for (const row of files)
      expect(row.storageKey).toMatch(/^live\/rec1\/\d{4}-\d{2}-\d{2}\/rec1_\d{8}-\d{6}/);
  });
});
