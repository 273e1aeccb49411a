/**
 * Fast pushes (ffmpeg without -re, what an upload, a reconnect burst or a catching-up encoder does)
 * lose nothing: every file of every format holds every pushed frame, no file is empty or uncataloged.
 * A push is 30 s of 720p sent as fast as the server takes it, so the server runs behind its publishers
 * the whole time: the case where the end of a push used to be lost and bursts abandoned recordings.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGet } from './helpers/api.js';
import { cachedFfmpegOutput } from './helpers/media-cache.js';
import { run } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const FORMATS = ['flv', 'mp4', 'hls'] as const;

interface RecordingView {
  stream: string;
  format: string;
  status: string;
  storageKey: string;
  sizeBytes: number;
  reason: string;
}

/** H.264 720p30 + AAC, 30 s, a keyframe every 2 s (as an encoder sends it). */
function avSource(): Promise<string> {
  return cachedFfmpegOutput(
    [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
      ...['-t', '30', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '60'],
      ...['-b:v', '2500k', '-c:a', 'aac', '-b:a', '96k', '-f', 'flv'],
    ],
    'flv',
  );
}

async function videoPackets(path: string): Promise<number> {
  const r = await run(
    'ffprobe',
    [
      ...['-v', 'error', '-select_streams', 'v', '-count_packets'],
      ...['-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', path],
    ],
    { timeoutMs: 60_000 },
  );
  expect(r.code, `${path}: ${r.stderr}`).toBe(0);
  // An HLS playlist lists its stream once per program and once on its own: the first line is enough.
  return Number(r.stdout.trim().split('\n')[0]);
}

/** ffmpeg pushing a file without -re: as fast as the connection takes it. */
async function pushFast(t: TestServer, source: string, stream: string): Promise<void> {
  const url = t.rtmpUrl('live', stream, `record=${FORMATS.join('|')}`);
  const r = await run('ffmpeg', ['-v', 'error', '-i', source, '-c', 'copy', '-f', 'flv', url], {
    timeoutMs: 120_000,
  });
  expect(r.code, `ffmpeg push of ${stream}: ${r.stderr}`).toBe(0);
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

describe('fast pushes (no -re) are recorded whole', () => {
  let t: TestServer;
  let av: string;
  let videoOnly: string;
  let sourceFrames: number;

  beforeAll(async () => {
    av = await avSource();
    videoOnly = await cachedFfmpegOutput(['-i', av, '-an', '-c', 'copy', '-f', 'flv'], 'flv');
    sourceFrames = await videoPackets(av);
    expect(sourceFrames).toBe(900);
    t = await startTestServer();
  }, 180_000);

  afterAll(async () => {
    await t?.close();
  });

  /** Waits until every push's files are finalized, then checks each format's file frame by frame. */
  async function expectComplete(streams: string[]): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (t.server.recordings.activeCount > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const { recordings } = await apiGet<{ recordings: RecordingView[] }>(
      t,
      '/api/v1/recordings?status=all&limit=1000',
    );
    for (const stream of streams) {
      const rows = recordings.filter((r) => r.stream === stream);
      expect(rows.map((r) => r.format).sort(), stream).toEqual([...FORMATS].sort());
      for (const row of rows) {
        expect(row.status, `${stream} ${row.format}`).toBe('done');
        expect(row.reason, `${stream} ${row.format}`).toBe('unpublish');
        const frames = await videoPackets(join(t.dataDir, 'media', row.storageKey));
        expect(frames, `${stream} ${row.format}: video frames in the file`).toBe(sourceFrames);
      }
    }
    // Nothing else in the media folder: no empty file, nothing the catalog does not know.
    const known = recordings.map((r) =>
      r.format === 'hls' ? r.storageKey.replace(/\/[^/]+$/, '/') : r.storageKey,
    );
    for (const path of await filesUnder(join(t.dataDir, 'media'))) {
      const key = path.slice(join(t.dataDir, 'media').length + 1);
      expect((await stat(path)).size, `${key} is empty`).toBeGreaterThan(0);
      expect(
        known.some((k) => (k.endsWith('/') ? key.startsWith(k) : key === k)),
        `${key} is not cataloged`,
      ).toBe(true);
    }
  }

  it('three video-only pushes in a row: every frame in every format', async () => {
    const streams = ['seq0', 'seq1', 'seq2'];
    for (const s of streams) await pushFast(t, videoOnly, s);
    await expectComplete(streams);
  }, 240_000);

  it('six pushes at once (three video-only, three A/V): every frame in every format', async () => {
    const streams = ['par-v0', 'par-v1', 'par-v2', 'par-a0', 'par-a1', 'par-a2'];
    await Promise.all(streams.map((s) => pushFast(t, s.startsWith('par-v') ? videoOnly : av, s)));
    await expectComplete(streams);
  }, 240_000);
});
