/**
 * Runtime push/play keys and the push URL generator against a real server: generated URLs are accepted
 * when pushed with ffmpeg, expired or badly signed ones refused; a rotation keeps the old primary as a
 * backup, a dropped key stops working at once; play URLs follow the play key; everything survives a
 * restart on the same data folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPushUrl } from '../src/auth/push-url.js';
import { parseTxTime, signTxSecret } from '../src/auth/tx-secret.js';
import { RtmpClient } from '../src/rtmp/client.js';
import { apiCall } from './helpers/api.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CONFIG_PUSH = 'config-push-key';
const CONFIG_PLAY = 'config-play-key';
const SETTINGS = { PUSH_KEY: CONFIG_PUSH, PLAY_KEY: CONFIG_PLAY };

interface PushUrlJson {
  url: string;
  server: string;
  streamKey: string;
  ffmpeg: string;
  expiresAt: string;
  signed: boolean;
}
interface KeySetJson {
  keys: string[];
  source: 'config' | 'settings';
}
interface KeysJson {
  push: KeySetJson;
  play: KeySetJson;
}

describe('runtime keys and the push URL generator', () => {
  let dataDir: string;
  let t: TestServer;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'livetape-keys-'));
    t = await startTestServer(SETTINGS, { dataDir });
  });
  afterAll(async () => {
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const api = <T>(path: string, method = 'GET', body?: unknown) => apiCall<T>(t, path, method, body);

  async function pushUrl(request: Record<string, unknown>): Promise<PushUrlJson> {
    const { status, body } = await api<PushUrlJson>('/api/v1/push-urls', 'POST', request);
    expect(status).toBe(200);
    return body;
  }

  /** A real ffmpeg push of one second; resolves with its exit code. */
  async function ffmpegPush(url: string): Promise<number | null> {
    const result = await run('ffmpeg', ffmpegPushArgs(url, { seconds: 1, realtime: false, gop: 30 }));
    return result.code;
  }

  /** Why the server refused to publish `url` ('' when it accepted). */
  async function refusal(url: string): Promise<string> {
    const client = await RtmpClient.connect(url);
    try {
      await client.publish();
      await client.close();
      return '';
    } catch (error) {
      return (error as Error).message;
    } finally {
      client.destroy();
    }
  }

  const secretOf = (url: string) => new URL(url.replace(/^rtmp:/, 'http:')).searchParams.get('txSecret');
  const txTimeOf = (url: string) => new URL(url.replace(/^rtmp:/, 'http:')).searchParams.get('txTime')!;

  it('starts with the configured keys', async () => {
    expect(await api<KeysJson>('/api/v1/settings/keys')).toEqual({
      status: 200,
      body: {
        push: { keys: [CONFIG_PUSH], source: 'config' },
        play: { keys: [CONFIG_PLAY], source: 'config' },
      },
    });
  });

  it('generates a signed push URL with OBS fields and an ffmpeg command that ffmpeg can push', async () => {
    const before = Date.now();
    const made = await pushUrl({ stream: 'gen1', record: ['flv'], recordIntervalSec: 60, expiresInSec: 300 });
    const rtmpBase = t.rtmpUrl('live', 'x').replace(/\/live\/x$/, '');
    expect(made.signed).toBe(true);
    expect(made.server).toBe(`${rtmpBase}/live`);
    expect(made.url).toBe(`${made.server}/${made.streamKey}`);
    expect(made.streamKey).toMatch(
      /^gen1\?txSecret=[0-9a-f]{32}&txTime=[0-9A-F]+&record=flv&record_interval=60$/,
    );
    expect(made.ffmpeg).toContain(`-f flv '${made.url}'`);
    const expiry = parseTxTime(txTimeOf(made.url))!;
    expect(Date.parse(made.expiresAt)).toBe(expiry * 1000);
    expect(Math.abs(expiry * 1000 - (before + 300_000))).toBeLessThan(5000);
    expect(secretOf(made.url)).toBe(signTxSecret(CONFIG_PUSH, 'gen1', txTimeOf(made.url)));

    expect(await ffmpegPush(made.url)).toBe(0);
    // The URL's record= was honoured: the push was recorded as FLV.
    const [file] = await waitFor(
      async () => {
        const { body } = await api<{ recordings: Array<{ format: string }> }>(
          '/api/v1/recordings?stream=gen1',
        );
        return body.recordings.length === 1 ? body.recordings : undefined;
      },
      15_000,
      'the recording of the generated URL',
    );
    expect(file!.format).toBe('flv');
  });

  it('refuses an expired URL, a tampered one and one signed for another stream', async () => {
    const expired = buildPushUrl({
      baseRtmpUrl: t.rtmpUrl('live', 'x').replace(/\/live\/x$/, ''),
      app: 'live',
      stream: 'gen2',
      key: CONFIG_PUSH,
      expiresInSeconds: 60,
      nowSeconds: Date.now() / 1000 - 120,
    });
    expect(await refusal(expired.url)).toMatch(/NetStream.Publish.Unauthorized: txTime expired at/);
    const made = await pushUrl({ stream: 'gen2' });
    expect(await refusal(made.url.replace(/txSecret=[0-9a-f]{32}/, `txSecret=${'0'.repeat(32)}`))).toContain(
      'txSecret does not match any push key',
    );
    expect(await refusal(made.url.replace('/gen2?', '/gen3?'))).toContain('does not match any push key');
    expect(await refusal(made.url)).toBe('');
  });

  it.each<[Record<string, unknown>, string]>([
    [{}, 'stream'],
    [{ stream: 'bad name' }, 'stream'],
    [{ stream: 'ok', app: '.hidden' }, 'app'],
    [{ stream: 'ok', expiresInSec: 59 }, 'expiresInSec'],
    [{ stream: 'ok', expiresInSec: 31_536_001 }, 'expiresInSec'],
    [{ stream: 'ok', record: ['avi'] }, 'record.0'],
    [{ stream: 'ok', record: [] }, 'record'],
    [{ stream: 'ok', recordIntervalSec: 1 }, 'recordIntervalSec'],
    [{ stream: 'ok', colour: 'red' }, 'colour'],
  ])('refuses push URL request %j with 400 naming "%s"', async (request, param) => {
    const { status, body } = await api<{ error: string; message: string }>(
      '/api/v1/push-urls',
      'POST',
      request,
    );
    expect(status).toBe(400);
    expect(body.error).toBe('bad_request');
    expect(body.message).toContain(`"${param}"`);
  });

  it('rotates the push key: the old primary keeps working as a backup, a dropped key fails', async () => {
    const old = await pushUrl({ stream: 'rot1' });
    const rotated = await api<KeySetJson>('/api/v1/settings/keys/push/rotate', 'POST');
    expect(rotated.status).toBe(200);
    expect(rotated.body.source).toBe('settings');
    expect(rotated.body.keys).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/), CONFIG_PUSH]);
    const fresh = await pushUrl({ stream: 'rot1' });
    expect(secretOf(fresh.url)).toBe(signTxSecret(rotated.body.keys[0]!, 'rot1', txTimeOf(fresh.url)));
    expect(await ffmpegPush(old.url)).toBe(0);
    expect(await ffmpegPush(fresh.url)).toBe(0);

    const dropped = await api<KeysJson>('/api/v1/settings/keys', 'PUT', { push: [rotated.body.keys[0]] });
    expect(dropped.body.push).toEqual({ keys: [rotated.body.keys[0]], source: 'settings' });
    expect(await refusal(old.url)).toContain('txSecret does not match any push key');
    expect(await refusal(fresh.url)).toBe('');

    // Push authentication off, then back to configuration.
    await api('/api/v1/settings/keys', 'PUT', { push: [] });
    const open = await pushUrl({ stream: 'rot1' });
    expect(open.signed).toBe(false);
    expect(open.streamKey).toBe('rot1');
    expect(await refusal(open.url)).toBe('');
    const reset = await api<KeysJson>('/api/v1/settings/keys', 'PUT', { push: null });
    expect(reset.body.push).toEqual({ keys: [CONFIG_PUSH], source: 'config' });
    expect(await refusal(old.url)).toBe('');
  });

  it('signs play URLs with the current primary play key and checks them against the current keys', async () => {
    const list = async () => {
      const { body } = await api<{ recordings: Array<{ url: string; playerUrl: string }> }>(
        '/api/v1/recordings?stream=gen1',
      );
      return body.recordings[0]!;
    };
    const status = async (url: string) => (await fetch(url, { method: 'HEAD' })).status;
    const original = await list();
    expect(secretOf(original.url)).toBe(signTxSecret(CONFIG_PLAY, 'gen1', txTimeOf(original.url)));
    expect(await status(original.url)).toBe(200);

    const rotated = await api<KeySetJson>('/api/v1/settings/keys/play/rotate', 'POST');
    expect(rotated.body.keys).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/), CONFIG_PLAY]);
    const resigned = await list();
    for (const url of [resigned.url, resigned.playerUrl]) {
      expect(secretOf(url)).toBe(signTxSecret(rotated.body.keys[0]!, 'gen1', txTimeOf(url)));
    }
    expect(await status(resigned.url)).toBe(200);
    expect(await status(original.url)).toBe(200); // the old primary is a backup now

    await api('/api/v1/settings/keys', 'PUT', { play: ['only-this-play-key'] });
    expect(await status(original.url)).toBe(403);
    expect(await status(resigned.url)).toBe(403);
    expect(await status((await list()).url)).toBe(200);

    // Playback open: URLs come unsigned and play.
    await api('/api/v1/settings/keys', 'PUT', { play: [] });
    const open = await list();
    expect(open.url).not.toContain('txSecret');
    expect(await status(open.url)).toBe(200);
    await api('/api/v1/settings/keys', 'PUT', { play: null });
    expect(await status(open.url)).toBe(403);
  });

  it.each<[unknown, string]>([
    [{ push: ['short'] }, 'push.0'],
    [{ play: ['has space in it'] }, 'play.0'],
    [{ push: ['aaaaaaaa', 'bbbbbbbb', 'cccccccc', 'dddddddd', 'eeeeeeee'] }, 'push'],
    [{ push: ['aaaaaaaa', 'aaaaaaaa'] }, 'push'],
    [{ pull: ['aaaaaaaa'] }, 'pull'],
  ])('refuses keys %j with 400 naming "%s"', async (body, param) => {
    const res = await api<{ message: string }>('/api/v1/settings/keys', 'PUT', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(`"${param}"`);
  });

  it('refuses an empty key change and an unknown kind to rotate', async () => {
    expect((await api('/api/v1/settings/keys', 'PUT', {})).status).toBe(400);
    const rotate = await api<{ message: string }>('/api/v1/settings/keys/pull/rotate', 'POST');
    expect(rotate.status).toBe(400);
    expect(rotate.body.message).toContain('"kind"');
  });

  it('keeps the keys across a restart', async () => {
    const set = await api<KeysJson>('/api/v1/settings/keys', 'PUT', { push: ['stored-push-key'] });
    const play = await api<KeySetJson>('/api/v1/settings/keys/play/rotate', 'POST');
    await t.close();
    t = await startTestServer(SETTINGS, { dataDir });
    expect((await api<KeysJson>('/api/v1/settings/keys')).body).toEqual({
      push: set.body.push,
      play: play.body,
    });
    const made = await pushUrl({ stream: 'after-restart' });
    expect(secretOf(made.url)).toBe(signTxSecret('stored-push-key', 'after-restart', txTimeOf(made.url)));
    expect(await ffmpegPush(made.url)).toBe(0);
  });

  it('describes the new routes in the OpenAPI document, behind the bearer requirement', async () => {
    const { body: doc } = await api<{ paths: Record<string, Record<string, { security?: unknown }>> }>(
      '/api/docs/openapi.json',
    );
    for (const [path, method] of [
      ['/api/v1/settings/keys', 'get'],
      ['/api/v1/settings/keys', 'put'],
      ['/api/v1/settings/keys/{kind}/rotate', 'post'],
      ['/api/v1/settings/retention', 'put'],
      ['/api/v1/push-urls', 'post'],
      ['/api/v1/rooms', 'get'],
      ['/api/v1/rooms/{stream}', 'put'],
      ['/api/v1/streams/{app}/{stream}', 'delete'],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
    }
  });
});
