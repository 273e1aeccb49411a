/**
 * The Tencent-compatible `/common_access` API as an app backend written for the reference service
 * calls it: the spec's sign vector, expiry, the captured response's exact shape, paging, time windows
 * with the same-day rule, error codes, and Live_Channel_GetStatus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, openCatalog } from '../src/catalog/db.js';
import { parseCst } from '../src/vod/tencent/cst-time.js';
import { apiSign } from '../src/vod/tencent/request-auth.js';
import { addRecording } from './helpers/catalog-rows.js';
import { decodeAll } from './helpers/decode-all.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { CAPTURED_FILE, CAPTURED_RESPONSE, shapeOf } from './helpers/tencent-captured.js';

// The spec's example (§4.2) and sign vector (§3.1): appid 1234, key, t = 1471850187 → this sign.
const SPEC_KEY = '5d41402abc4b2a76b9719d911017c592';
const SPEC_T = '1471850187';
const SPEC_SIGN = 'b17971b51ba0fe5916ddcd96692e9fb3';
const KEY = 'second-key';

interface Envelope {
  errmsg: string;
  message: string;
  ret: number;
  retcode: number;
  output?: { all_count: number; file_list: Array<Record<string, string | null>> };
}

describe('/common_access (Tencent-compatible query API)', () => {
  let t: TestServer;
  let catalog: Catalog;

  /** A signed call valid for a minute; `params` go after the signature, like the doc's example. */
  const call = async (params: string, auth = signed()) => {
    const res = await fetch(t.httpUrl(`/common_access?${auth}&${params}`));
    return { status: res.status, body: (await res.json()) as Envelope };
  };
  const files = (params: string) => call(`interface=Live_Tape_GetFilelist&${params}`);

  beforeAll(async () => {
    t = await startTestServer({ APPID: '1234', API_KEY: `${SPEC_KEY},${KEY}` });
    const push = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'tx', 'record=flv|mp4|hls'), { seconds: 3, gop: 30, realtime: false }),
    );
    expect(push.stderr).toBe('');
    await waitFor(
      () => (t.server.recordings.activeCount === 0 ? true : undefined),
      30_000,
      'recordings to finish',
    );
    catalog = await openCatalog({ dataDir: t.dataDir });
    // 25 files of 'paged' every half hour from 2024-05-01 08:00 CST, the last ones on the next day.
    const first = parseCst('2024-05-01 08:00:00')!;
    for (let i = 0; i < 25; i++) {
      await addRecording(catalog, {
        stream: 'paged',
        format: 'mp4',
        startTime: first + i * 30 * 60_000,
        durationMs: 60_000,
      });
    }
    await addRecording(catalog, { stream: 'paged', format: 'flv', startTime: first, status: 'recording' });
  });
  afterAll(async () => {
    await catalog.close();
    await t.close();
  });

  it('checks the spec example: its sign is right, and its t has long passed', async () => {
    const example = await fetch(
      t.httpUrl(
        `/common_access?appid=1234&interface=Live_Tape_GetFilelist&Param.s.channel_id=8888_test123&Param.n.page_no=1&Param.n.page_size=20&t=${SPEC_T}&sign=${SPEC_SIGN}`,
      ),
    );
    expect(example.status).toBe(403);
    expect(await example.json()).toEqual({
      errmsg: 'time expired',
      message: 'time expired',
      ret: 403,
      retcode: 403,
    });
    const wrongSign = await fetch(
      t.httpUrl(
        `/common_access?appid=1234&interface=Live_Tape_GetFilelist&t=${SPEC_T}&sign=${'0'.repeat(32)}`,
      ),
    );
    expect(wrongSign.status).toBe(403);
    expect(((await wrongSign.json()) as Envelope).message).toBe('sign invalid');
  });

  it.each([
    ['appid=999', 'appid is invalid'],
    ['cmd=999', 'cmd is invalid'],
    ['', 'appid is invalid'],
  ])('refuses the caller id %j with 403 %s', async (caller, message) => {
    const { status, body } = await call(
      'interface=Live_Tape_GetFilelist&Param.s.channel_id=tx',
      signed(caller),
    );
    expect(status).toBe(403);
    expect(body.message).toBe(message);
  });

  it('accepts cmd as the APPID and a signature by any API key', async () => {
    const { status, body } = await call(
      'interface=Live_Tape_GetFilelist&Param.s.channel_id=tx',
      signed('cmd=1234', SPEC_KEY),
    );
    expect(status).toBe(200);
    expect(body.ret).toBe(0);
  });

  it('answers in exactly the shape of the captured real response, and every file plays', async () => {
    const { status, body } = await files('Param.s.channel_id=tx');
    expect(status).toBe(200);
    expect(shapeOf({ ...body, output: {} })).toEqual(shapeOf({ ...CAPTURED_RESPONSE, output: {} }));
    expect(shapeOf(body.output!)).toEqual(shapeOf(CAPTURED_RESPONSE.output));
    expect(body).toMatchObject({
      ret: 0,
      retcode: 0,
      message: 'return successfully!',
      errmsg: 'return successfully!',
    });
    expect(body.output!.all_count).toBe(3);
    expect(body.output!.file_list.map((f) => f.file_format).sort()).toEqual(['1', '2', '3']);
    for (const file of body.output!.file_list) {
      expect(shapeOf(file)).toEqual(shapeOf(CAPTURED_FILE));
      expect(file).toMatchObject({
        appid: '1234',
        stream_id: 'tx',
        expire_time: '2038-01-19 11:14:07',
        vod2Flag: '1',
      });
      expect(file.start_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(parseCst(file.end_time!)! - parseCst(file.start_time!)!).toBeGreaterThanOrEqual(2000);
      const played = await decodeAll(file.record_file_url!);
      expect(played.stderr, file.record_file_url!).toBe('');
      expect(played.video).toBe(90);
    }
  });

  it('pages through a stream in start-time order, counting every finished file', async () => {
    const seen: string[] = [];
    for (const [page, count] of [
      [1, 10],
      [2, 10],
      [3, 5],
    ]) {
      const { body } = await files(`Param.s.channel_id=paged&Param.n.page_no=${page}&Param.n.page_size=10`);
      expect(body.ret).toBe(0);
      expect(body.output!.all_count).toBe(25);
      expect(body.output!.file_list).toHaveLength(count!);
      seen.push(...body.output!.file_list.map((f) => f.start_time!));
    }
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(25);
    const { body: desc } = await files(
      'Param.s.channel_id=paged&Param.s.sort_type=desc&Param.n.page_size=100',
    );
    expect(desc.output!.file_list.map((f) => f.start_time)).toEqual([...seen].reverse());
    const { body: defaults } = await files('Param.s.channel_id=paged');
    expect(defaults.output!.file_list.map((f) => f.start_time)).toEqual(seen.slice(0, 10));
    const { body: past } = await files('Param.s.channel_id=paged&Param.n.page_no=4&Param.n.page_size=10');
    expect(past).toMatchObject({ ret: 0, output: { all_count: 25, file_list: [] } });
  });

  it('filters on a window within one CST day', async () => {
    const window = await files(
      'Param.s.channel_id=paged&Param.s.start_time=2024-05-01+10%3a00%3a00&Param.s.end_time=2024-05-01+12%3a00%3a00',
    );
    expect(window.body.output!.file_list.map((f) => f.start_time)).toEqual([
      '2024-05-01 10:00:00',
      '2024-05-01 10:30:00',
      '2024-05-01 11:00:00',
      '2024-05-01 11:30:00',
      '2024-05-01 12:00:00',
    ]);
    expect(window.body.output!.all_count).toBe(5);
    // One end given: the rest of that day (08:00 + 24 × 30 min = 20:00 the same day … up to 23:30).
    const fromOnly = await files('Param.s.channel_id=paged&Param.s.start_time=2024-05-01+20%3a00%3a00');
    expect(fromOnly.body.output!.file_list.map((f) => f.start_time)).toEqual(['2024-05-01 20:00:00']);
    const nextDay = await files('Param.s.channel_id=paged&Param.s.end_time=2024-05-02+23%3a59%3a59');
    expect(nextDay.body).toMatchObject({
      ret: 10003,
      message: 'query data is empty',
      output: { all_count: 0, file_list: [] },
    });
  });

  it.each([
    ['Param.s.start_time=2024-05-01+23%3a00%3a00&Param.s.end_time=2024-05-02+01%3a00%3a00', 'same day'],
    ['Param.s.start_time=2024-05-01+10%3a00%3a00&Param.s.end_time=2024-05-03+10%3a00%3a00', 'same day'],
    ['Param.s.start_time=2024-05-01+12%3a00%3a00&Param.s.end_time=2024-05-01+10%3a00%3a00', 'before'],
    ['Param.s.start_time=2024-05-01T10%3a00%3a00', 'Param.s.start_time'],
    ['Param.n.page_size=101', 'Param.n.page_size'],
    ['Param.n.page_size=0', 'Param.n.page_size'],
    ['Param.n.page_no=0', 'Param.n.page_no'],
    ['Param.s.sort_type=newest', 'Param.s.sort_type'],
  ])('answers ret 1204 for %s', async (params, named) => {
    const { status, body } = await files(`Param.s.channel_id=paged&${params}`);
    expect(status).toBe(200);
    expect(body.ret).toBe(1204);
    expect(body.retcode).toBe(1204);
    expect(body.message).toContain('invalid input param');
    expect(body.message).toContain(named);
  });

  it('answers ret 10003 for a stream without files, 1204 for no channel or an unknown interface', async () => {
    expect((await files('Param.s.channel_id=nobody')).body).toEqual({
      errmsg: 'query data is empty',
      message: 'query data is empty',
      ret: 10003,
      retcode: 10003,
      output: { all_count: 0, file_list: [] },
    });
    expect((await files('')).body.ret).toBe(1204);
    expect((await call('interface=Live_Nothing&Param.s.channel_id=tx')).body.ret).toBe(1204);
  });

  it('Live_Channel_GetStatus: 1 live, 0 offline, 20601 never pushed', async () => {
    const status = (channel: string) =>
      call(`interface=Live_Channel_GetStatus&Param.s.channel_id=${channel}`);
    expect((await status('tx')).body).toEqual({
      errmsg: 'return successfully!',
      message: 'return successfully!',
      ret: 0,
      retcode: 0,
      output: [{ rate_type: 0, recv_type: 3, status: 0 }],
    });
    expect((await status('never-seen')).body).toMatchObject({ ret: 20601, retcode: 20601 });
    const pushing = run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'onair'), { seconds: 3, gop: 30 }));
    try {
      await waitFor(() => t.server.hub.get('live', 'onair'), 15_000, 'the stream to go live');
      expect((await status('onair')).body.output).toEqual([{ rate_type: 0, recv_type: 3, status: 1 }]);
    } finally {
      await pushing;
    }
  });
});

/** The caller id, then `t` a minute ahead (decimal UNIX seconds) and `sign = md5(key + t)`. */
function signed(caller = 'appid=1234', key = KEY): string {
  const t = String(Math.floor(Date.now() / 1000) + 60);
  return `${caller}&t=${t}&sign=${apiSign(key, t)}`;
}
