/**
 * The retention and recording settings behind the console, against a real server: a retention change
 * sweeps at once; the HLS resume window set through the API applies to the next pushes; both survive a
 * restart on the same data folder. Old recordings are made directly in the server's catalog.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, openCatalog } from '../src/catalog/db.js';
import { apiCall } from './helpers/api.js';
import { addRecording } from './helpers/catalog-rows.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { sleep, waitFor } from './helpers/process.js';
import { pushFlvFiles } from './helpers/pusher.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const DAY = 86_400_000;

describe('retention and recording settings', () => {
  let dataDir: string;
  let t: TestServer;
  let catalog: Catalog;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'livetape-settings-'));
    t = await startTestServer({ HLS_SEGMENT_DURATION: '1' }, { dataDir });
    catalog = await openCatalog({ dataDir });
  });
  afterAll(async () => {
    await catalog?.close();
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const api = <T>(path: string, method = 'GET', body?: unknown) => apiCall<T>(t, path, method, body);

  const exists = async (id: string) => (await fetch(t.httpUrl(`/api/v1/recordings/${id}`))).status === 200;

  it('applies a retention change at once: a sweep deletes what the new rules do not keep', async () => {
    expect(await api('/api/v1/settings/retention')).toEqual({ status: 200, body: { days: 0, maxGb: 0 } });
    const media = join(dataDir, 'media');
    const now = Date.now();
    const old = await addRecording(catalog, { stream: 'ret', startTime: now - 10 * DAY }, media);
    const older = await addRecording(
      catalog,
      { stream: 'ret', startTime: now - 3 * DAY, sizeBytes: 1000 },
      media,
    );
    const recent = await addRecording(
      catalog,
      { stream: 'ret', startTime: now - DAY, sizeBytes: 1000 },
      media,
    );

    const byAge = await api('/api/v1/settings/retention', 'PUT', { days: 5 });
    expect(byAge).toEqual({ status: 200, body: { days: 5, maxGb: 0 } });
    await waitFor(async () => ((await exists(old.id)) ? undefined : true), 10_000, 'the old file to go');
    expect(existsSync(join(media, old.storageKey))).toBe(false);
    expect(await exists(older.id)).toBe(true);

    // 1500 bytes allowed, 2000 cataloged: the oldest of the two goes.
    const bySize = await api('/api/v1/settings/retention', 'PUT', { maxGb: 0.0000015 });
    expect(bySize.body).toEqual({ days: 5, maxGb: 0.0000015 });
    await waitFor(async () => ((await exists(older.id)) ? undefined : true), 10_000, 'the oldest file to go');
    expect(await exists(recent.id)).toBe(true);
  });

  it.each<[unknown, string]>([
    [{ days: -1 }, 'days'],
    [{ days: 36501 }, 'days'],
    [{ maxGb: 'lots' }, 'maxGb'],
    [{ weeks: 2 }, 'weeks'],
  ])('refuses retention %j with 400 naming "%s"', async (body, param) => {
    const res = await api<{ message: string }>('/api/v1/settings/retention', 'PUT', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain(`"${param}"`);
  });

  it('refuses an empty retention change', async () => {
    expect((await api('/api/v1/settings/retention', 'PUT', {})).status).toBe(400);
  });

  it('applies the HLS resume window set through the API to the next pushes', async () => {
    const settings = await api<Record<string, unknown>>('/api/v1/settings/recording');
    expect(settings.body.hlsResumeWindowSec).toBe(0);
    const clip = await makeTestFlv({ seconds: 2 });
    const hlsFiles = async (stream: string) => {
      const res = await api<{ recordings: Array<{ broadcastId: string; durationMs: number }> }>(
        `/api/v1/recordings?stream=${stream}&format=hls`,
      );
      return res.body.recordings;
    };
    const twoPushes = async (stream: string) => {
      await pushFlvFiles(t.rtmpUrl('live', stream), [clip]);
      await sleep(300); // a dropped push coming back: well inside the 6 s window even on a loaded machine
      await pushFlvFiles(t.rtmpUrl('live', stream), [clip]);
    };

    const set = await api('/api/v1/settings/recording', 'PUT', { formats: ['hls'], hlsResumeWindowSec: 6 });
    expect(set).toEqual({
      status: 200,
      body: { formats: ['hls'], intervalSec: 1800, hlsResumeWindowSec: 6 },
    });
    await twoPushes('resumed');
    const [joined, ...more] = await waitFor(
      async () => {
        const files = await hlsFiles('resumed');
        return files.length > 0 ? files : undefined;
      },
      15_000,
      'the resumed recording to finish',
    );
    expect(more).toEqual([]);
    expect(Math.abs(joined!.durationMs - 4000)).toBeLessThan(500);

    // Only the window changes; formats and interval stay.
    const off = await api('/api/v1/settings/recording', 'PUT', { formats: ['hls'], hlsResumeWindowSec: 0 });
    expect(off.body).toEqual({ formats: ['hls'], intervalSec: 1800, hlsResumeWindowSec: 0 });
    await twoPushes('separate');
    const separate = await waitFor(
      async () => {
        const files = await hlsFiles('separate');
        return files.length === 2 ? files : undefined;
      },
      15_000,
      'two recordings',
    );
    expect(separate[0]!.broadcastId).not.toBe(separate[1]!.broadcastId);

    const bad = await api<{ message: string }>('/api/v1/settings/recording', 'PUT', {
      formats: [],
      hlsResumeWindowSec: 1801,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('"hlsResumeWindowSec"');
  });

  it('keeps retention and recording settings across a restart', async () => {
    await api('/api/v1/settings/recording', 'PUT', { formats: ['mp4'], hlsResumeWindowSec: 30 });
    await t.close();
    t = await startTestServer({ HLS_SEGMENT_DURATION: '1' }, { dataDir });
    expect((await api('/api/v1/settings/retention')).body).toEqual({ days: 5, maxGb: 0.0000015 });
    expect((await api('/api/v1/settings/recording')).body).toEqual({
      formats: ['mp4'],
      intervalSec: 1800,
      hlsResumeWindowSec: 30,
    });
  });

  it('applies settings changed through another node sharing the catalog within seconds', async () => {
    const other = await startTestServer({ HLS_SEGMENT_DURATION: '1' }, { dataDir });
    try {
      const get = async (server: TestServer, path: string) => (await fetch(server.httpUrl(path))).json();
      await api('/api/v1/settings/recording', 'PUT', { formats: ['flv', 'hls'], intervalSec: 600 });
      await api('/api/v1/settings/retention', 'PUT', { days: 9 });
      await api('/api/v1/settings/keys', 'PUT', { play: ['shared-play-key'] });
      await waitFor(
        async () =>
          ((await get(other, '/api/v1/settings/recording')) as { intervalSec: number }).intervalSec === 600 ||
          undefined,
        12_000,
        'the other node to pick up the recording setting',
      );
      expect(await get(other, '/api/v1/settings/recording')).toMatchObject({ formats: ['flv', 'hls'] });
      expect(await get(other, '/api/v1/settings/retention')).toMatchObject({ days: 9 });
      expect(await get(other, '/api/v1/settings/keys')).toMatchObject({
        play: { keys: ['shared-play-key'] },
      });
    } finally {
      await other.close();
    }
  });
});
