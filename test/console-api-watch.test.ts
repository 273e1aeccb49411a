/**
 * Rooms and the public watch and play APIs against a real server with PLAY_KEY set: a live ffmpeg push
 * and replays made directly in the catalog (with small real files), room titles and covers, signed URLs
 * that play, WATCH_PAGE=false, and hostile or unknown ids.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTxSecret } from '../src/auth/tx-secret.js';
import { type Catalog, openCatalog } from '../src/catalog/db.js';
import type { RecordingRow } from '../src/catalog/recording-row.js';
import { playUrlSigner } from '../src/http/vod-url.js';
import { apiCall } from './helpers/api.js';
import { addRecording } from './helpers/catalog-rows.js';
import { ffmpegPushArgs, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PLAY_KEY = 'watch-play-key';
const sign = playUrlSigner([PLAY_KEY])!;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface SourceJson {
  format: string;
  url: string;
  durationMs?: number;
}
interface WatchJson {
  live: Array<Record<string, unknown> & { sources: SourceJson[] }>;
  replays: Array<Record<string, unknown> & { id: string; playerUrl: string; sources: SourceJson[] }>;
}
interface PlayJson {
  kind: string;
  id: string;
  title: string;
  durationMs: number;
  sources: SourceJson[];
  sequence: SourceJson[];
}

async function get<T>(url: string): Promise<{ status: number; body: T; cache: string | null }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T, cache: res.headers.get('cache-control') };
}

const signatureOf = (url: string) => {
  const query = new URL(url).searchParams;
  return { txSecret: query.get('txSecret'), txTime: query.get('txTime') };
};
const signedFor = (url: string, stream: string) => {
  const { txSecret, txTime } = signatureOf(url);
  return txTime !== null && txSecret === signTxSecret(PLAY_KEY, stream, txTime);
};

describe('rooms, /api/watch and /api/play', () => {
  let dataDir: string;
  let t: TestServer;
  let catalog: Catalog;
  let push: ChildProcess;
  /** One replay recorded as MP4 and HLS, a short file, an old one, an open one, and an FLV-only replay. */
  const rows: Record<string, RecordingRow> = {};

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'livetape-watch-'));
    t = await startTestServer({ PLAY_KEY }, { dataDir });
    catalog = await openCatalog({ dataDir });
    const media = join(dataDir, 'media');
    const now = Date.now();
    const show = { stream: 'show', broadcastId: 'b-show', startTime: now - HOUR };
    rows.showMp4 = await addRecording(catalog, { ...show, format: 'mp4', durationMs: 60_000 }, media);
    rows.showHls = await addRecording(catalog, { ...show, format: 'hls', durationMs: 61_000 }, media);
    rows.short = await addRecording(catalog, {
      stream: 'show',
      broadcastId: 'b-short',
      startTime: now - HOUR / 2,
      durationMs: 59_999,
    });
    rows.old = await addRecording(catalog, {
      stream: 'show',
      broadcastId: 'b-old',
      startTime: now - 8 * DAY,
    });
    rows.open = await addRecording(catalog, {
      stream: 'show',
      broadcastId: 'b-open',
      startTime: now - HOUR / 4,
      status: 'recording',
    });
    rows.other = await addRecording(
      catalog,
      {
        stream: 'other',
        broadcastId: 'b-other',
        format: 'flv',
        startTime: now - 2 * HOUR,
        durationMs: 120_000,
      },
      media,
    );
    push = spawn('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'livecam'), { seconds: 60 }), {
      stdio: 'ignore',
    });
    await waitFor(() => t.server.hub.get('live', 'livecam')?.videoConfig, 15_000, 'the live push');
  });
  afterAll(async () => {
    push?.kill('SIGKILL');
    await catalog?.close();
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const send = <T>(path: string, method: string, body?: unknown) => apiCall<T>(t, path, method, body);

  describe('rooms', () => {
    it('creates, reads, lists, replaces and deletes a room', async () => {
      const put = await send<Record<string, unknown>>('/api/v1/rooms/tmp-room', 'PUT', { title: '  Tmp  ' });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ stream: 'tmp-room', title: 'Tmp', coverUrl: null });
      expect(Date.parse(put.body.updatedAt as string)).toBeGreaterThan(Date.now() - 60_000);
      expect((await send('/api/v1/rooms/tmp-room', 'GET')).body).toEqual(put.body);
      const replaced = await send('/api/v1/rooms/tmp-room', 'PUT', {
        title: 'Tmp 2',
        coverUrl: '/cover.png',
      });
      expect(replaced.body).toMatchObject({ title: 'Tmp 2', coverUrl: '/cover.png' });
      const list = await send<{ rooms: Array<{ stream: string }> }>('/api/v1/rooms', 'GET');
      expect(list.body.rooms.map((room) => room.stream)).toContain('tmp-room');
      expect((await send('/api/v1/rooms/tmp-room', 'DELETE')).status).toBe(204);
      expect((await send('/api/v1/rooms/tmp-room', 'DELETE')).status).toBe(204);
      expect(await send('/api/v1/rooms/tmp-room', 'GET')).toEqual({
        status: 404,
        body: { error: 'not_found', message: 'stream tmp-room has no room' },
      });
    });

    it.each<[string, unknown, string]>([
      ['x', { title: '' }, 'title'],
      ['x', { title: '   ' }, 'title'],
      ['x', { title: 'a'.repeat(201) }, 'title'],
      ['x', {}, 'title'],
      ['x', { title: 't', coverUrl: 'javascript:alert(1)' }, 'coverUrl'],
      ['x', { title: 't', colour: 'red' }, 'colour'],
      ['bad%20name', { title: 't' }, 'stream'],
      ['.hidden', { title: 't' }, 'stream'],
    ])('PUT /rooms/%s %j → 400 naming "%s"', async (stream, body, param) => {
      const res = await send<{ error: string; message: string }>(`/api/v1/rooms/${stream}`, 'PUT', body);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(`"${param}"`);
    });
  });

  describe('GET /api/watch', () => {
    let watch: { status: number; body: WatchJson; cache: string | null };
    beforeAll(async () => {
      await send('/api/v1/rooms/show', 'PUT', {
        title: 'The Show',
        coverUrl: 'https://img.example/show.jpg',
      });
      watch = await get<WatchJson>(t.httpUrl('/api/watch'));
    });

    it('lists the live room, with signed live sources', async () => {
      expect(watch.status).toBe(200);
      expect(watch.cache).toBe('no-store');
      expect(watch.body.live).toHaveLength(1);
      const [live] = watch.body.live;
      expect(live).toMatchObject({
        app: 'live',
        stream: 'livecam',
        title: 'livecam',
        width: 320,
        height: 240,
      });
      expect(live!.cover).toBeNull();
      expect(live!.sources.map((s) => s.format)).toEqual(['flv', 'hls']);
      for (const source of live!.sources) expect(signedFor(source.url, 'livecam'), source.url).toBe(true);
      const flv = await fetch(live!.sources[0]!.url);
      expect(flv.status).toBe(200);
      await flv.body?.cancel();
    });

    it('lists replays of the last 7 days lasting 60 s or more, newest first, one per broadcast start', async () => {
      const [show, other, ...rest] = watch.body.replays;
      expect(rest).toEqual([]);
      expect(show).toMatchObject({
        id: rows.showHls!.id,
        stream: 'show',
        title: 'The Show',
        cover: 'https://img.example/show.jpg',
        durationMs: 61_000,
        startTime: new Date(rows.showHls!.startTime).toISOString(),
      });
      expect(show!.sources.map((s) => [s.format, s.durationMs])).toEqual([
        ['hls', 61_000],
        ['mp4', 60_000],
      ]);
      expect(show!.playerUrl.startsWith(t.httpUrl(`/play/${rows.showHls!.id}?`))).toBe(true);
      expect(other).toMatchObject({ id: rows.other!.id, title: 'other', cover: null });
      for (const replay of [show!, other!]) {
        expect(signedFor(replay.playerUrl, replay.stream as string)).toBe(true);
        for (const source of replay.sources) {
          expect(signedFor(source.url, replay.stream as string)).toBe(true);
          expect((await fetch(source.url, { method: 'HEAD' })).status, source.url).toBe(200);
        }
      }
    });
  });

  describe('GET /api/play/{id}', () => {
    const play = (id: string, stream?: string) =>
      get<PlayJson>(t.httpUrl(`/api/play/${id}${stream === undefined ? '' : `?${sign(stream)}`}`));

    it('describes a recording, with URLs carrying the request’s signature', async () => {
      const signature = sign('show');
      const res = await get<PlayJson>(t.httpUrl(`/api/play/${rows.showMp4!.id}?${signature}`));
      expect(res.status).toBe(200);
      expect(res.cache).toBe('no-store');
      expect(res.body).toMatchObject({
        kind: 'recording',
        id: rows.showMp4!.id,
        app: 'live',
        stream: 'show',
        title: 'The Show',
        durationMs: 60_000,
        sequence: [],
      });
      expect(res.body.sources).toEqual([
        {
          format: 'mp4',
          url: t.httpUrl(`/vod/${rows.showMp4!.storageKey}?${signature}`),
          durationMs: 60_000,
        },
      ]);
      expect((await fetch(res.body.sources[0]!.url, { method: 'HEAD' })).status).toBe(200);
    });

    it('describes a broadcast: its HLS replay, or else its files in order', async () => {
      const show = await play('b-show', 'show');
      expect(show.body).toMatchObject({ kind: 'broadcast', id: 'b-show', title: 'The Show', sequence: [] });
      expect(show.body.sources).toHaveLength(1);
      expect(show.body.sources[0]).toMatchObject({ format: 'hls', durationMs: 61_000 });
      expect(show.body.sources[0]!.url.startsWith(t.httpUrl('/replay/b-show.m3u8?'))).toBe(true);
      expect((await fetch(show.body.sources[0]!.url)).status).toBe(200);

      const other = await play('b-other', 'other');
      expect(other.body).toMatchObject({
        kind: 'broadcast',
        title: 'other',
        sources: [],
        durationMs: 120_000,
      });
      expect(other.body.sequence.map((s) => s.format)).toEqual(['flv']);
      expect((await fetch(other.body.sequence[0]!.url, { method: 'HEAD' })).status).toBe(200);
    });

    it('needs a signature for the stream', async () => {
      const unsigned = await play(rows.showMp4!.id);
      expect(unsigned.status).toBe(403);
      expect(unsigned.body).toEqual({
        error: 'forbidden',
        message: 'signed playback: txTime parameter is missing',
      });
      expect((await play(rows.showMp4!.id, 'other')).status).toBe(403);
      expect((await play('b-other', 'show')).status).toBe(403);
    });

    it('answers 409 for a file still being recorded', async () => {
      expect((await play(rows.open!.id, 'show')).status).toBe(409);
    });

    it.each([
      // With a play key set, nothing that does not exist is told apart from a bad signature (issue 11).
      ['an unknown file id', '1999999999999999999', 403],
      ['an unknown broadcast id', 'no-such-broadcast', 403],
      ['dots', 'a..b', 403],
      ['a path', '..%2F..%2Fetc%2Fpasswd', 400],
      ['a NUL', 'a%00b', 400],
      ['SQL', "1'%20or%20'1'%3D'1", 400],
      ['an id of 101 characters', 'x'.repeat(101), 414],
    ])('answers %s (%s) with %i', async (_what, id, status) => {
      const res = await play(id, 'show');
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    });
  });

  it('gives recordings and broadcasts a signed player URL', async () => {
    const file = await get<{ playerUrl: string }>(t.httpUrl(`/api/v1/recordings/${rows.other!.id}`));
    expect(file.body.playerUrl.startsWith(t.httpUrl(`/play/${rows.other!.id}?`))).toBe(true);
    expect(signedFor(file.body.playerUrl, 'other')).toBe(true);
    const broadcast = await get<{ playerUrl: string; files: Array<{ playerUrl: string }> }>(
      t.httpUrl('/api/v1/broadcasts/b-show'),
    );
    expect(broadcast.body.playerUrl.startsWith(t.httpUrl('/play/b-show?'))).toBe(true);
    expect(signedFor(broadcast.body.playerUrl, 'show')).toBe(true);
    expect(broadcast.body.files.every((f) => signedFor(f.playerUrl, 'show'))).toBe(true);
  });
});

describe('WATCH_PAGE=false, playback open', () => {
  let t: TestServer;
  let catalog: Catalog;
  beforeAll(async () => {
    t = await startTestServer({ WATCH_PAGE: 'false' });
    catalog = await openCatalog({ dataDir: t.dataDir });
  });
  afterAll(async () => {
    await catalog?.close();
    await t?.close();
  });

  it('hides /api/watch but still answers /api/play, with unsigned URLs', async () => {
    const watch = await get<{ error: string }>(t.httpUrl('/api/watch'));
    expect(watch.status).toBe(404);
    expect(watch.body.error).toBe('not_found');
    const row = await addRecording(catalog, { stream: 'open', startTime: Date.now() - HOUR });
    const played = await get<PlayJson>(t.httpUrl(`/api/play/${row.id}`));
    expect(played.status).toBe(200);
    expect(played.body.sources[0]!.url).toBe(t.httpUrl(`/vod/${row.storageKey}`));
    const listed = await get<{ playerUrl: string }>(t.httpUrl(`/api/v1/recordings/${row.id}`));
    expect(listed.body.playerUrl).toBe(t.httpUrl(`/play/${row.id}`));
  });
});
