/**
 * Issue 11, attacks 1 and 2 against a real server over real sockets, with PLAY_KEY and PUSH_KEY set:
 * - percent-encoded spellings of a media path (`/%6Cive/live/cam1.flv`, `%2E` in the name) used to reach
 *   live playback past a guard that read the raw URL: every spelling is refused without a signature
 *   (fast-check over all media routes), while a signed request still plays;
 * - signatures shifted onto a shorter stream name (`studio2`/`6B130030` → `studio`/`26B130030`) and
 *   expiries further ahead than SIGNATURE_MAX_TTL are refused, for push and for play.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTxTime, signTxSecret } from '../src/auth/tx-secret.js';
import { RtmpClient } from '../src/rtmp/client.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { pushTags, readMediaTags, type TagPush } from './helpers/tag-push.js';

const PLAY_KEY = 'play-key-security';
const PUSH_KEY = 'push-key-security';
const nowSeconds = () => Math.floor(Date.now() / 1000);
const signed = (key: string, stream: string, txTime: string) =>
  `txSecret=${signTxSecret(key, stream, txTime)}&txTime=${txTime}`;

/** GET with the path sent byte for byte as given; resolves with the status once headers arrive. */
function statusOf(port: number, path: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method }, (res: IncomingMessage) => {
      resolve(res.statusCode ?? 0);
      // HTTP-FLV never ends: the status is all that is wanted.
      res.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

/** Each character (but `/`) of `path` either as is or percent-encoded, in upper or lower case hex. */
function spelling(path: string): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom('plain', 'upper', 'lower'), { minLength: path.length, maxLength: path.length })
    .map((choices) =>
      [...path]
        .map((char, i) => {
          if (char === '/' || choices[i] === 'plain') return char;
          const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
          return `%${choices[i] === 'upper' ? hex.toUpperCase() : hex}`;
        })
        .join(''),
    );
}

interface RecordingJson {
  id: string;
  format: string;
  storageKey: string;
  broadcastId: string;
}

describe('playback authorization and signature forms (issue 11)', () => {
  let t: TestServer;
  let live: TagPush;
  let releaseLive: () => void;
  let mediaPaths: string[];

  beforeAll(async () => {
    t = await startTestServer({ PLAY_KEY, PUSH_KEY, HLS_SEGMENT_DURATION: '1' });
    const tags = await readMediaTags(await makeTestFlv({ seconds: 2 }));
    const inAnHour = formatTxTime(nowSeconds() + 3600);
    // A recording (FLV and HLS, so VOD files, segments and a replay exist), then a stream left live.
    const recorded = await pushTags(
      t.rtmpUrl('live', 'rec1', `${signed(PUSH_KEY, 'rec1', inAnHour)}&record=flv|hls`),
      tags,
    );
    await recorded.done;
    await waitFor(
      () => (t.server.recordings.activeCount === 0 ? true : undefined),
      30_000,
      'recordings to end',
    );
    const held = new Promise<void>((resolve) => {
      releaseLive = resolve;
    });
    live = await pushTags(t.rtmpUrl('live', 'cam1', signed(PUSH_KEY, 'cam1', inAnHour)), tags, {
      endAfter: held,
    });
    await waitFor(() => t.server.hub.get('live', 'cam1'), 30_000, 'cam1 to be live');

    const answer = await fetch(t.httpUrl('/api/v1/broadcasts?stream=rec1'));
    const { broadcasts } = (await answer.json()) as { broadcasts: Array<{ files: RecordingJson[] }> };
    const rows = broadcasts[0]!.files;
    const flv = rows.find((row) => row.format === 'flv')!;
    const hls = rows.find((row) => row.format === 'hls')!;
    const segment = `${hls.storageKey.slice(0, hls.storageKey.lastIndexOf('/'))}/000000.ts`;
    mediaPaths = [
      '/live/live/cam1.flv',
      '/live/live/cam1.m3u8',
      '/live/live/cam1/0.ts',
      `/vod/${flv.storageKey}`,
      `/vod/${hls.storageKey}`,
      `/vod/${segment}`,
      `/replay/${flv.broadcastId}.m3u8`,
      `/api/play/${flv.id}`,
      `/api/play/${flv.broadcastId}`,
    ];
  }, 90_000);
  afterAll(async () => {
    releaseLive?.();
    await live?.done.catch(() => undefined);
    await t?.close();
  });

  const port = () => t.server.httpPort;

  it('plays a signed request, also spelled with percent-encodings (the check is not vacuous)', async () => {
    const query = signed(PLAY_KEY, 'cam1', formatTxTime(nowSeconds() + 600));
    expect(await statusOf(port(), `/live/live/cam1.flv?${query}`)).toBe(200);
    expect(await statusOf(port(), `/%6C%69%76%65/live/cam1%2Eflv?${query}`)).toBe(200);
  });

  it.each([
    '/live/live/cam1.flv',
    '/%6Cive/live/cam1.flv',
    '/%6C%69%76%65/live/cam1.flv',
    '/live/live/cam1%2Eflv',
    '/live/live/cam1%2eflv',
    '/live/%6Cive/cam%31.flv',
  ])('refuses %s without a signature', async (path) => {
    expect(await statusOf(port(), path)).toBe(403);
  });

  it.each([
    '/%256Cive/live/cam1.flv', // double encoding: decodes once, to no route
    '/live/live/cam1.flv;x',
    '/live/live/cam1.flv%00',
    '/live/live/cam1.flv?txSecret=&txTime=',
    '/live/live//cam1.flv',
    '/live/live/cam1.flv/..',
    '/live/./live/cam1.flv',
  ])('does not play %s without a signature', async (path) => {
    expect(await statusOf(port(), path)).not.toBe(200);
  });

  it('refuses every spelling of every media route without a valid signature', async () => {
    const wrongStream = signed(PLAY_KEY, 'cam2', formatTxTime(nowSeconds() + 600));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...mediaPaths).chain(spelling),
        fc.constantFrom('', `?${wrongStream}`, '?txTime=FFFFFFFF&txSecret=00000000000000000000000000000000'),
        fc.constantFrom('GET', 'HEAD'),
        async (path, query, method) => {
          expect(await statusOf(port(), path + query, method), `${method} ${path}${query}`).toBe(403);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers an unknown recording as it answers a bad signature (no existence leak)', async () => {
    const known = mediaPaths.find((path) => path.startsWith('/vod/'))!;
    const query = signed(PLAY_KEY, 'someone-else', formatTxTime(nowSeconds() + 600));
    for (const path of [known, '/vod/live/nothing/here.flv', '/replay/nothing.m3u8', '/api/play/nothing']) {
      const res = await fetch(t.httpUrl(`${path}?${query}`));
      expect(res.status, path).toBe(403);
      expect(await res.json(), path).toEqual({
        error: 'forbidden',
        message: 'signed playback: txSecret does not match the play key',
      });
    }
  });

  describe('signature forms', () => {
    const refusedPush = 'NetStream.Publish.Unauthorized';
    async function publish(stream: string, query: string): Promise<void> {
      const client = await RtmpClient.connect(t.rtmpUrl('live', stream, query));
      try {
        await client.publish();
        await client.close();
      } finally {
        client.destroy();
      }
    }

    it('refuses a push signature of studio2 shifted onto studio (txTime 26B130030)', async () => {
      const txTime = formatTxTime(nowSeconds() + 3600);
      // The genuine URL works...
      await publish('studio2', signed(PUSH_KEY, 'studio2', txTime));
      // ...and its signature, read as one for `studio` with a txTime one hex digit longer, does not.
      const forged = `txSecret=${signTxSecret(PUSH_KEY, 'studio2', txTime)}&txTime=2${txTime}`;
      await expect(publish('studio', forged)).rejects.toThrow(`${refusedPush}: txTime "2${txTime}"`);
    });

    it('refuses a play signature of cam1 shifted onto cam', async () => {
      const txTime = formatTxTime(nowSeconds() + 3600);
      const forged = `txSecret=${signTxSecret(PLAY_KEY, 'cam1', txTime)}&txTime=1${txTime}`;
      expect(await statusOf(port(), `/live/live/cam.flv?${forged}`)).toBe(403);
    });

    it('refuses expiries further ahead than SIGNATURE_MAX_TTL (one year), for push and play', async () => {
      const txTime = formatTxTime(nowSeconds() + 400 * 86400);
      await expect(publish('far', signed(PUSH_KEY, 'far', txTime))).rejects.toThrow('SIGNATURE_MAX_TTL');
      expect(await statusOf(port(), `/live/live/cam1.flv?${signed(PLAY_KEY, 'cam1', txTime)}`)).toBe(403);
    });
  });
});
