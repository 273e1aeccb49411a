/**
 * Two LiveTape nodes on one PostgreSQL (the tests' throw-away cluster) and one bucket (s3rver): a push
 * to A plays live from B (B relays A's HTTP-FLV and live HLS), its recordings play from B (out of the
 * bucket), the same stream pushed to B is refused, and when A is killed its stream leaves the registry
 * within the claim's expiry.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../src/catalog/db.js';
import { LIVE_CLAIM_TTL_MS, LIVE_HEARTBEAT_MS } from '../src/cluster/live-registry.js';
import { type ChildServer, freePort, startChildServer } from './helpers/child-server.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { countDecodedFrames, ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startS3rver, type TestS3 } from './helpers/s3rver.js';

const postgres: TestPostgres | undefined = await startPostgres();

describe.skipIf(postgres === undefined)('two nodes on one PostgreSQL and one bucket', () => {
  let s3: TestS3;
  let databaseUrl: string;
  const nodes: Record<'a' | 'b', ChildServer> = {} as never;
  const dirs: string[] = [];

  beforeAll(async () => {
    s3 = await startS3rver();
    databaseUrl = await postgres!.newDatabase();
    for (const name of ['a', 'b'] as const) {
      const dataDir = await mkdtemp(join(tmpdir(), `livetape-cluster-${name}-`));
      dirs.push(dataDir);
      const ports = { rtmp: await freePort(), http: await freePort() };
      nodes[name] = await startChildServer(dataDir, ports, {
        ...s3.settings,
        DATABASE_URL: databaseUrl,
        NODE_NAME: `node-${name}`,
        NODE_URL: `http://127.0.0.1:${ports.http}`,
      });
    }
  });
  afterAll(async () => {
    for (const node of Object.values(nodes)) {
      if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGTERM');
      await node.exited;
    }
    await s3?.close();
    await postgres?.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('plays a push to A live from B, refuses it on B, plays its recording from B, and forgets A when it dies', async () => {
    // A finished recording first: any node plays it from the bucket.
    const short = await run(
      'ffmpeg',
      ffmpegPushArgs(nodes.a.rtmpUrl('live', 'c0', 'record=flv'), { seconds: 2, gop: 30, realtime: false }),
    );
    expect(short.stderr).toBe('');
    const recorded = await waitFor(
      async () => {
        const res = await fetch(nodes.b.httpUrl('/api/v1/recordings?stream=c0'));
        const body = (await res.json()) as { recordings: Array<{ storageKey: string }> };
        return body.recordings[0];
      },
      60_000,
      'the recording, listed by B',
    );
    const vod = await countDecodedFrames(nodes.b.httpUrl(`/vod/${recorded.storageKey}`));
    expect(vod.video, vod.stderr).toBeGreaterThan(30);

    const push = run(
      'ffmpeg',
      ffmpegPushArgs(nodes.a.rtmpUrl('live', 'c1'), { seconds: 60, gop: 30, realtime: true }),
      { timeoutMs: 120_000 },
    );
    // B learns of the stream from the registry within a heartbeat.
    await waitFor(
      async () => ((await fetch(nodes.b.httpUrl('/live/live/c1.m3u8'))).status === 200 ? true : undefined),
      30_000,
      'B to serve the live stream',
    );
    const live = await run(
      'ffmpeg',
      ['-v', 'error', '-i', nodes.b.httpUrl('/live/live/c1.flv'), '-t', '2', '-f', 'null', '-'],
      {
        timeoutMs: 30_000,
      },
    );
    expect(live.code, live.stderr).toBe(0);
    const hls = await run(
      'ffmpeg',
      ['-v', 'error', '-i', nodes.b.httpUrl('/live/live/c1.m3u8'), '-t', '1', '-f', 'null', '-'],
      {
        timeoutMs: 30_000,
      },
    );
    expect(hls.code, hls.stderr).toBe(0);
    const frames = await run(
      'ffprobe',
      [
        '-v',
        'error',
        '-read_intervals',
        '%+2',
        '-count_frames',
        '-select_streams',
        'v',
        '-show_entries',
        'stream=nb_read_frames',
        '-of',
        'csv=p=0',
        nodes.b.httpUrl('/live/live/c1.flv'),
      ],
      { timeoutMs: 30_000 },
    );
    expect(Number(frames.stdout.trim()), frames.stderr).toBeGreaterThan(20);

    const duplicate = await run(
      'ffmpeg',
      ffmpegPushArgs(nodes.b.rtmpUrl('live', 'c1'), { seconds: 2, gop: 30, realtime: false }),
      { timeoutMs: 30_000 },
    );
    expect(duplicate.code).not.toBe(0);

    nodes.a.child.kill('SIGKILL');
    await nodes.a.exited;
    const killedAt = Date.now();
    const catalog = await openCatalog({ dataDir: dirs[1]!, databaseUrl });
    try {
      await waitFor(
        async () => ((await catalog.liveStreams.listLive(Date.now())).length === 0 ? true : undefined),
        60_000,
        'the dead node to leave the registry',
      );
      // Within the claim's expiry (plus one heartbeat and slack for a loaded machine).
      expect(Date.now() - killedAt).toBeLessThan(LIVE_CLAIM_TTL_MS + LIVE_HEARTBEAT_MS + 5000);
    } finally {
      await catalog.close();
    }
    await waitFor(
      async () => ((await fetch(nodes.b.httpUrl('/live/live/c1.flv'))).status === 404 ? true : undefined),
      30_000,
      'B to stop serving the dead stream',
    );
    await push;
  }, 240_000);
});
