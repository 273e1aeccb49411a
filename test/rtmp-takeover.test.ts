/**
 * An encoder reconnecting after a network change while its old connection still holds the stream
 * name (no FIN ever arrived, so only the idle timeout would free it). Chosen behaviour: a holder that
 * has sent no media for TAKEOVER_SILENCE_MS (3 s) is taken over by the new publish; a holder that is
 * sending keeps the name and the newcomer is refused (docs/decisions/0013-publisher-takeover.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtmpClient } from '../src/rtmp/client.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { countDecodedFrames, sleep, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { pushTags, readMediaTags, type TagPush, videoFrameCount } from './helpers/tag-push.js';

describe('a publisher reconnecting while its dead connection holds the stream', () => {
  let t: TestServer;
  beforeAll(async () => {
    // An idle timeout far beyond the test: only the takeover can free the name in time.
    t = await startTestServer({ RTMP_IDLE_TIMEOUT: '120' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lets a new publisher in at once when the previous one has just unpublished and closed', async () => {
    // The old connection's deleteStream and FIN may still rest in the kernel (its reads are paced), so the
    // server handles them before it decides the new publish (docs/decisions/0024-rtmp-reads.md).
    const tags = (await readMediaTags(await makeTestFlv({ seconds: 1, gop: 30 }))).slice(0, 20);
    const url = t.rtmpUrl('live', 'quick');
    const closing: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) {
      const client = await RtmpClient.connect(url);
      await client.publish();
      for (const tag of tags) {
        if (tag.type === 9) client.sendVideo(tag.timestamp, tag.body);
        else client.sendAudio(tag.timestamp, tag.body);
      }
      await waitFor(() => (t.server.hub.get('live', 'quick')?.stats.videoFrames ? true : undefined));
      // As an encoder that exits: it sends its goodbye and is gone, without waiting for the server.
      closing.push(client.close());
    }
    await Promise.all(closing);
  });

  it('is refused while the holder sends, and takes over once the holder has been silent 3 s', async () => {
    const tags = await readMediaTags(await makeTestFlv({ seconds: 3, gop: 1000 }));
    const url = t.rtmpUrl('live', 'relay');
    // The old connection: it sends a second of media, then nothing, and is never closed.
    const dead = await RtmpClient.connect(url);
    const deadClosed = new Promise<void>((resolve) => dead.once('close', () => resolve()));
    await dead.publish();
    for (const tag of tags.filter((tag) => tag.timestamp < 1000)) {
      if (tag.type === 9) dead.sendVideo(tag.timestamp, tag.body);
      else dead.sendAudio(tag.timestamp, tag.body);
    }
    const held = await waitFor(() => t.server.hub.get('live', 'relay'), 15_000, 'the first publish');
    await waitFor(() => (held.stats.videoFrames > 0 ? true : undefined), 15_000, 'media from it');

    // While it has just sent media, the name is its own.
    const early = await RtmpClient.connect(url);
    await expect(early.publish()).rejects.toThrow(
      'NetStream.Publish.BadName: Stream live/relay is already publishing',
    );
    early.destroy();

    // The encoder keeps retrying, as encoders do; within a few seconds it gets the stream.
    const playerJoined = waitFor(
      () =>
        t.server.hub.get('live', 'relay') !== held && t.server.hub.get('live', 'relay')?.viewerCount === 1
          ? true
          : undefined,
      30_000,
      'the player of the new publisher',
    );
    const push = (await waitFor(
      async () => {
        try {
          return await pushTags(url, tags, { startAfter: playerJoined });
        } catch {
          await sleep(250);
          return undefined;
        }
      },
      20_000,
      'the takeover',
    )) as TagPush;
    expect(held.silentForMs()).toBeGreaterThanOrEqual(3000);
    await deadClosed; // the server closed the dead holder's connection
    const player = countDecodedFrames(t.httpUrl('/live/live/relay.flv'));
    expect((await push.done).sent).toBe(tags.length);
    expect((await player).video).toBe(videoFrameCount(tags));
  });
});

describe('a client that pipelines its media behind a publish the previous holder still blocks', () => {
  let t: TestServer;
  beforeAll(async () => {
    // Long read pacing: the old publisher's goodbye rests unread in the kernel when the new publish arrives.
    t = await startTestServer({ RTMP_READ_PACING: '1000' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps the sequence headers and frames sent in the same write as the publish', async () => {
    const tags = await readMediaTags(await makeTestFlv({ seconds: 1, gop: 30 }));
    const url = t.rtmpUrl('live', 'pipelined');
    const old = await RtmpClient.connect(url);
    await old.publish();
    for (const tag of tags) {
      if (tag.type === 9) old.sendVideo(tag.timestamp, tag.body);
      else old.sendAudio(tag.timestamp, tag.body);
    }
    const held = await waitFor(() => t.server.hub.get('live', 'pipelined'), 15_000, 'the first publish');
    await waitFor(() => (held.stats.videoFrames > 0 ? true : undefined), 15_000, 'media from it');

    const next = await RtmpClient.connect(url);
    const oldClosed = old.close();
    // Sequence headers first among the tags: lose them and not one frame of this push can be decoded.
    await next.publish(() => {
      for (const tag of tags) {
        if (tag.type === 9) next.sendVideo(tag.timestamp, tag.body);
        else next.sendAudio(tag.timestamp, tag.body);
      }
    });
    await oldClosed;
    const stream = await waitFor(
      () =>
        t.server.hub.get('live', 'pipelined') !== held ? t.server.hub.get('live', 'pipelined') : undefined,
      15_000,
      'the second publish',
    );
    await waitFor(
      () => (stream.stats.videoFrames === videoFrameCount(tags) ? true : undefined),
      15_000,
      `${videoFrameCount(tags)} video frames of the second push (has ${stream.stats.videoFrames})`,
    );
    await next.close();
  });
});
