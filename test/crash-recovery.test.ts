import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startChildServer } from './helpers/child-server.js';
import { inspectKeyframeIndex } from './helpers/flv-index.js';
import { decodeErrors, probe, topLevelBoxes } from './helpers/media-probe.js';
import { ffmpegPushArgs, waitFor } from './helpers/process.js';

interface Row {
  format: string;
  storageKey: string;
  durationMs: number;
  reason: string;
  sizeBytes: number;
}

async function listAll(httpUrl: (p: string) => string, stream: string): Promise<Row[]> {
  const res = await fetch(httpUrl(`/api/v1/recordings?stream=${stream}`));
  return ((await res.json()) as { recordings: Row[] }).recordings;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

/**
 * Two server starts, a realtime push and decoding: on a loaded two-core machine (a CPU burner beside
 * it) this took over a minute, more than the default test timeout.
 */
const SLOW_MACHINE_TIMEOUT_MS = 240_000;

/** Media time the recorded HLS playlist of a stream lists (its segments are on disk), in ms. */
async function durableHlsMs(dataDir: string, stream: string): Promise<number> {
  const files = await walk(join(dataDir, 'media', 'live', stream)).catch(() => [] as string[]);
  const playlist = files.find((f) => f.endsWith('index.m3u8'));
  if (playlist === undefined) return 0;
  const text = await readFile(playlist, 'utf8').catch(() => '');
  return [...text.matchAll(/#EXTINF:([\d.]+)/g)].reduce((ms, m) => ms + Number(m[1]) * 1000, 0);
}

/** Waits (however long a loaded machine takes) until at least `ms` of the push are durable on disk. */
function untilRecorded(dataDir: string, stream: string, ms: number): Promise<number> {
  return waitFor(
    async () => {
      const durable = await durableHlsMs(dataDir, stream);
      return durable >= ms ? durable : undefined;
    },
    90_000,
    `${ms} ms of ${stream} recorded`,
  );
}

/** Every recorded file decodes, MP4 has its moov first, and no partial or temporary file is left. */
async function expectCleanRecordings(dataDir: string, rows: Row[]): Promise<void> {
  for (const row of rows) {
    const path = join(dataDir, 'media', row.storageKey);
    expect(await decodeErrors(path), row.format).toBe('');
    if (row.format === 'mp4') {
      const boxes = topLevelBoxes(await readFile(path));
      expect(boxes.indexOf('moov'), 'moov before mdat').toBeLessThan(boxes.indexOf('mdat'));
      expect(boxes).not.toContain('moof');
    }
  }
  const leftovers = (await walk(join(dataDir, 'media'))).filter((f) => /partial|\.tmp$/.test(f));
  expect(leftovers).toEqual([]);
}

describe('crash safety: kill -9 mid-recording, then restart', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'livetape-crash-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'finalizes, catalogs and reports every open file with reason "recovered", losing at most ~2 s',
    async () => {
      const ports = { rtmp: await freePort(), http: await freePort() };
      const first = await startChildServer(dataDir, ports, { RECORD_INTERVAL_MIN: '1' });
      const pushStarted = Date.now();
      const push = spawn(
        'ffmpeg',
        ffmpegPushArgs(first.rtmpUrl('live', 'crash', 'record=flv|mp4|hls|aac&record_interval=600'), {
          seconds: 60,
          gop: 30,
        }),
        { stdio: 'ignore' },
      );
      await waitFor(
        async () => {
          const res = await fetch(first.httpUrl('/api/v1/streams')).catch(() => undefined);
          const body = res && ((await res.json()) as { streams: unknown[] });
          return body && body.streams.length > 0 ? true : undefined;
        },
        15_000,
        'the push to start',
      );
      // Kill once 6 s are known to be on disk, however long the machine takes to get there; ffmpeg -re
      // cannot have pushed more than the wall time since it started (plus its first burst).
      const durable = await untilRecorded(dataDir, 'crash', 6000);
      first.child.kill('SIGKILL');
      const pushedAtMost = Date.now() - pushStarted + 1000;
      await first.exited;
      push.kill('SIGKILL');

      const second = await startChildServer(dataDir, ports);
      try {
        const rows = await listAll(second.httpUrl, 'crash');
        expect(rows.map((r) => r.format).sort()).toEqual(['aac', 'flv', 'hls', 'mp4']);
        for (const row of rows) {
          expect(row.reason).toBe('recovered');
          const p = await probe(join(dataDir, 'media', row.storageKey));
          // At most ~2 s lost (the fragment / segment in flight), and nothing invented.
          expect(p.formatDuration * 1000, row.format).toBeGreaterThan(durable - 2500);
          expect(p.formatDuration * 1000, row.format).toBeLessThan(pushedAtMost);
          expect(
            Math.abs(p.formatDuration * 1000 - row.durationMs),
            `${row.format} catalog duration`,
          ).toBeLessThan(300);
        }
        await expectCleanRecordings(dataDir, rows);
        // The FLV index was still the placeholder at the crash; recovery fills it from the tags it kept.
        const flv = inspectKeyframeIndex(
          await readFile(join(dataDir, 'media', rows.find((r) => r.format === 'flv')!.storageKey)),
        );
        expect(flv.problems).toEqual([]);
        expect(flv.filepositions).toHaveLength(600); // one slot per second of record_interval
        expect(flv.startable.length).toBeGreaterThan(3);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    },
    SLOW_MACHINE_TIMEOUT_MS,
  );

  it(
    'finalizes every recording on SIGTERM before exiting',
    async () => {
      const ports = { rtmp: await freePort(), http: await freePort() };
      const server = await startChildServer(dataDir, ports);
      const push = spawn(
        'ffmpeg',
        ffmpegPushArgs(server.rtmpUrl('live', 'graceful', 'record=mp4|hls'), { seconds: 60 }),
        { stdio: 'ignore' },
      );
      const durable = await untilRecorded(dataDir, 'graceful', 3000);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      push.kill('SIGKILL');
      expect(server.output()).toMatch(/shutting down/);

      const again = await startChildServer(dataDir, ports);
      try {
        const rows = await listAll(again.httpUrl, 'graceful');
        expect(rows.map((r) => [r.format, r.reason]).sort()).toEqual([
          ['hls', 'unpublish'],
          ['mp4', 'unpublish'],
        ]);
        await expectCleanRecordings(dataDir, rows);
        // SIGTERM loses nothing that was on disk: every file holds at least the durable media.
        for (const row of rows) {
          const p = await probe(join(dataDir, 'media', row.storageKey));
          expect(p.formatDuration * 1000, row.format).toBeGreaterThanOrEqual(durable - 100);
        }
      } finally {
        again.child.kill('SIGTERM');
        await again.exited;
      }
    },
    SLOW_MACHINE_TIMEOUT_MS,
  );
});
