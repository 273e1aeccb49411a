import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { decodeErrors } from './helpers/media-probe.js';
import { describeIfAble } from './helpers/needs.js';
import { countDecodedFrames, ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Row {
  format: string;
  reason: string;
  storageKey: string;
  durationMs: number;
}

/** A real full disk: a 1.5 MB tmpfs mounted over the media folder (needs root, which CI has). */
async function withTinyDisk(test: (t: TestServer, root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'livetape-diskfull-'));
  await mkdir(join(root, 'media'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1536k', 'tmpfs', join(root, 'media')]);
  const t = await startTestServer({ DATA_DIR: root });
  try {
    await test(t, root);
  } finally {
    await t.close();
    execFileSync('umount', [join(root, 'media')]);
    await rm(root, { recursive: true, force: true });
  }
}

function canMount(): string | undefined {
  const probeDir = join(tmpdir(), `livetape-mount-probe-${process.pid}`);
  try {
    execFileSync('mkdir', ['-p', probeDir]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probeDir], { stdio: 'pipe' });
    execFileSync('umount', [probeDir]);
    return undefined;
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
}

async function settledRows(t: TestServer, stream: string, atLeast: number): Promise<Row[]> {
  return waitFor(
    async () => {
      const res = await fetch(t.httpUrl(`/api/v1/recordings?stream=${stream}`));
      const rows = ((await res.json()) as { recordings: Row[] }).recordings;
      return rows.length >= atLeast && t.server.recordings.activeCount === 0 ? rows : undefined;
    },
    30_000,
    'recordings cut short by the full disk',
  );
}

async function expectPlayableDiskFull(root: string, rows: Row[]): Promise<void> {
  for (const row of rows) {
    expect(row.reason, row.format).toBe('disk_full');
    expect(row.durationMs, row.format).toBeGreaterThan(0);
    expect(row.durationMs, row.format).toBeLessThan(20_000);
    expect(await decodeErrors(join(root, 'media', row.storageKey)), row.format).toBe('');
  }
}

const mountProblem = canMount();

describeIfAble(
  'disk-full',
  'disk full on a real tmpfs',
  mountProblem && `cannot mount a tmpfs (${mountProblem})`,
  () => {
    it('stops only the recording, keeps what was written playable, and live playback goes on', async () => {
      await withTinyDisk(async (t, root) => {
        const push = run(
          'ffmpeg',
          ffmpegPushArgs(t.rtmpUrl('live', 'full', 'record=flv|mp4|hls'), {
            seconds: 20,
            gop: 1000,
            realtime: false,
            size: '640x360',
          }),
        );
        await waitFor(
          async () => ((await fetch(t.httpUrl('/api/v1/streams/live/full'))).ok ? true : undefined),
          15_000,
          'push',
        );
        const player = countDecodedFrames(t.httpUrl('/live/live/full.flv'));
        expect((await push).code).toBe(0);
        // Live viewers lose nothing: the one GOP of this push is served from the cache, then live.
        expect((await player).video).toBe(20 * 30);
        // Which formats got disk space before it ran out is a race; each that did is kept and playable.
        const rows = await settledRows(t, 'full', 2);
        await expectPlayableDiskFull(root, rows);
        expect((await fetch(t.httpUrl('/healthz'))).ok).toBe(true);
      });
    });

    it('ends an HLS recording whose segment was torn by the full disk with a playable VOD playlist', async () => {
      await withTinyDisk(async (t, root) => {
        await run(
          'ffmpeg',
          ffmpegPushArgs(t.rtmpUrl('live', 'fullhls', 'record=hls'), {
            seconds: 20,
            gop: 1000,
            realtime: false,
            size: '640x360',
          }),
        );
        const rows = await settledRows(t, 'fullhls', 1);
        expect(rows.map((r) => r.format)).toEqual(['hls']);
        await expectPlayableDiskFull(root, rows);
      });
    });
  },
);
