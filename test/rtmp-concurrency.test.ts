import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RtmpClient } from '../src/rtmp/client.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { noisyFlv } from './helpers/media-cache.js';
import { countDecodedFrames, type ProbedStreams, sleep, waitFor } from './helpers/process.js';
import { chunked, openRaw, plainHandshake, type RawConnection, startCommands } from './helpers/raw-rtmp.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { audioFrameCount, pushTags, readMediaTags, type Tag, videoFrameCount } from './helpers/tag-push.js';

/**
 * How long a publisher may wait for the server to take more over a whole push: socket backpressure
 * means the server held it back, which no player, fast, slow or refused, should cause.
 */
const PUBLISHER_BLOCKED_MAX_MS = 1000;

/** Every player must decode cleanly and get every pushed video frame; AAC give or take a priming frame. */
function expectEveryFrame(player: ProbedStreams, tags: readonly Tag[], who: string): void {
  expect(player.stderr, who).toBe('');
  expect(player.video, who).toBe(videoFrameCount(tags));
  expect(Math.abs(player.audio - audioFrameCount(tags)), `${who} audio`).toBeLessThanOrEqual(2);
}

/** An RTMP player that plays and then never reads a byte: the server's queue for it only grows. */
async function stalledRtmpPlayer(t: TestServer, stream: string): Promise<RawConnection> {
  const conn = await openRaw(t.server.rtmpPort, { read: false });
  conn.send(Buffer.concat([plainHandshake(), chunked(startCommands('live', stream, 'play'))]));
  return conn;
}

/** An HTTP-FLV request whose response body is never read. */
async function stalledHttpPlayer(t: TestServer, stream: string): Promise<RawConnection> {
  const conn = await openRaw(t.server.httpPort, { read: false });
  conn.send(Buffer.from(`GET /live/live/${stream}.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
  return conn;
}

function viewers(t: TestServer, stream: string): number {
  return t.server.hub.get('live', stream)?.viewerCount ?? -1;
}

describe('RTMP concurrency', () => {
  let t: TestServer;
  beforeAll(async () => {
    // A player more than 0.3 s (and at least 1 MiB) behind is skipped ahead, and dropped at 0.6 s.
    t = await startTestServer({ PLAYER_MAX_BUFFER: '0.3' });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Resolves once `stream` has `count` players attached: media is held until then (see pushTags). */
  function playersJoined(stream: string, count: number): Promise<true> {
    return waitFor(
      () => (viewers(t, stream) === count ? true : undefined),
      20_000,
      `${count} players of ${stream}`,
    );
  }

  it('refuses a second publisher of a live stream, naming it, while the first keeps going', async () => {
    const tags = await readMediaTags(await makeTestFlv({ seconds: 4, gop: 1000 }));
    const first = await pushTags(t.rtmpUrl('live', 'dup'), tags, {
      realtime: true,
      startAfter: playersJoined('dup', 1),
    });
    const player = countDecodedFrames(t.httpUrl('/live/live/dup.flv'));

    const second = await RtmpClient.connect(t.rtmpUrl('live', 'dup'));
    await expect(second.publish()).rejects.toThrow(
      'NetStream.Publish.BadName: Stream live/dup is already publishing',
    );
    second.destroy();

    const pushed = await first.done;
    expect(pushed.sent).toBe(tags.length);
    // Not held back by the refused second publisher: the server always took what it was sent.
    expect(pushed.blockedMs).toBeLessThan(PUBLISHER_BLOCKED_MAX_MS);
    expectEveryFrame(await player, tags, 'player of the first publisher');
  });

  it('serves 10 concurrent publishers to an RTMP and an HTTP-FLV player each, every frame intact', async () => {
    const tags = await readMediaTags(await makeTestFlv({ seconds: 4, gop: 1000 }));
    const names = Array.from({ length: 10 }, (_, i) => `many${i}`);
    // Media waits until all 20 players are attached: 20 ffprobe start-ups on two busy cores may take
    // longer than the push itself.
    const everyoneJoined = Promise.all(names.map((name) => playersJoined(name, 2)));
    const pushes = await Promise.all(
      names.map((name) =>
        pushTags(t.rtmpUrl('live', name), tags, { realtime: true, startAfter: everyoneJoined }),
      ),
    );
    const players = names.map((name) =>
      Promise.all([
        countDecodedFrames(t.rtmpUrl('live', name)),
        countDecodedFrames(t.httpUrl(`/live/live/${name}.flv`)),
      ]),
    );

    const pushed = await Promise.all(pushes.map((p) => p.done));
    for (const p of pushed) {
      expect(p.sent).toBe(tags.length);
      expect(p.blockedMs).toBeLessThan(PUBLISHER_BLOCKED_MAX_MS);
    }
    const played = await Promise.all(players);
    played.forEach(([rtmp, flv], i) => {
      expectEveryFrame(rtmp, tags, `RTMP player of ${names[i]}`);
      expectEveryFrame(flv, tags, `HTTP-FLV player of ${names[i]}`);
    });
    await waitFor(
      () => (t.server.rtmpConnectionCount === 0 ? true : undefined),
      5000,
      'every connection to close',
    );
  });

  it('drops players that stop reading, without slowing the publisher or the players that keep up', async () => {
    // ~8 Mbit/s: the stalled players' socket buffers fill within seconds, and they are dropped
    // about 6 s in, well before the end.
    const tags = await readMediaTags(await noisyFlv(12, 8));
    const push = await pushTags(t.rtmpUrl('live', 'stall'), tags, {
      realtime: true,
      startAfter: playersJoined('stall', 4),
    });
    let pushEnded = false;
    const pushed = push.done.finally(() => {
      pushEnded = true;
    });
    pushed.catch(() => {}); // awaited below; a failure before that must not be reported twice
    const good = Promise.all([
      countDecodedFrames(t.rtmpUrl('live', 'stall')),
      countDecodedFrames(t.httpUrl('/live/live/stall.flv')),
    ]);
    const stalled = [await stalledRtmpPlayer(t, 'stall'), await stalledHttpPlayer(t, 'stall')];
    await playersJoined('stall', 4);
    // publisher + good RTMP player + stalled RTMP player
    await waitFor(() => (t.server.rtmpConnectionCount === 3 ? true : undefined), 5000, '3 RTMP connections');

    // Dropped while the push still runs: detached from the stream and their connections closed.
    await waitFor(
      () => (viewers(t, 'stall') === 2 && t.server.rtmpConnectionCount === 2 ? true : undefined),
      15_000,
      'the stalled players to be dropped',
    );
    expect(pushEnded).toBe(false);
    // Nothing more is queued for them: once they read again they reach the end of the stream at once.
    for (const conn of stalled) {
      conn.read();
      await expect(Promise.race([conn.closed, pushed.then(() => 'push ended first')])).resolves.toBeTypeOf(
        'number',
      );
    }

    const result = await pushed;
    expect(result.sent).toBe(tags.length);
    expect(result.blockedMs).toBeLessThan(PUBLISHER_BLOCKED_MAX_MS);
    const [rtmp, flv] = await good;
    expectEveryFrame(rtmp, tags, 'RTMP player that keeps up');
    expectEveryFrame(flv, tags, 'HTTP-FLV player that keeps up');
  });
});

/**
 * Open TCP sockets in this process, both ends of every loopback connection included. The HTTP
 * server does not expose its connections, so this is how a test sees one close on the server side.
 */
function openTcpSockets(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length;
}

describe('players that stop reading with a backlog queued', () => {
  let t: TestServer;
  let tags: Tag[];
  beforeEach(async () => {
    // Default 8 s lag bound: in these tests the stalled players are never dropped for lagging.
    t = await startTestServer();
    tags = await readMediaTags(await noisyFlv(8, 8));
  });
  afterEach(async () => {
    await t.close();
  });

  /** Pushes at ~8 Mbit/s with two stalled players, until their kernel buffers are full and media queues in the server. */
  async function stallWithBacklog(stream: string) {
    const push = await pushTags(t.rtmpUrl('live', stream), tags, { realtime: true });
    const pushed = push.done.catch((error: Error) => error);
    const withPublisher = openTcpSockets();
    const stalled = [await stalledRtmpPlayer(t, stream), await stalledHttpPlayer(t, stream)];
    await waitFor(() => (viewers(t, stream) === 2 ? true : undefined), 5000, 'the stalled players');
    // 6 s at 8 Mbit/s is more than the kernel buffers of a loopback socket hold: the rest queues in
    // the server. Counted in media sent, not wall time, so a slow machine waits longer.
    await waitFor(() => (push.sentMediaMs >= 6000 ? true : undefined), 60_000, '6 s of media pushed');
    return { pushed, withPublisher, stalled };
  }

  it('are disconnected soon after the stream ends, not kept open with their backlog', async () => {
    const { pushed, withPublisher, stalled } = await stallWithBacklog('ended');
    expect(await pushed).toMatchObject({ sent: tags.length });
    // Only the client ends of the stalled players remain: they cannot see the close while not reading.
    await waitFor(
      () => (t.server.rtmpConnectionCount === 0 && openTcpSockets() === withPublisher ? true : undefined),
      15_000,
      'the server to close the stalled players',
    );
    for (const conn of stalled) conn.socket.destroy();
  });

  it('do not hold up server shutdown', async () => {
    const { pushed, stalled } = await stallWithBacklog('shutdown');
    // Waiting for the backlog would take forever (they never read): a bounded close shows it is not.
    const deadline = sleep(30_000).then(() =>
      Promise.reject(new Error('server close held up by stalled players')),
    );
    deadline.catch(() => {});
    await Promise.race([t.close(), deadline]);
    expect(await pushed).toBeInstanceOf(Error); // the publisher was disconnected mid-push
    for (const conn of stalled) conn.socket.destroy();
  });
});
