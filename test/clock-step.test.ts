/**
 * A wall-clock step (NTP correcting a drifted clock, a VM resumed, an operator setting the date) must
 * not look like silence: idle and handshake timers and the live-HLS sweep measure monotonic time.
 * `Date.now` is stepped for the whole process, the server included, as the system clock would be.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveHlsService } from '../src/live/hls-service.js';
import { StreamHub } from '../src/live/hub.js';
import { RtmpClient } from '../src/rtmp/client.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { countDecodedFrames, sleep, waitFor } from './helpers/process.js';
import { startTestServer } from './helpers/server.js';
import { readMediaTags, type Tag, videoFrameCount } from './helpers/tag-push.js';

const HOUR = 3_600_000;

/** From now on the wall clock reads `by` ms later (or earlier) than it is. */
function stepWallClock(by: number): void {
  const realNow = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + by);
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

async function send(client: RtmpClient, tags: readonly Tag[]): Promise<void> {
  for (const tag of tags) {
    const ok =
      tag.type === 9 ? client.sendVideo(tag.timestamp, tag.body) : client.sendAudio(tag.timestamp, tag.body);
    if (!ok) await client.drained();
  }
}

describe('a wall-clock step', () => {
  it('forward an hour, during a pause shorter than the idle timeout, keeps the publisher', async () => {
    const t = await startTestServer({ RTMP_IDLE_TIMEOUT: '3' });
    try {
      const tags = await readMediaTags(await makeTestFlv({ seconds: 4, gop: 1000 }));
      const half = tags.findIndex((tag) => tag.timestamp >= 2000);
      const client = await RtmpClient.connect(t.rtmpUrl('live', 'clock'));
      await client.publish();
      const live = await waitFor(() => t.server.hub.get('live', 'clock'), 15_000, 'the push');
      const player = countDecodedFrames(t.httpUrl('/live/live/clock.flv'));
      await waitFor(() => (live.viewerCount === 1 ? true : undefined), 20_000, 'the player');
      await send(client, tags.slice(0, half));
      // Step only once the server has taken in everything sent so far, so the step falls in the pause.
      const firstHalf = tags.slice(0, half);
      const frames = videoFrameCount(firstHalf);
      await waitFor(() => (live.stats.videoFrames >= frames ? true : undefined), 15_000, 'the first half');
      stepWallClock(HOUR);
      // The encoder pauses 1.5 s (its idle checks run every 0.75 s), well within the 3 s timeout.
      await sleep(1500);
      await send(client, tags.slice(half));
      expect(t.server.hub.get('live', 'clock')).toBe(live);
      await client.close();
      expect((await player).video).toBe(videoFrameCount(tags));
    } finally {
      vi.restoreAllMocks();
      await t.close();
    }
  });

  it('backward an hour still closes a publisher that went silent, after the idle timeout', async () => {
    const t = await startTestServer({ RTMP_IDLE_TIMEOUT: '2' });
    try {
      const client = await RtmpClient.connect(t.rtmpUrl('live', 'silent'));
      await client.publish();
      await waitFor(() => t.server.hub.get('live', 'silent'), 15_000, 'the push');
      stepWallClock(-HOUR);
      await waitFor(() => (t.server.hub.get('live', 'silent') ? undefined : true), 30_000, 'the idle close');
      client.destroy();
    } finally {
      vi.restoreAllMocks();
      await t.close();
    }
  });

  it('does not detach a watched live-HLS packager', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const hub = new StreamHub({ enabled: false, maxBytes: 0 });
    const service = new LiveHlsService(hub, {
      targetDurationMs: 2000,
      windowSize: 6,
      dvrWindowMs: 0,
      idleMs: 60_000,
    });
    try {
      const stream = hub.publish({
        sessionId: 's',
        app: 'live',
        stream: 'hls',
        streamParam: '',
        remoteAddress: '127.0.0.1',
        protocol: 'rtmp',
        startedAt: Date.now(),
      });
      const packager = service.packagerFor(stream);
      stepWallClock(HOUR);
      vi.advanceTimersByTime(10_000); // one sweep, a few seconds after the last request
      expect(service.packagerFor(stream)).toBe(packager);
    } finally {
      service.close();
    }
  });
});
