import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectKeyframeIndex } from './helpers/flv-index.js';
import { decodeErrors, probe } from './helpers/media-probe.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Row {
  storageKey: string;
  durationMs: number;
}

const PUSH_SECONDS = 20;

/**
 * Recorded FLV files carry a yamdi-style keyframe index that players and ffmpeg accept. Two pushes at full
 * speed: GOP 30 (20 keyframes, all listed) and GOP 5 in 60-s files (120 keyframes for 60 slots: spread).
 */
describe('keyframe index of recorded FLV files', () => {
  let t: TestServer;
  const files: Record<string, { path: string; row: Row }> = {};
  beforeAll(async () => {
    t = await startTestServer({ RECORD_INTERVAL_MIN: '1' });
    const push = (stream: string, query: string, gop: number) =>
      run(
        'ffmpeg',
        ffmpegPushArgs(t.rtmpUrl('live', stream, query), { seconds: PUSH_SECONDS, gop, realtime: false }),
      );
    const pushes = await Promise.all([
      push('all', 'record=flv', 30),
      push('spread', 'record=flv&record_interval=60', 5),
    ]);
    for (const p of pushes) expect(p.stderr).toBe('');
    for (const stream of ['all', 'spread']) {
      const row = await waitFor(
        async () => {
          const res = await fetch(t.httpUrl(`/api/v1/recordings?stream=${stream}`));
          const rows = ((await res.json()) as { recordings: Row[] }).recordings;
          return rows.length === 1 && t.server.recordings.activeCount === 0 ? rows[0] : undefined;
        },
        30_000,
        `the ${stream} recording`,
      );
      files[stream] = { path: join(t.dataDir, 'media', row.storageKey), row };
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists the sequence header and every keyframe at its tag offset and timestamp', async () => {
    const report = inspectKeyframeIndex(await readFile(files.all!.path));
    expect(report.problems).toEqual([]);
    expect(report.startable).toHaveLength(1 + PUSH_SECONDS);
    expect(report.filepositions).toHaveLength(1800); // RECORD_INTERVAL's default, 1800 s
    expect(new Set(report.filepositions)).toEqual(new Set(report.startable));
  });

  it('spreads 60 slots over the whole file when it has more keyframes', async () => {
    const report = inspectKeyframeIndex(await readFile(files.spread!.path));
    expect(report.problems).toEqual([]);
    expect(report.startable.length).toBeGreaterThan(100);
    expect(new Set(report.filepositions).size).toBe(60);
    expect(report.times.at(-1)).toBeGreaterThan(PUSH_SECONDS - 1);
  });

  it('ffmpeg accepts the index, seeks with it, and still decodes and measures the whole file', async () => {
    for (const { path, row } of Object.values(files)) {
      // flvdec says "Invalid keyframes object" or "invalid index entries" when the index does not fit the
      // file; with a usable index it jumps straight to the target instead of reading up to it.
      const seek = await run('ffmpeg', [
        ...['-v', 'debug', '-ss', String(PUSH_SECONDS * 0.75), '-i', path],
        ...['-frames:v', '1', '-f', 'null', '-'],
      ]);
      expect(seek.code).toBe(0);
      expect(seek.stderr, path).not.toMatch(/invalid (keyframes|index)/i);
      const bytesRead = Number(/Statistics: (\d+) bytes read/.exec(seek.stderr)?.[1]);
      expect(bytesRead, path).toBeLessThan((await stat(path)).size / 2);
      expect(await decodeErrors(path)).toBe('');
      const p = await probe(path);
      expect(Math.abs(p.formatDuration * 1000 - row.durationMs)).toBeLessThan(150);
      expect(Math.abs(p.formatDuration - PUSH_SECONDS)).toBeLessThan(1);
    }
  });
});
