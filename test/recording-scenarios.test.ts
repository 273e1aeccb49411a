import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtmpClient } from '../src/rtmp/client.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { decodeErrors, probe } from './helpers/media-probe.js';
import { ffmpegPushArgs, run, sleep, waitFor } from './helpers/process.js';
import { pushFlvFiles } from './helpers/pusher.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Row {
  id: string;
  format: string;
  storageKey: string;
  durationMs: number;
  reason: string;
  width: number | null;
  height: number | null;
  warnings: string[];
  broadcastId: string;
}

async function recordings(t: TestServer, stream: string): Promise<Row[]> {
  const res = await fetch(t.httpUrl(`/api/v1/recordings?stream=${stream}`));
  return ((await res.json()) as { recordings: Row[] }).recordings.reverse(); // oldest first
}

async function settled(t: TestServer, stream: string, count: number): Promise<Row[]> {
  return waitFor(
    async () => {
      const rows = await recordings(t, stream);
      return rows.length >= count && t.server.recordings.activeCount === 0 ? rows : undefined;
    },
    30_000,
    `${count} recordings of ${stream}`,
  );
}

const pathOf = (t: TestServer, row: Row) => join(t.dataDir, 'media', row.storageKey);

describe('recording scenarios', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ RECORD_INTERVAL_MIN: '1', HLS_SEGMENT_DURATION: '2' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('splits MP4 and FLV on a resolution change into two valid files; HLS keeps one playlist with a discontinuity', async () => {
    const small = await makeTestFlv({ seconds: 3, width: 320, height: 240 });
    const large = await makeTestFlv({ seconds: 3, width: 640, height: 360 });
    await pushFlvFiles(t.rtmpUrl('live', 'reschange', 'record=mp4|flv|hls'), [small, large]);
    const rows = await settled(t, 'reschange', 5);
    for (const format of ['mp4', 'flv']) {
      const files = rows.filter((r) => r.format === format);
      expect(files.map((r) => [r.width, r.height, r.reason])).toEqual([
        [320, 240, 'codec_change'],
        [640, 360, 'unpublish'],
      ]);
      for (const f of files) {
        expect(await decodeErrors(pathOf(t, f))).toBe('');
        const p = await probe(pathOf(t, f));
        expect(p.streams.find((s) => s.codec_type === 'video')).toMatchObject({
          width: f.width,
          height: f.height,
        });
      }
    }
    const [hls] = rows.filter((r) => r.format === 'hls');
    expect(await decodeErrors(pathOf(t, hls!))).toBe('');
    expect(Math.abs((await probe(pathOf(t, hls!))).formatDuration - 6)).toBeLessThan(0.5);
  });

  it('records audio-only pushes in every format, including record=aac', async () => {
    await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'radio', 'record=flv|mp4|hls|aac'), {
        seconds: 4,
        video: false,
        realtime: false,
      }),
    );
    const rows = await settled(t, 'radio', 4);
    expect(rows.map((r) => r.format).sort()).toEqual(['aac', 'flv', 'hls', 'mp4']);
    for (const row of rows) {
      expect(await decodeErrors(pathOf(t, row)), row.format).toBe('');
      const p = await probe(pathOf(t, row));
      expect(
        p.streams.map((s) => s.codec_type),
        row.format,
      ).toEqual(['audio']);
      expect(Math.abs(row.durationMs - 4000), row.format).toBeLessThan(200);
    }
  });

  it('records video-only pushes in every format', async () => {
    await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'silent', 'record=flv|mp4|hls'), {
        seconds: 4,
        audio: false,
        realtime: false,
      }),
    );
    const rows = await settled(t, 'silent', 3);
    for (const row of rows) {
      expect(await decodeErrors(pathOf(t, row)), row.format).toBe('');
      const p = await probe(pathOf(t, row));
      expect(
        p.streams.map((s) => s.codec_type),
        row.format,
      ).toEqual(['video']);
      expect(Number(p.streams[0]!.nb_read_frames), row.format).toBe(120);
    }
  });

  it('records only audio with record_type=audio', async () => {
    await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'audioonly', 'record=mp4&record_type=audio'), {
        seconds: 3,
        realtime: false,
      }),
    );
    const [row] = await settled(t, 'audioonly', 1);
    const p = await probe(pathOf(t, row!));
    expect(p.streams.map((s) => s.codec_type)).toEqual(['audio']);
  });

  it('sanitizes a hostile record_name and reports the correction with the file', async () => {
    await run(
      'ffmpeg',
      ffmpegPushArgs(
        t.rtmpUrl(
          'live',
          'named',
          `record=flv&record_name=${encodeURIComponent('../../etc/passwd')}&record_interval=99999`,
        ),
        { seconds: 2, realtime: false },
      ),
    );
    const [row] = await settled(t, 'named', 1);
    expect(row!.storageKey).toMatch(/^live\/named\/\d{4}-\d{2}-\d{2}\/etc_passwd_\d{8}-\d{6}\.flv$/);
    expect(row!.warnings.join('\n')).toMatch(/record_name sanitized to "etc_passwd"/);
    expect(row!.warnings.join('\n')).toMatch(/record_interval 99999 is outside/);
  });

  it('records a record_name of 100 CJK characters in every format, cut to whole characters within 200 bytes', async () => {
    const name = '录'.repeat(100); // 100 characters, 300 bytes: once ENAMETOOLONG for every format
    const push = await run(
      'ffmpeg',
      ffmpegPushArgs(
        t.rtmpUrl('live', 'cjkname', `record=flv|mp4|hls&record_name=${encodeURIComponent(name)}`),
        {
          seconds: 2,
          realtime: false,
        },
      ),
    );
    expect(push.code).toBe(0);
    const rows = await settled(t, 'cjkname', 3);
    expect(rows.map((r) => r.format).sort()).toEqual(['flv', 'hls', 'mp4']);
    for (const row of rows) {
      const fileName = row.storageKey.split('/')[3]!;
      expect(fileName.startsWith(`${'录'.repeat(66)}_`), row.storageKey).toBe(true);
      expect(Buffer.byteLength(fileName)).toBeLessThanOrEqual(255);
      expect(row.warnings.join('\n')).toContain(`record_name sanitized to "${'录'.repeat(66)}"`);
      expect(await decodeErrors(pathOf(t, row)), row.format).toBe('');
    }
  });

  it('keeps combining marks with their letters and replaces emoji when cutting a long record_name', async () => {
    const conjunct = 'क्षि'; // one user-perceived character: 4 code points, 12 bytes
    const name = `🎥${'é'.normalize('NFD')}${conjunct.repeat(30)}`;
    await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'marks', `record=flv&record_name=${encodeURIComponent(name)}`), {
        seconds: 2,
        realtime: false,
      }),
    );
    const [row] = await settled(t, 'marks', 1);
    // The emoji is replaced (then dropped as a leading "_"), é is composed (2 bytes), and 16 whole
    // conjuncts fit with it in 200 bytes.
    const stem = `é${conjunct.repeat(16)}`;
    expect(row!.storageKey.split('/')[3]!.startsWith(`${stem}_`)).toBe(true);
    expect(await decodeErrors(pathOf(t, row!))).toBe('');
  });

  it.each([
    ['stream', 'live', '录像🎥'],
    ['app', 'ライブ', 'cjkapp'],
  ])('refuses a push whose %s name is not ASCII, and ffmpeg says so', async (_kind, app, stream) => {
    const push = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl(app, stream, 'record=flv'), { seconds: 2, realtime: false }),
    );
    expect(push.code).not.toBe(0);
    expect(t.server.recordings.activeCount).toBe(0);
  });

  it('refuses a push that asks for an unknown format, telling the encoder why', async () => {
    const client = await RtmpClient.connect(t.rtmpUrl('live', 'badformat', 'record=mkv'));
    await expect(client.publish()).rejects.toThrow(
      /NetStream\.Publish\.BadName.*unknown record format "mkv"/,
    );
    client.destroy();
  });

  it('applies the global recording setting, changed at runtime, to the next push', async () => {
    const put = (body: unknown) =>
      fetch(t.httpUrl('/api/v1/settings/recording'), {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put({ formats: ['mkv'] })).status).toBe(400);
    expect((await put({ formats: 'flv', intervalSec: 120 })).status).toBe(200);
    expect(await (await fetch(t.httpUrl('/api/v1/settings/recording'))).json()).toEqual({
      formats: ['flv'],
      intervalSec: 120,
      hlsResumeWindowSec: 0,
    });
    await run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'globalon'), { seconds: 2, realtime: false }));
    expect((await settled(t, 'globalon', 1)).map((r) => r.format)).toEqual(['flv']);

    expect((await put({ formats: [] })).status).toBe(200);
    // The live stream says which formats it is being recorded in: none, while it is pushed (no sleep
    // afterwards hoping a recording would have shown up by then).
    const push = run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'globaloff'), { seconds: 30 }));
    const live = await waitFor(
      async () => {
        const res = await fetch(t.httpUrl('/api/v1/streams/live/globaloff'));
        return res.ok ? ((await res.json()) as { recordingFormats: string[] }) : undefined;
      },
      15_000,
      'the push to be live',
    );
    expect(live.recordingFormats).toEqual([]);
    expect(t.server.recordings.activeCount).toBe(0);
    expect(await recordings(t, 'globaloff')).toEqual([]);
    expect((await fetch(t.httpUrl('/api/v1/streams/live/globaloff'), { method: 'DELETE' })).ok).toBe(true);
    await push;
    expect(await recordings(t, 'globaloff')).toEqual([]);
  });
});

describe('HLS resume window', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ HLS_RESUME_WINDOW: '5', HLS_SEGMENT_DURATION: '2' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('continues one playlist across a re-push within the window, and starts a new one after it', async () => {
    const clip = await makeTestFlv({ seconds: 3 });
    await pushFlvFiles(t.rtmpUrl('live', 'resume', 'record=hls'), [clip]);
    await sleep(500); // a dropped push coming back, well inside the 5 s window even on a loaded machine
    await pushFlvFiles(t.rtmpUrl('live', 'resume', 'record=hls'), [clip]);
    const [joined] = await settled(t, 'resume', 1);
    const playlist = await readFile(pathOf(t, joined!), 'utf8');
    expect(playlist).toContain('#EXT-X-DISCONTINUITY');
    expect(playlist).toContain('#EXT-X-ENDLIST');
    expect(await decodeErrors(pathOf(t, joined!))).toBe('');
    expect(Math.abs((await probe(pathOf(t, joined!))).formatDuration - 6)).toBeLessThan(0.5);
    expect(Math.abs(joined!.durationMs - 6000)).toBeLessThan(500);

    // `settled` above waited for the playlist to be finished, which happens only once the window has
    // passed: this push starts a new one.
    await pushFlvFiles(t.rtmpUrl('live', 'resume', 'record=hls'), [clip]);
    const rows = await settled(t, 'resume', 2);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.broadcastId).not.toBe(rows[1]!.broadcastId);
    const folder = join(pathOf(t, rows[1]!), '..');
    expect((await readdir(folder)).filter((n) => n.endsWith('.ts')).length).toBeGreaterThanOrEqual(1);
  });
});
