/**
 * Tencent's official Node SDK (`tencentcloud-sdk-nodejs`, `live.v20180801.Client`), unchanged but for its
 * endpoint, against a real LiveTape with a real ffmpeg push: every supported action, and the errors a
 * backend switches on. The endpoint `127.0.0.1:port` makes the SDK sign with service `127` (spec §1.4).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { live } from 'tencentcloud-sdk-nodejs/tencentcloud/services/live/index.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiCall } from './helpers/api.js';
import { ffmpegPushArgs, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SECRET_ID = 'AKIDlivetapetest';
const SECRET_KEY = 'livetape-test-secret-key';
type Client = InstanceType<typeof live.v20180801.Client>;

function clientFor(t: TestServer, options: { key?: string; method?: 'GET' | 'POST' } = {}): Client {
  return new live.v20180801.Client({
    credential: { secretId: SECRET_ID, secretKey: options.key ?? SECRET_KEY },
    region: 'ap-guangzhou',
    profile: {
      httpProfile: {
        endpoint: `127.0.0.1:${t.server.httpPort}`,
        protocol: 'http://',
        reqMethod: options.method ?? 'POST',
        reqTimeout: 30,
      },
    },
  });
}

async function sdkError(
  call: Promise<unknown>,
): Promise<{ code: string; message: string; requestId: string }> {
  try {
    await call;
  } catch (error) {
    return error as { code: string; message: string; requestId: string };
  }
  throw new Error('the call succeeded');
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('Tencent Cloud API 3.0 with the official SDK', () => {
  let t: TestServer;
  let client: Client;
  let ffmpeg: ChildProcess;
  let exited: Promise<unknown>;

  beforeAll(async () => {
    t = await startTestServer({
      TENCENT_API_SECRETS: `other:x,${SECRET_ID}:${SECRET_KEY}`,
      PUSH_DOMAIN: 'push.example.com',
      RECORD_INTERVAL_MIN: '1',
    });
    client = clientFor(t);
    ffmpeg = spawn('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'sdk1'), { seconds: 90, gop: 15 }), {
      stdio: 'ignore',
    });
    exited = new Promise((resolve) => ffmpeg.once('exit', resolve));
    await waitFor(() => t.server.hub.get('live', 'sdk1')?.videoConfig, 15_000, 'the push to be live');
  });
  afterAll(async () => {
    ffmpeg.kill('SIGKILL');
    await exited;
    await t.close();
  });

  it('lists the live stream and tells its state', async () => {
    const list = await client.DescribeLiveStreamOnlineList({
      DomainName: 'push.example.com',
      AppName: 'live',
    });
    expect(list.TotalNum).toBe(1);
    expect(list.OnlineInfo?.[0]).toMatchObject({
      StreamName: 'sdk1',
      AppName: 'live',
      DomainName: 'push.example.com',
    });
    expect(list.OnlineInfo?.[0]?.PublishTimeList?.[0]?.PublishTime).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(typeof list.RequestId).toBe('string');
    const state = (StreamName: string) =>
      client.DescribeLiveStreamState({ DomainName: 'push.example.com', AppName: 'live', StreamName });
    expect((await state('sdk1')).StreamState).toBe('active');
    expect((await state('nobody')).StreamState).toBe('inactive');
  });

  it('creates, describes, stops and deletes a record task; its file carries the task id', async () => {
    const created = await client.CreateRecordTask({
      StreamName: 'sdk1',
      AppName: 'live',
      DomainName: 'push.example.com',
      EndTime: nowSeconds() + 3600,
      TemplateId: 1000,
    });
    const taskId = created.TaskId!;
    expect(taskId).toMatch(/^\d{19}$/);
    const describe = () =>
      client.DescribeRecordTask({ StartTime: nowSeconds() - 600, EndTime: nowSeconds() + 3 * 86400 });
    const listed = await describe();
    expect(listed.ScrollToken).toBe('');
    expect(listed.TaskList).toEqual([
      expect.objectContaining({
        TaskId: taskId,
        StreamName: 'sdk1',
        AppName: 'live',
        DomainName: 'push.example.com',
        Stopped: 0,
      }),
    ]);
    await waitFor(
      async () => {
        const rows = await apiCall<{ recordings: Array<{ taskId: string }> }>(
          t,
          '/api/v1/recordings?status=all',
        );
        return rows.body.recordings.some((r) => r.taskId === taskId) ? true : undefined;
      },
      20_000,
      'the task to open a file',
    );
    await client.StopRecordTask({ TaskId: taskId });
    const file = await waitFor(
      async () => {
        const rows = await apiCall<{ recordings: Array<{ taskId: string; format: string }> }>(
          t,
          '/api/v1/recordings',
        );
        return rows.body.recordings.find((r) => r.taskId === taskId);
      },
      20_000,
      'the stopped task to finish its file',
    );
    expect(file.format).toBe('hls');
    expect((await describe()).TaskList?.[0]?.Stopped).toBeGreaterThan(0);
    await client.DeleteRecordTask({ TaskId: taskId });
    expect((await describe()).TaskList).toEqual([]);
    expect((await sdkError(client.StopRecordTask({ TaskId: taskId }))).code).toBe('InvalidParameter');
  });

  it('accepts GET requests, whose values all arrive as strings', async () => {
    const created = await clientFor(t, { method: 'GET' }).CreateRecordTask({
      StreamName: 'later',
      AppName: 'live',
      DomainName: 'push.example.com',
      StartTime: nowSeconds() + 3600,
      EndTime: nowSeconds() + 7200,
    });
    expect(created.TaskId).toMatch(/^\d{19}$/);
    await client.DeleteRecordTask({ TaskId: created.TaskId! });
  });

  it('refuses bad values naming the field, unknown actions and other domains', async () => {
    const base = { StreamName: 'sdk1', AppName: 'live', DomainName: 'push.example.com' };
    const past = await sdkError(client.CreateRecordTask({ ...base, EndTime: nowSeconds() - 10 }));
    expect(past.code).toBe('InvalidParameterValue');
    expect(past.message).toContain('EndTime');
    const long = await sdkError(
      client.CreateRecordTask({ ...base, StartTime: nowSeconds(), EndTime: nowSeconds() + 25 * 3600 }),
    );
    expect(long).toMatchObject({ code: 'InvalidParameterValue' });
    const badName = await sdkError(
      client.CreateRecordTask({ ...base, StreamName: '../x', EndTime: nowSeconds() + 60 }),
    );
    expect(badName.code).toBe('InvalidParameterValue');
    expect(badName.message).toContain('StreamName');
    const missing = await sdkError(client.request('CreateRecordTask', { AppName: 'live', EndTime: 1 }));
    expect(missing).toMatchObject({ code: 'MissingParameter' });
    const unknown = await sdkError(client.request('DescribeLiveDomains', {}));
    expect(unknown.code).toBe('InvalidAction');
    expect(typeof unknown.requestId).toBe('string');
    const domain = await sdkError(
      client.DescribeLiveStreamState({
        AppName: 'live',
        StreamName: 'sdk1',
        DomainName: 'elsewhere.example.com',
      }),
    );
    expect(domain.code).toBe('ResourceNotFound');
  });

  it('refuses a wrong key and an expired signature', async () => {
    const wrong = await sdkError(clientFor(t, { key: 'not-the-key' }).DescribeLiveStreamOnlineList({}));
    expect(wrong.code).toBe('AuthFailure.SignatureFailure');
    // The SDK takes its timestamp from `new Date().getTime()`; the server reads Date.now().
    const real = Date.prototype.getTime;
    const spy = vi.spyOn(Date.prototype, 'getTime').mockImplementation(function (this: Date) {
      return real.call(this) - 600_000;
    });
    try {
      const expired = await sdkError(client.DescribeLiveStreamOnlineList({}));
      expect(expired.code).toBe('AuthFailure.SignatureExpire');
    } finally {
      spy.mockRestore();
    }
  });

  it('drops the push, and succeeds for a stream that is not live', async () => {
    const base = { AppName: 'live', DomainName: 'push.example.com' };
    await client.DropLiveStream({ ...base, StreamName: 'nobody' });
    await client.DropLiveStream({ ...base, StreamName: 'sdk1' });
    await waitFor(
      () => (t.server.hub.get('live', 'sdk1') ? undefined : true),
      10_000,
      'the push to be dropped',
    );
  });
});

describe('Tencent Cloud API 3.0 without TENCENT_API_SECRETS', () => {
  it('is not served', async () => {
    const t = await startTestServer();
    try {
      const res = await fetch(t.httpUrl('/'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-tc-action': 'DescribeLiveStreamOnlineList' },
        body: '{}',
      });
      expect(res.status).toBe(404);
      expect((await fetch(t.httpUrl('/'), { redirect: 'manual' })).status).toBe(302);
    } finally {
      await t.close();
    }
  });
});
