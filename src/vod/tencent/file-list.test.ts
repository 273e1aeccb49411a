import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CAPTURED_FILE, shapeOf } from '../../../test/helpers/tencent-captured.js';
import type { RecordingRow } from '../../catalog/recording-row.js';
import { parseCst } from './cst-time.js';
import { fileListEntry, parseFileListParams } from './file-list.js';

const row: RecordingRow = {
  id: '1541137660000123456',
  app: 'live',
  stream: '32810_f0403e6ebfbe1f6d2df9b4d6b0eba2f0',
  format: 'mp4',
  status: 'done',
  storageKey: 'live/x/2018-11-02/x.mp4',
  sizeBytes: 4571794,
  startTime: parseCst('2018-11-02 13:47:40')!,
  endTime: parseCst('2018-11-02 13:48:09')! + 400,
  durationMs: 29_400,
  mediaStartMs: 0,
  width: 320,
  height: 240,
  videoCodec: 'avc1.64000d',
  audioCodec: 'mp4a.40.2',
  bitrate: 1_000_000,
  streamParam: '',
  sessionId: 's',
  broadcastId: 's',
  taskId: null,
  templateId: null,
  reason: 'unpublish',
  warnings: null,
  createdAt: parseCst('2018-11-02 13:47:40')!,
  updatedAt: parseCst('2018-11-02 13:48:12')! + 10,
};

describe('fileListEntry', () => {
  const ctx = { appid: '1257046543', retentionDays: 0, url: () => 'http://h/vod/live/x/2018-11-02/x.mp4' };

  it('has exactly the captured field names, order and value types', () => {
    expect(shapeOf(fileListEntry(row, ctx))).toEqual(shapeOf(CAPTURED_FILE));
  });

  it('maps the row like the capture: CST times, format code, sizes as strings', () => {
    expect(fileListEntry(row, ctx)).toMatchObject({
      create_time: '2018-11-02 13:48:12',
      start_time: '2018-11-02 13:47:40',
      end_time: '2018-11-02 13:48:09',
      expire_time: '2038-01-19 11:14:07',
      file_format: '3',
      file_size: '4571794',
      file_id: row.id,
      record_file_id: row.id,
      record_file_url: 'http://h/vod/live/x/2018-11-02/x.mp4',
      stream_id: row.stream,
    });
    const codes = (['flv', 'hls', 'mp4', 'aac'] as const).map(
      (format) => fileListEntry({ ...row, format }, ctx).file_format,
    );
    expect(codes).toEqual(['1', '2', '3', '4']);
  });

  it('expires files with the retention period', () => {
    expect(fileListEntry(row, { ...ctx, retentionDays: 30 }).expire_time).toBe('2018-12-02 13:48:09');
  });
});

const params = (q: Record<string, string>) => parseFileListParams(new URLSearchParams(q));

describe('parseFileListParams', () => {
  it('defaults to page 1 of 10, ascending, no window', () => {
    expect(params({ 'Param.s.channel_id': '8888_test123' })).toEqual({
      ok: true,
      params: { channelId: '8888_test123', pageNo: 1, pageSize: 10, order: 'asc' },
    });
  });

  it('reads paging, sort and a same-day window (URL-encoded as in the spec)', () => {
    const q = new URLSearchParams(
      'Param.s.channel_id=c&Param.n.page_no=3&Param.n.page_size=100&Param.s.sort_type=desc&Param.s.start_time=2017-01-01+10%3a10%3a01&Param.s.end_time=2017-01-01+23%3a59%3a59',
    );
    expect(parseFileListParams(q)).toEqual({
      ok: true,
      params: {
        channelId: 'c',
        pageNo: 3,
        pageSize: 100,
        order: 'desc',
        from: parseCst('2017-01-01 10:10:01'),
        to: parseCst('2017-01-01 23:59:59')! + 999,
      },
    });
  });

  it('lets one end of the window cover the rest of its day', () => {
    const start = params({ 'Param.s.channel_id': 'c', 'Param.s.start_time': '2017-01-01 10:10:01' });
    expect(start).toMatchObject({
      params: { from: parseCst('2017-01-01 10:10:01'), to: parseCst('2017-01-01 23:59:59')! + 999 },
    });
    const end = params({ 'Param.s.channel_id': 'c', 'Param.s.end_time': '2017-01-01 10:10:01' });
    expect(end).toMatchObject({
      params: { from: parseCst('2017-01-01 00:00:00'), to: parseCst('2017-01-01 10:10:01')! + 999 },
    });
  });

  it.each([
    [{}, 'Param.s.channel_id'],
    [{ 'Param.n.page_no': '0' }, 'Param.n.page_no'],
    [{ 'Param.n.page_no': '1.5' }, 'Param.n.page_no'],
    [{ 'Param.n.page_size': '0' }, 'Param.n.page_size'],
    [{ 'Param.n.page_size': '101' }, 'Param.n.page_size'],
    [{ 'Param.s.sort_type': 'up' }, 'Param.s.sort_type'],
    [{ 'Param.s.start_time': '2017-01-01T10:10:01' }, 'Param.s.start_time'],
    [{ 'Param.s.end_time': 'tomorrow' }, 'Param.s.end_time'],
    [{ 'Param.s.start_time': '2017-01-01 10:00:00', 'Param.s.end_time': '2017-01-01 09:00:00' }, 'before'],
    // within 24 h but across midnight
    [{ 'Param.s.start_time': '2017-01-01 23:00:00', 'Param.s.end_time': '2017-01-02 01:00:00' }, 'same day'],
  ])('refuses %j naming %s', (q, named) => {
    const r = params({
      'Param.s.channel_id': 'c',
      ...q,
      ...(named === 'Param.s.channel_id' ? { 'Param.s.channel_id': '' } : {}),
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(named);
  });

  it('never throws on arbitrary parameters', () => {
    const names = [
      'Param.s.channel_id',
      'Param.n.page_no',
      'Param.n.page_size',
      'Param.s.sort_type',
      'Param.s.start_time',
      'Param.s.end_time',
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), fc.string()), (q) => {
        const r = params(q);
        if (r.ok) {
          expect(r.params.pageSize).toBeLessThanOrEqual(100);
          if (r.params.from !== undefined)
            expect(r.params.to! - r.params.from).toBeLessThan(24 * 3600 * 1000);
        }
      }),
    );
  });
});
