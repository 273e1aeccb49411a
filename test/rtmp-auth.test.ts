import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTxTime, isoSeconds, signTxSecret } from '../src/auth/tx-secret.js';
import { RtmpClient } from '../src/rtmp/client.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { countDecodedFrames, ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { pushTags, readMediaTags, videoFrameCount } from './helpers/tag-push.js';

const PRIMARY = 'primarykey';
const BACKUP = 'backupkey';
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** `txSecret=…&txTime=…` signed with `key` for `signedStream`, txTime written exactly as given. */
function signedQuery(signedStream: string, txTime: string, key = PRIMARY): string {
  return `txSecret=${signTxSecret(key, signedStream, txTime)}&txTime=${txTime}`;
}

const inOneHour = () => formatTxTime(nowSeconds() + 3600);

describe('RTMP push authentication (PUSH_KEY primary,backup)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ PUSH_KEY: `${PRIMARY},${BACKUP}` });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Publishes `stream?query`; resolves once the server accepted it and the push has ended again. */
  async function publish(stream: string, query: string): Promise<void> {
    const client = await RtmpClient.connect(t.rtmpUrl('live', stream, query));
    try {
      await client.publish();
      expect(t.server.hub.get('live', stream)).toBeDefined();
      await client.close();
    } finally {
      client.destroy();
    }
  }

  const refused = 'NetStream.Publish.Unauthorized';

  it('refuses a URL without txTime', async () => {
    const query = `txSecret=${signTxSecret(PRIMARY, 'a1', '')}`;
    await expect(publish('a1', query)).rejects.toThrow(`${refused}: txTime parameter is missing`);
  });

  it('refuses a URL without txSecret', async () => {
    await expect(publish('a2', `txTime=${inOneHour()}`)).rejects.toThrow(
      `${refused}: txSecret parameter is missing`,
    );
  });

  it('refuses a txTime that is neither hex nor decimal', async () => {
    await expect(publish('a3', signedQuery('a3', 'soon'))).rejects.toThrow(
      `${refused}: txTime "soon" is not a UNIX time in 8 hex digits (or 10 decimal digits)`,
    );
  });

  it('refuses an expired txTime, saying when it expired', async () => {
    const expiry = nowSeconds() - 60;
    await expect(publish('a4', signedQuery('a4', formatTxTime(expiry)))).rejects.toThrow(
      `${refused}: txTime expired at ${isoSeconds(expiry)}`,
    );
  });

  it('refuses a signature made with a key the server does not have', async () => {
    await expect(publish('a5', signedQuery('a5', inOneHour(), 'otherkey'))).rejects.toThrow(
      `${refused}: txSecret does not match any push key`,
    );
  });

  it('refuses a signature made for another stream', async () => {
    await expect(publish('a6', signedQuery('other', inOneHour()))).rejects.toThrow(
      `${refused}: txSecret does not match any push key`,
    );
  });

  it('refuses a txSecret that is not an MD5 hex digest', async () => {
    await expect(publish('a7', `txSecret=xyz&txTime=${inOneHour()}`)).rejects.toThrow(
      `${refused}: txSecret is not 32 hex digits`,
    );
  });

  it('leaves the refused streams unpublished', () => {
    expect(t.server.hub.list()).toEqual([]);
  });

  it.each([
    ['the primary key', () => signedQuery('b1', inOneHour(), PRIMARY)],
    ['the backup key', () => signedQuery('b1', inOneHour(), BACKUP)],
    ['an uppercase hex txTime', () => signedQuery('b1', inOneHour().toUpperCase())],
    ['a lowercase hex txTime', () => signedQuery('b1', inOneHour().toLowerCase())],
    ['a decimal txTime', () => signedQuery('b1', String(nowSeconds() + 3600))],
    [
      'an uppercase txSecret',
      () => {
        const txTime = inOneHour();
        return `txSecret=${signTxSecret(PRIMARY, 'b1', txTime).toUpperCase()}&txTime=${txTime}`;
      },
    ],
  ])('accepts a URL signed with %s', async (_, query) => {
    await publish('b1', query());
    await waitFor(() => (t.server.hub.get('live', 'b1') ? undefined : true), 5000, 'the push to end');
  });

  it('accepts a real ffmpeg push to the URL `livetape push-url` prints, playable over HTTP-FLV', async () => {
    const cli = await run(process.execPath, [
      ...['--import', 'tsx', 'src/cli/main.ts', 'push-url', 'teststream'],
      ...['--push-key', PRIMARY, '--host', `127.0.0.1:${t.server.rtmpPort}`],
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const url = cli.stdout.split('\n')[0]!;
    expect(url).toMatch(
      /^rtmp:\/\/127\.0\.0\.1:\d+\/live\/teststream\?txSecret=[0-9a-f]{32}&txTime=[0-9A-F]+$/,
    );

    // One GOP: the player, started once the push is live, still gets every frame from the GOP cache.
    const push = run('ffmpeg', ffmpegPushArgs(url, { seconds: 5, gop: 1000 }));
    await waitFor(() => t.server.hub.get('live', 'teststream'), 15_000, 'the push to go live');
    const player = await countDecodedFrames(t.httpUrl('/live/live/teststream.flv'));
    const pushed = await push;
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
    expect(player.stderr).toBe('');
    expect(player.video).toBe(150);
  });

  it('keeps a push that started before its txTime going after it, and refuses a new one', async () => {
    const tags = await readMediaTags(await makeTestFlv({ seconds: 5, gop: 1000 }));
    // Published 4 s before its txTime, its 5 s of media paced from a second before it: the push spans
    // the expiry by construction, however slow the machine is.
    const expiry = nowSeconds() + 4;
    const nearExpiry = waitFor(
      () => (nowSeconds() >= expiry - 1 ? true : undefined),
      30_000,
      'txTime to near',
    );
    const url = t.rtmpUrl('live', 'expiring', signedQuery('expiring', formatTxTime(expiry)));
    const joined = waitFor(
      () => t.server.hub.get('live', 'expiring')?.viewerCount || undefined,
      20_000,
      'the player',
    );
    const push = await pushTags(url, tags, { realtime: true, startAfter: Promise.all([joined, nearExpiry]) });
    const player = countDecodedFrames(t.httpUrl('/live/live/expiring.flv'));

    const pushed = await push.done;
    expect(nowSeconds()).toBeGreaterThan(expiry);
    expect(pushed.sent).toBe(tags.length);
    const played = await player;
    expect(played.stderr).toBe('');
    expect(played.video).toBe(videoFrameCount(tags));

    await waitFor(() => (t.server.hub.get('live', 'expiring') ? undefined : true), 5000, 'the push to end');
    const again = await RtmpClient.connect(url);
    await expect(again.publish()).rejects.toThrow(`${refused}: txTime expired at ${isoSeconds(expiry)}`);
    again.destroy();
  });
});
