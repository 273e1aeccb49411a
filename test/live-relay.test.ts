/**
 * The shared relay pull: three HTTP-FLV players of a stream pushed to node A, all asking node B, are
 * served by ONE upstream connection from B to A (A counts one viewer), and every one decodes frames; the
 * pull ends when B's last player leaves, and B's players end when the push to A ends. Live HLS players
 * on B are served from B's own packaging of that same pull: still one viewer on A. A segment asked of
 * B before B has cut it is waited for, not a 404.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '../src/container/hls/playlist.js';
import { type ChildServer, freePort, startChildServer } from './helpers/child-server.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { countDecodedFrames, ffmpegPushArgs, run, waitFor } from './helpers/process.js';

const postgres: TestPostgres | undefined = await startPostgres();

describe.skipIf(postgres === undefined)('one shared pull per remote stream', () => {
  const nodes: Record<'a' | 'b', ChildServer> = {} as never;
  const dirs: string[] = [];

  beforeAll(async () => {
    const databaseUrl = await postgres!.newDatabase();
    for (const name of ['a', 'b'] as const) {
      const dataDir = await mkdtemp(join(tmpdir(), `livetape-relay-${name}-`));
      dirs.push(dataDir);
      const ports = { rtmp: await freePort(), http: await freePort() };
      nodes[name] = await startChildServer(dataDir, ports, {
        DATABASE_URL: databaseUrl,
        NODE_NAME: `relay-${name}`,
        NODE_URL: `http://127.0.0.1:${ports.http}`,
        SNAPSHOT_INTERVAL: '0',
      });
    }
  });
  afterAll(async () => {
    for (const node of Object.values(nodes)) {
      if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGTERM');
      await node.exited;
    }
    await postgres?.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  /** Viewers of live/{stream} on A: B's upstream pulls count as one each. */
  const viewersOnA = async (stream = 'r1') => {
    const { streams } = (await (await fetch(nodes.a.httpUrl('/api/v1/streams'))).json()) as {
      streams: { stream: string; viewers: number }[];
    };
    return streams.find((s) => s.stream === stream)?.viewers;
  };
  /** B answers HTTP-FLV for the stream (it knows it is live on A); the probe leaves at once. */
  const bKnowsLive = async (stream: string) => {
    const abort = new AbortController();
    const res = await fetch(nodes.b.httpUrl(`/live/live/${stream}.flv`), { signal: abort.signal });
    abort.abort();
    return res.status === 200 ? true : undefined;
  };
  /** The most viewers A counts for `stream` while `during` runs. */
  const maxViewersOnADuring = async <T>(stream: string, during: Promise<T>) => {
    let maxViewers = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        maxViewers = Math.max(maxViewers, (await viewersOnA(stream)) ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const result = await during;
    watching = false;
    await watcher;
    return { result, maxViewers };
  };
  const decodedFrames = (seconds: number | undefined, url = nodes.b.httpUrl('/live/live/r1.flv')) =>
    run(
      'ffprobe',
      [
        ...['-v', 'error', '-count_frames', '-select_streams', 'v'],
        ...(seconds === undefined ? [] : ['-read_intervals', `%+${seconds}`]),
        ...['-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0'],
        url,
      ],
      { timeoutMs: 90_000 },
    );

  it('serves three players on B from one connection to A, and tears it down', async () => {
    const push = run(
      'ffmpeg',
      ffmpegPushArgs(nodes.a.rtmpUrl('live', 'r1'), { seconds: 25, gop: 30, realtime: true }),
      { timeoutMs: 120_000 },
    );
    await waitFor(() => bKnowsLive('r1'), 30_000, 'B to know the stream is live on A');
    await waitFor(async () => ((await viewersOnA()) === 0 ? true : undefined), 20_000, 'the probe to leave');

    const { result: players, maxViewers } = await maxViewersOnADuring(
      'r1',
      Promise.all([decodedFrames(4), decodedFrames(4), decodedFrames(4)]),
    );
    for (const player of players) expect(Number(player.stdout.trim()), player.stderr).toBeGreaterThan(30);
    expect(maxViewers).toBe(1);
    // The last player left: the pull is gone.
    await waitFor(async () => ((await viewersOnA()) === 0 ? true : undefined), 20_000, 'the pull to end');

    // A player to the end: when the push to A ends, B's player ends too.
    const toTheEnd = decodedFrames(undefined);
    await waitFor(async () => ((await viewersOnA()) === 1 ? true : undefined), 20_000, 'a new pull');
    expect((await push).code).toBe(0);
    const last = await toTheEnd;
    expect(last.code, last.stderr).toBe(0);
    expect(Number(last.stdout.trim())).toBeGreaterThan(30);
  }, 150_000);

  it("serves live HLS players on B from B's packaging of the one shared pull", async () => {
    const push = run(
      'ffmpeg',
      ffmpegPushArgs(nodes.a.rtmpUrl('live', 'r2'), { seconds: 20, gop: 30, realtime: true }),
      { timeoutMs: 120_000 },
    );
    await waitFor(() => bKnowsLive('r2'), 30_000, 'B to know the stream is live on A');
    const hls = nodes.b.httpUrl('/live/live/r2.m3u8');
    const { result: players, maxViewers } = await maxViewersOnADuring(
      'r2',
      Promise.all([decodedFrames(3, hls), decodedFrames(3, hls)]),
    );
    // ffprobe lists an HLS input's video stream twice (its program's and its own): the first count.
    for (const player of players)
      expect(Number(player.stdout.trim().split('\n')[0]), player.stderr).toBeGreaterThan(30);
    // HLS players only, yet A counts one viewer: B's pull (relayed playlists would count none).
    expect(maxViewers).toBe(1);
    // When the push to A ends, B's playlist of it ends too.
    expect((await push).code).toBe(0);
    await waitFor(
      async () => ((await (await fetch(hls)).text()).includes('#EXT-X-ENDLIST') ? true : undefined),
      30_000,
      "B's playlist to end",
    );
  }, 120_000);

  it('waits for a segment B has not cut yet instead of answering 404', async () => {
    const push = run(
      'ffmpeg',
      ffmpegPushArgs(nodes.a.rtmpUrl('live', 'r3'), { seconds: 15, gop: 30, realtime: true }),
      { timeoutMs: 120_000 },
    );
    await waitFor(() => bKnowsLive('r3'), 30_000, 'B to know the stream is live on A');
    // Before any playlist of B's: B packages nothing of it yet, and says so rather than "not live".
    const early = await fetch(nodes.b.httpUrl('/live/live/r3/0.ts'));
    expect(early.status).toBe(404);
    expect(await early.text()).toContain("not in this node's live window");
    const listed = await waitFor(
      async () => {
        const res = await fetch(nodes.b.httpUrl('/live/live/r3.m3u8'));
        if (res.status !== 200) return undefined;
        const segments = parseMediaPlaylist(await res.text()).segments;
        return segments.length > 0 ? segments : undefined;
      },
      60_000,
      "B's playlist of the stream",
    );
    // The segment after the newest B lists: still being cut on B when asked for.
    const next = Number(/(\d+)\.ts/.exec(listed.at(-1)!.uri)![1]) + 1;
    const res = await fetch(nodes.b.httpUrl(`/live/live/r3/${next}.ts`));
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status, body.toString()).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp2t');
    const file = join(dirs[1]!, `r3-${next}.ts`);
    await writeFile(file, body);
    expect((await countDecodedFrames(file)).video).toBeGreaterThan(0);
    // A number far ahead is no early player: answered at once, not held for the wait (a hostile client
    // could otherwise park requests that wake on every tag batch).
    const askedAt = performance.now();
    const far = await fetch(nodes.b.httpUrl(`/live/live/r3/${next + 50}.ts`));
    expect(far.status).toBe(404);
    // Held, it would answer after the whole wait: three 4 s target durations.
    expect(performance.now() - askedAt).toBeLessThan(6000);
    // Still live and the same node: the newest B lists now is that segment or later.
    const after = parseMediaPlaylist(await (await fetch(nodes.b.httpUrl('/live/live/r3.m3u8'))).text());
    expect(after.segments.some((s) => s.uri.endsWith(`/${next}.ts`) || s.uri.includes(`/${next}.ts?`))).toBe(
      true,
    );
    expect((await push).code).toBe(0);
  }, 120_000);
});
