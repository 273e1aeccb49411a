import { describe, expect, it } from 'vitest';
import type { PushStart } from '../catalog/pushes.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import {
  type PayloadOrigin,
  pushEndedPayload,
  pushStartedPayload,
  recordingPayload,
  recordingStatusPayload,
} from './payloads.js';
import { PUBLISH_REJECTED, pushEndCode } from './push-end-codes.js';

const origin: PayloadOrigin = { appid: '1252033264', host: 'live.example.com', node: 'node-1' };
const push: PushStart = {
  sessionId: 'b3c0e7a2-0000-4000-8000-000000000001',
  app: 'live',
  stream: '2519_2500647',
  streamParam: 'record=flv&txTime=5C271099',
  userIp: '203.0.113.7',
  node: 'node-1',
  startedAt: 1_496_220_622_250,
};

const row: RecordingRow = {
  id: '1496220622250042917',
  app: 'live',
  stream: '2519_2500647',
  format: 'mp4',
  status: 'done',
  storageKey: 'live/2519_2500647/a.mp4',
  sizeBytes: 30_045_521,
  startTime: 1_496_220_622_250,
  endTime: 1_496_220_894_750,
  durationMs: 272_500,
  mediaStartMs: 40,
  width: 1280,
  height: 720,
  videoCodec: 'avc1.64001f',
  audioCodec: 'mp4a.40.2',
  bitrate: 880_000,
  streamParam: 'record=mp4',
  sessionId: push.sessionId,
  broadcastId: push.sessionId,
  taskId: null,
  templateId: null,
  reason: 'interval',
  warnings: null,
  createdAt: 0,
  updatedAt: 0,
};

describe('push payloads (spec §3.3)', () => {
  it('push started: the common fields with their wire types', () => {
    expect(JSON.parse(pushStartedPayload(origin, push))).toEqual({
      event_type: 1,
      stream_id: '2519_2500647',
      channel_id: '2519_2500647',
      appid: 1252033264,
      app: 'live.example.com',
      appname: 'live',
      event_time: 1_496_220_622,
      sequence: push.sessionId,
      node: 'node-1',
      user_ip: '203.0.113.7',
      stream_param: 'record=flv&txTime=5C271099',
    });
  });

  it('push ended: errcode, errmsg, push_duration as a string of ms, and our reason', () => {
    const end = { endedAt: push.startedAt + 5_432, endReason: 'closeStream', ...pushEndCode('closeStream') };
    expect(JSON.parse(pushEndedPayload(origin, push, end))).toMatchObject({
      event_type: 0,
      event_time: 1_496_220_627,
      errcode: 2,
      errmsg: 'recv rtmp closeStream',
      push_duration: '5432',
      reason: 'closeStream',
      sequence: push.sessionId,
    });
  });

  it('a refused publish carries errcode 18 and says why', () => {
    const end = {
      endedAt: push.startedAt,
      endReason: 'rejected',
      detail: 'txSecret mismatch',
      ...PUBLISH_REJECTED,
    };
    expect(JSON.parse(pushEndedPayload(origin, push, end))).toMatchObject({
      errcode: 18,
      errmsg: 'push url maybe invalid',
      push_duration: '0',
      detail: 'txSecret mismatch',
    });
  });

  it('appid: a number when all digits, a string otherwise, absent when not configured', () => {
    const appid = (value: string) => JSON.parse(pushStartedPayload({ ...origin, appid: value }, push)).appid;
    expect(appid('1252033264')).toBe(1252033264);
    expect(appid('my-app')).toBe('my-app');
    expect(appid('')).toBeUndefined();
  });
});

describe('disconnect errcodes', () => {
  it.each([
    ['deleteStream', 1, 'recv rtmp deleteStream'],
    ['closeStream', 2, 'recv rtmp closeStream'],
    ['socketClosed', 3, 'recv() return 0'],
    ['socketError', 4, 'recv() return error'],
    ['idleTimeout', 4, 'recv() return error'],
    ['protocolError', 4, 'recv() return error'],
    ['kicked', 20, 'kicked by server'],
    ['shutdown', 21, 'server shutdown'],
  ] as const)('%s → %i %s', (reason, errcode, errmsg) => {
    expect(pushEndCode(reason)).toEqual({ errcode, errmsg });
  });
});

describe('recording payload (spec §3.4)', () => {
  const facts = {
    videoUrl: 'http://live.example.com/vod/live/2519_2500647/a.mp4',
    userIp: '203.0.113.7',
    eventTimeMs: 1_496_220_895_000,
  };

  it('has every legacy and modern field with its wire type', () => {
    const body = JSON.parse(recordingPayload(origin, row, facts));
    expect(body).toEqual({
      event_type: 100,
      stream_id: '2519_2500647',
      channel_id: '2519_2500647',
      appid: 1252033264,
      app: 'live.example.com',
      appname: 'live',
      event_time: 1_496_220_895,
      sequence: push.sessionId,
      node: 'node-1',
      user_ip: '203.0.113.7',
      stream_param: 'record=mp4',
      video_id: row.id,
      video_url: facts.videoUrl,
      file_id: row.id,
      record_file_id: row.id,
      file_format: 'mp4',
      file_size: 30_045_521,
      start_time: 1_496_220_622,
      end_time: 1_496_220_894,
      start_time_usec: 250_000,
      end_time_usec: 750_000,
      duration: 273,
      media_start_time: 40,
      callback_ext: JSON.stringify({
        video_codec: 'h264',
        resolution: '1280x720',
        session_id: push.sessionId,
      }),
      reason: 'interval',
      broadcast_id: push.sessionId,
      duration_ms: 272_500,
      start_time_ms: 1_496_220_622_250,
    });
  });

  it("carries a record task's id instead of the push parameters, as the reference does", () => {
    const body = JSON.parse(recordingPayload(origin, { ...row, taskId: '1700000000000123456' }, facts));
    expect(body.task_id).toBe('1700000000000123456');
    expect(body).not.toHaveProperty('stream_param');
  });

  it('names codecs the way Tencent does and leaves the resolution empty for audio-only files', () => {
    const ext = (patch: Partial<RecordingRow>) =>
      JSON.parse(JSON.parse(recordingPayload(origin, { ...row, ...patch }, facts)).callback_ext);
    expect(ext({ videoCodec: 'hvc1.1.6.L93.B0' }).video_codec).toBe('h265');
    expect(ext({ videoCodec: 'av01.0.04M.08' }).video_codec).toBe('av1');
    expect(ext({ videoCodec: null, width: null, height: null })).toMatchObject({
      video_codec: '',
      resolution: '',
    });
  });
});

describe('recording status payload (event 332)', () => {
  it('has the fields of the reference, record_detail as a JSON string', () => {
    const facts = {
      event: 'record_ended' as const,
      app: 'live',
      stream: 'cam7',
      sessionId: push.sessionId,
      taskId: undefined,
      format: 'hls' as const,
      seq: '1700000000000123456',
      eventTimeMs: 1_700_207_929_500,
    };
    expect(JSON.parse(recordingStatusPayload(origin, facts))).toEqual({
      appid: 1252033264,
      appname: 'live',
      domain: 'live.example.com',
      stream_id: 'cam7',
      event_time: 1_700_207_929,
      event_type: 332,
      record_event: 'record_ended',
      session_id: push.sessionId,
      seq: '1700000000000123456',
      record_detail: JSON.stringify({
        file_format: 2,
        record_bps: 0,
        start_model: 1,
        record_content: 1,
        source_type: 1,
        codec_temp_id: 0,
      }),
    });
    const task = JSON.parse(recordingStatusPayload(origin, { ...facts, taskId: '42', format: 'flv' }));
    expect(task.task_id).toBe('42');
    expect(JSON.parse(task.record_detail)).toMatchObject({ file_format: 1, start_model: 5 });
  });
});
