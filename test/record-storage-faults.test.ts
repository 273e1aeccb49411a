/**
 * Storage that is slow or broken under a recording. A stalled disk pauses the publisher (its socket
 * is not read; TCP makes ffmpeg wait) and loses nothing; an I/O error stops only the failing file's
 * recording, which is repaired and cataloged, while the other formats and live playback go on.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LiveStream } from '../src/live/live-stream.js';
import { apiGet } from './helpers/api.js';
import { pushFast, videoOnlySource, videoPackets } from './helpers/fast-push.js';
import { FaultyTarget } from './helpers/faulty-target.js';
import { decodeErrors } from './helpers/media-probe.js';
import { countDecodedFrames, ffmpegPushArgs, run, sleep, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const MIB = 1024 * 1024;

interface Row {
  format: string;
  status: string;
  reason: string;
  storageKey: string;
  durationMs: number;
  error: string | null;
}

async function finishedRows(t: TestServer, stream: string, count: number): Promise<Row[]> {
  return waitFor(
    async () => {
      const { recordings } = await apiGet<{ recordings: Row[] }>(
        t,
        `/api/v1/recordings?stream=${stream}&status=all`,
      );
      return recordings.length >= count &&
        recordings.every((r) => r.status !== 'recording') &&
        t.server.recordings.activeCount === 0
        ? recordings
        : undefined;
    },
    60_000,
    `the recordings of ${stream}`,
  );
}

describe('storage faults under a recording', () => {
  it('a stalled disk makes the publisher wait, its socket paused, and loses nothing', async () => {
    let disk!: FaultyTarget;
    const t = await startTestServer(
      { RECORD_BACKLOG_HIGH: '2', RECORD_BACKLOG_LOW: '1' },
      { storage: (root) => (disk = new FaultyTarget(root)) },
    );
    try {
      const source = await videoOnlySource();
      disk.stall();
      const push = pushFast(t, source, 'stalled', 'record=flv|mp4|hls');
      const stream = await waitFor(() => t.server.hub.get('live', 'stalled'), 30_000, 'the publish');
      await waitFor(() => stream.isIngestPaused || undefined, 30_000, 'the publisher to be paused');
      // The disk stays stuck for seconds: the publisher stays paused and what waits stays bounded.
      const pausedAt = stream.stats.videoFrames;
      await sleep(2000);
      expect(stream.isIngestPaused).toBe(true);
      expect(stream.stats.videoFrames).toBe(pausedAt);
      expect(t.server.recordings.pendingBytes).toBeLessThan(4 * MIB);
      expect(disk.stalledAppends).toBeGreaterThan(0);
      disk.resume();
      await push;
      expect(stream.ingestPauses.count).toBeGreaterThan(0);
      expect(stream.ingestPauses.totalMs).toBeGreaterThanOrEqual(2000);
      const rows = await finishedRows(t, 'stalled', 3);
      for (const row of rows) {
        expect(row.reason, row.format).toBe('unpublish');
        expect(await videoPackets(join(t.dataDir, 'media', row.storageKey)), row.format).toBe(900);
      }
    } finally {
      disk?.resume();
      await t.close();
    }
  }, 180_000);

  it('an I/O error stops that file only: it is repaired and cataloged, other formats and live playback go on', async () => {
    let disk!: FaultyTarget;
    const t = await startTestServer({}, { storage: (root) => (disk = new FaultyTarget(root)) });
    try {
      disk.failAppends(/\.flv$/, 'EIO', 512 * 1024);
      const push = run(
        'ffmpeg',
        ffmpegPushArgs(t.rtmpUrl('live', 'eio', 'record=flv|mp4'), {
          seconds: 10,
          gop: 1000,
          realtime: false,
          size: '640x360',
        }),
      );
      const stream: LiveStream = await waitFor(() => t.server.hub.get('live', 'eio'), 30_000, 'the publish');
      const player = countDecodedFrames(t.httpUrl('/live/live/eio.flv'));
      expect((await push).code).toBe(0);
      expect((await player).video).toBe(10 * 30);
      expect(stream.isEnded).toBe(true);
      const rows = await finishedRows(t, 'eio', 2);
      const flv = rows.find((r) => r.format === 'flv')!;
      const mp4 = rows.find((r) => r.format === 'mp4')!;
      expect(flv.status).toBe('done');
      expect(flv.reason).toBe('storage_error');
      expect(flv.durationMs).toBeGreaterThan(0);
      expect(flv.durationMs).toBeLessThan(10_000);
      expect(await decodeErrors(join(t.dataDir, 'media', flv.storageKey))).toBe('');
      expect(mp4.reason).toBe('unpublish');
      expect(await videoPackets(join(t.dataDir, 'media', mp4.storageKey))).toBe(300);
    } finally {
      await t.close();
    }
  }, 180_000);
});
