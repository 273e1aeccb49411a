/**
 * Whole-broadcast replay and the broadcast API, on real pushes: a broadcast split by record_interval,
 * one without HLS, and several HLS recordings joined into one playlist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, openCatalog } from '../src/catalog/db.js';
import { newFileId } from '../src/catalog/ids.js';
import { parseMediaPlaylist } from '../src/container/hls/playlist.js';
import { decodeAll } from './helpers/decode-all.js';
import { decodeErrors } from './helpers/media-probe.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface FileJson {
  id: string;
  format: string;
  url: string;
  durationMs: number;
  startTime: string;
}

interface BroadcastJson {
  id: string;
  stream: string;
  endTime: string | null;
  durationMs: number;
  recording: boolean;
  files: FileJson[];
  playOrder: string[];
  replayUrl: string | null;
}

const SPLIT_PUSH_SECONDS = 8;
const LATER_PUSH_SECONDS = 4;

describe('broadcast replay', () => {
  let t: TestServer;
  /** A second connection to the server's catalog, to arrange cases no push produces on its own. */
  let catalog: Catalog;
  let split: BroadcastJson;
  let later: BroadcastJson;
  let mp4Only: BroadcastJson;

  const json = async <T>(path: string): Promise<T> => (await fetch(t.httpUrl(path))).json() as Promise<T>;
  const push = async (stream: string, query: string, seconds: number) => {
    const r = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', stream, query), { seconds, gop: 30, realtime: false }),
    );
    expect(r.stderr).toBe('');
    await waitFor(
      () => (t.server.recordings.activeCount === 0 ? true : undefined),
      30_000,
      'recordings to finish',
    );
  };

  beforeAll(async () => {
    t = await startTestServer({ RECORD_INTERVAL_MIN: '1' });
    await push('rp', 'record=hls|mp4&record_interval=2', SPLIT_PUSH_SECONDS);
    await push('rp', 'record=hls', LATER_PUSH_SECONDS);
    await push('mp4only', 'record=mp4&record_interval=2', 5);
    [later, split] = (await json<{ broadcasts: BroadcastJson[] }>('/api/v1/broadcasts?stream=rp'))
      .broadcasts as [BroadcastJson, BroadcastJson];
    [mp4Only] = (await json<{ broadcasts: BroadcastJson[] }>('/api/v1/broadcasts?stream=mp4only'))
      .broadcasts as [BroadcastJson];
    catalog = await openCatalog({ dataDir: t.dataDir });
  });
  afterAll(async () => {
    await catalog.close();
    await t.close();
  });

  it('lists broadcasts newest first, page by page', async () => {
    const first = await json<{ broadcasts: BroadcastJson[]; nextCursor: string }>(
      '/api/v1/broadcasts?stream=rp&limit=1',
    );
    expect(first.broadcasts.map((b) => b.id)).toEqual([later.id]);
    const second = await json<{ broadcasts: BroadcastJson[]; nextCursor: string }>(
      `/api/v1/broadcasts?stream=rp&limit=1&before=${first.nextCursor}`,
    );
    expect(second.broadcasts.map((b) => b.id)).toEqual([split.id]);
    const third = await json<{ broadcasts: BroadcastJson[]; nextCursor: string | null }>(
      `/api/v1/broadcasts?stream=rp&limit=1&before=${second.nextCursor}`,
    );
    expect(third).toEqual({ broadcasts: [], nextCursor: null });
    const all = await json<{ broadcasts: BroadcastJson[] }>('/api/v1/broadcasts?app=live');
    expect(all.broadcasts.map((b) => b.id)).toEqual([mp4Only.id, later.id, split.id]);
  });

  it('shows a broadcast with its files, its play order and its replay URL', async () => {
    expect(await json(`/api/v1/broadcasts/${split.id}`)).toEqual(split);
    const mp4 = split.files.filter((f) => f.format === 'mp4');
    const hls = split.files.filter((f) => f.format === 'hls');
    expect(mp4.length).toBeGreaterThanOrEqual(4); // three or more record_interval splits
    expect(hls).toHaveLength(1);
    expect(split).toMatchObject({ stream: 'rp', recording: false, playOrder: [hls[0]!.id] });
    expect(split.endTime).not.toBeNull();
    expect(split.replayUrl).toBe(t.httpUrl(`/replay/${split.id}.m3u8`));
    expect(Math.abs(split.durationMs - SPLIT_PUSH_SECONDS * 1000)).toBeLessThan(1000);
  });

  it('replays a broadcast split by record_interval start to end as one VOD playlist', async () => {
    const res = await fetch(split.replayUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const playlist = parseMediaPlaylist(await res.text());
    expect(playlist).toMatchObject({ kind: 'vod', ended: true });
    expect(playlist.segments.every((s) => s.uri.startsWith('/vod/live/rp/'))).toBe(true);
    expect(await decodeErrors(split.replayUrl!)).toBe('');
    const replayed = await decodeAll(split.replayUrl!);
    expect(replayed.stderr).toBe('');
    expect(Math.abs(replayed.durationSec - SPLIT_PUSH_SECONDS)).toBeLessThan(0.5);
    // The replay has every frame the interval-split MP4 files have between them: all that was pushed.
    let mp4Frames = 0;
    for (const f of split.files.filter((f) => f.format === 'mp4'))
      mp4Frames += (await decodeAll(f.url)).video;
    expect(mp4Frames).toBe(SPLIT_PUSH_SECONDS * 30);
    expect(replayed.video).toBe(mp4Frames);
  });

  it('joins several HLS recordings of one broadcast with a discontinuity between them', async () => {
    const laterHls = later.files.find((f) => f.format === 'hls')!;
    await setBroadcast(catalog, laterHls.id, split.id);
    try {
      const text = await (await fetch(t.httpUrl(`/replay/${split.id}.m3u8`))).text();
      const playlist = parseMediaPlaylist(text);
      expect(playlist.segments.filter((s) => s.discontinuity)).toHaveLength(1);
      const firstOfLater = playlist.segments.findIndex((s) => s.discontinuity);
      expect(
        playlist.segments.slice(firstOfLater).every((s) => s.uri.includes(laterHls.url.split('/').at(-2)!)),
      ).toBe(true);
      // Timestamps restart at the discontinuity, which ffmpeg's null muxer would report as an error;
      // ffprobe decodes every frame without a muxer, so whatever it reports is a real fault.
      const replayed = await decodeAll(t.httpUrl(`/replay/${split.id}.m3u8`));
      expect(replayed.stderr).toBe('');
      expect(replayed.video).toBe((SPLIT_PUSH_SECONDS + LATER_PUSH_SECONDS) * 30);
      expect(Math.abs(replayed.durationSec - (SPLIT_PUSH_SECONDS + LATER_PUSH_SECONDS))).toBeLessThan(0.5);
    } finally {
      await setBroadcast(catalog, laterHls.id, later.id);
    }
  });

  it('is an EVENT playlist without ENDLIST while a file of the broadcast is still recording', async () => {
    const id = newFileId();
    await catalog.recordings.insertOpen({
      id,
      app: 'live',
      stream: 'rp',
      format: 'flv',
      storageKey: 'live/rp/open.flv',
      startTime: Date.now(),
      sessionId: split.id,
      broadcastId: split.id,
    });
    try {
      const res = await fetch(split.replayUrl!);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const text = await res.text();
      expect(text).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
      expect(text).not.toContain('#EXT-X-ENDLIST');
      expect(await json(`/api/v1/broadcasts/${split.id}`)).toMatchObject({ recording: true, endTime: null });
    } finally {
      await catalog.recordings.delete(id);
    }
  });

  it('without HLS answers 404 naming the files to play in order, and the API says the same', async () => {
    const res = await fetch(t.httpUrl(`/replay/${mp4Only.id}.m3u8`));
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: string; files: FileJson[] };
    expect(body.error).toBe('no_hls_recording');
    expect(body.files.length).toBeGreaterThanOrEqual(3);
    expect(body.files.every((f) => f.format === 'mp4')).toBe(true);
    const starts = body.files.map((f) => f.startTime);
    expect(starts).toEqual([...starts].sort());
    expect(mp4Only).toMatchObject({ replayUrl: null, playOrder: body.files.map((f) => f.id) });
    let total = 0;
    for (const f of body.files) {
      expect(await decodeErrors(f.url), f.url).toBe('');
      total += f.durationMs;
    }
    expect(mp4Only.durationMs).toBe(total);
  });

  it('answers 404 for an unknown broadcast and 400 naming a bad parameter', async () => {
    expect((await fetch(t.httpUrl('/replay/nope.m3u8'))).status).toBe(404);
    expect((await fetch(t.httpUrl('/replay/..%2f..%2fetc.m3u8'))).status).toBe(404);
    expect((await fetch(t.httpUrl('/api/v1/broadcasts/nope'))).status).toBe(404);
    for (const [query, named] of [
      ['limit=0', 'limit'],
      ['limit=1000', 'limit'],
      ['before=abc', 'before'],
      ['strem=rp', 'strem'],
    ]) {
      const res = await fetch(t.httpUrl(`/api/v1/broadcasts?${query}`));
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { message: string }).message, query).toContain(named);
    }
  });
});

function setBroadcast(catalog: Catalog, fileId: string, broadcastId: string): Promise<unknown> {
  return catalog.db
    .updateTable('recordings')
    .set({ broadcast_id: broadcastId })
    .where('id', '=', fileId)
    .execute();
}
