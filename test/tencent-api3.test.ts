/**
 * Tencent's official Node SDK (`tencentcloud-sdk-nodejs`, `live.v20180801.Client`), unchanged but for its
 * endpoint, against a real LiveTape with a real ffmpeg push: every supported action, and the errors a
 * backend switches on. The endpoint `127.0.0.1:port` makes the SDK sign with service `127` (spec §1.4).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiCall } from './helpers/api.js';
import { type CallbackReceiver, startCallbackReceiver } from './helpers/callback-receiver.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type LiveClient, liveClient, sdkError } from './helpers/tencent-sdk.js';

const SECRET_ID = 'AKIDlivetapetest';
const SECRET_KEY = 'livetape-test-secret-key';

function clientFor(t: TestServer, options: { key?: string; method?: 'GET' | 'POST' } = {}): LiveClient {
  const credential = { secretId: SECRET_ID, secretKey: options.key ?? SECRET_KEY };
  return liveClient(t.server.httpPort, credential, options.method);
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('Tencent Cloud API 3.0 with the official SDK', () => {
  let t: TestServer;
  let client: LiveClient;
  let ffmpeg: ChildProcess;
  let exited: Promise<unknown>;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    t = await startTestServer({
      CALLBACK_URL: receiver.url,
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
    await receiver.close();
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

  it('forbids a stream name with a reason until resumed; the refused push is told and called back', async () => {
    const base = { AppName: 'live', DomainName: 'push.example.com', StreamName: 'banned1' };
    await client.ForbidLiveStream({
      ...base,
      Reason: 'spam',
      ResumeTime: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect((await client.DescribeLiveStreamState(base)).StreamState).toBe('forbid');
    const bans = await apiCall<{ bans: Array<{ stream: string; reason: string }> }>(t, '/api/v1/stream-bans');
    expect(bans.body.bans).toEqual([expect.objectContaining({ stream: 'banned1', reason: 'spam' })]);
    const push = () =>
      run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'banned1'), { seconds: 1, realtime: false }));
    expect((await push()).code).not.toBe(0);
    const refused = await waitFor(
      () => receiver.accepted.find((c) => c.body.event_type === 0 && c.body.stream_id === 'banned1'),
      20_000,
      'callback 0 of the refused push',
    );
    expect(refused.body.detail).toContain('spam');
    const badTime = await sdkError(client.ForbidLiveStream({ ...base, ResumeTime: 'tomorrow' }));
    expect(badTime.code).toBe('InvalidParameterValue');
    expect(badTime.message).toContain('ResumeTime');

    await client.ResumeLiveStream(base);
    expect((await client.DescribeLiveStreamState(base)).StreamState).toBe('inactive');
    expect((await push()).code).toBe(0);
    // The native API bans and lifts the same way.
    expect((await apiCall(t, '/api/v1/stream-bans/banned1', 'PUT', { reason: 'again' })).status).toBe(200);
    expect((await client.DescribeLiveStreamState(base)).StreamState).toBe('forbid');
    expect((await apiCall(t, '/api/v1/stream-bans/banned1', 'DELETE')).status).toBe(204);
    expect((await apiCall(t, '/api/v1/stream-bans/banned1', 'DELETE')).status).toBe(404);
  });

  it('manages recording templates and rules', async () => {
    const { TemplateId } = await client.CreateLiveRecordTemplate({
      TemplateName: 'cams_1',
      Description: 'cameras',
      FlvParam: { Enable: 1, RecordInterval: 600, StorageTime: 86400 },
      HlsSpecialParam: { FlowContinueDuration: 120 },
    });
    expect(TemplateId).toBeGreaterThan(0);
    const { Template } = await client.DescribeLiveRecordTemplate({ TemplateId: TemplateId! });
    expect(Template).toMatchObject({
      TemplateName: 'cams_1',
      FlvParam: { Enable: 1, RecordInterval: 600, StorageTime: 86400 },
      HlsParam: { Enable: 0 },
      HlsSpecialParam: { FlowContinueDuration: 120 },
    });
    await client.ModifyLiveRecordTemplate({ TemplateId: TemplateId!, Mp4Param: { Enable: 1 } });
    const { Templates } = await client.DescribeLiveRecordTemplates({});
    expect(Templates?.[0]).toMatchObject({ FlvParam: { Enable: 1 }, Mp4Param: { Enable: 1 } });

    const rule = { DomainName: 'push.example.com', AppName: 'live', StreamName: 'cam7' };
    await client.CreateLiveRecordRule({ ...rule, TemplateId: TemplateId! });
    expect((await sdkError(client.CreateLiveRecordRule({ ...rule, TemplateId: TemplateId! }))).code).toBe(
      'FailedOperation.RuleAlreadyExist',
    );
    expect(
      (await sdkError(client.CreateLiveRecordRule({ ...rule, StreamName: 'x', TemplateId: 999 }))).code,
    ).toBe('InvalidParameter.ConfNotFound');
    const { Rules } = await client.DescribeLiveRecordRules();
    expect(Rules).toEqual([
      expect.objectContaining({
        TemplateId,
        DomainName: 'push.example.com',
        AppName: 'live',
        StreamName: 'cam7',
      }),
    ]);
    expect(Rules?.[0]?.CreateTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect((await sdkError(client.DeleteLiveRecordTemplate({ TemplateId: TemplateId! }))).code).toBe(
      'FailedOperation.ConfInUsed',
    );
    await client.DeleteLiveRecordRule(rule);
    expect((await sdkError(client.DeleteLiveRecordRule(rule))).code).toBe('FailedOperation.NotFound');
    await client.DeleteLiveRecordTemplate({ TemplateId: TemplateId! });
    expect((await client.DescribeLiveRecordTemplates({})).Templates).toEqual([]);
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
