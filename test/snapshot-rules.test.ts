/**
 * Snapshot templates and rules through Tencent's official Node SDK against a real LiveTape: they round
 * trip, bad parameters are refused with the code and name the backend reads, and they take effect — a
 * real ffmpeg push a rule names gets callbacks 200 at its template's cadence and size (ffprobe reads the
 * JPEG), a push no rule names keeps the global SNAPSHOT_* settings until a rule created while it is live
 * takes it over at its next keyframe; with SNAPSHOT_INTERVAL=0 only the streams a rule names are taken.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallbackReceiver,
  callbackProblems,
  startCallbackReceiver,
} from './helpers/callback-receiver.js';
import { probe } from './helpers/media-probe.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { type LiveClient, liveClient, sdkError } from './helpers/tencent-sdk.js';

const SECRET_ID = 'AKIDsnapshotrules';
const SECRET_KEY = 'snapshot-rules-secret-key';
const CALLBACK_KEY = 'snapshot-rules-callback-key';
const DOMAIN = 'push.example.com';
const COS = { CosAppId: 1250000000, CosBucket: 'shots', CosRegion: 'ap-guangzhou' };

describe('snapshot templates and rules (API 3.0, official SDK)', () => {
  let t: TestServer;
  let client: LiveClient;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    t = await startTestServer({
      CALLBACK_URL: receiver.url,
      CALLBACK_KEY,
      APPID: '1252033264',
      TENCENT_API_SECRETS: `${SECRET_ID}:${SECRET_KEY}`,
      PUSH_DOMAIN: DOMAIN,
      SNAPSHOT_INTERVAL: '10',
      SNAPSHOT_WIDTH: '160',
      SNAPSHOT_HEIGHT: '0',
    });
    client = liveClient(t.server.httpPort, { secretId: SECRET_ID, secretKey: SECRET_KEY });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('refuses bad parameters with the code and the name of the parameter', async () => {
    const create = (extra: Record<string, unknown>) =>
      sdkError(client.CreateLiveSnapshotTemplate({ TemplateName: 'bad', ...COS, ...extra }));
    for (const [field, value] of [
      ['SnapshotInterval', 1],
      ['SnapshotInterval', 301],
      ['Width', 3001],
      ['Height', 2001],
      ['Width', -1],
      ['PornFlag', 2],
      ['TemplateName', 'no spaces'],
      ['SnapshotInterval', 'ten'],
    ] as const) {
      const error = await create({ [field]: value });
      expect(error.code, `${field}=${value}`).toBe('InvalidParameterValue');
      expect(error.message).toContain(`\`${field}\``);
    }
    const missing = await sdkError(
      client.CreateLiveSnapshotTemplate({ TemplateName: 'x', CosAppId: 1, CosRegion: 'r' } as never),
    );
    expect(missing).toMatchObject({ code: 'MissingParameter' });
    expect(missing.message).toContain('`CosBucket`');
    expect(
      await sdkError(client.CreateLiveSnapshotRule({ DomainName: DOMAIN, TemplateId: 999, AppName: 'live' })),
    ).toMatchObject({ code: 'InvalidParameter.ConfNotFound' });
    expect(await sdkError(client.DescribeLiveSnapshotTemplate({ TemplateId: 999 }))).toMatchObject({
      code: 'InternalError.ConfNotFound',
    });
    expect(await sdkError(client.DeleteLiveSnapshotTemplate({ TemplateId: 999 }))).toMatchObject({
      code: 'InternalError.ConfNotFound',
    });
    expect(
      await sdkError(client.DeleteLiveSnapshotRule({ DomainName: DOMAIN, AppName: 'live', StreamName: 'x' })),
    ).toMatchObject({ code: 'FailedOperation.NotFound' });
    expect(
      await sdkError(client.CreateLiveSnapshotRule({ DomainName: 'other.example.com', TemplateId: 1 })),
    ).toMatchObject({ code: 'ResourceNotFound' });
  });

  it('creates, describes, modifies and deletes templates and rules', async () => {
    const { TemplateId } = await client.CreateLiveSnapshotTemplate({
      TemplateName: 'round_trip',
      Description: 'covers',
      ...COS,
    });
    expect(TemplateId).toBeGreaterThan(0);
    const defaults = {
      TemplateId,
      TemplateName: 'round_trip',
      Description: 'covers',
      SnapshotInterval: 10,
      Width: 0,
      Height: 0,
      PornFlag: 0,
      ...COS,
      CosPrefix: '/{Year}-{Month}-{Day}',
      CosFileName: '{StreamID}-screenshot-{Hour}-{Minute}-{Second}-{Width}x{Height}{Ext}',
    };
    expect((await client.DescribeLiveSnapshotTemplate({ TemplateId: TemplateId! })).Template).toEqual(
      defaults,
    );
    await client.ModifyLiveSnapshotTemplate({
      TemplateId: TemplateId!,
      SnapshotInterval: 30,
      Width: 640,
    } as never);
    const { Templates } = await client.DescribeLiveSnapshotTemplates();
    expect(Templates).toContainEqual({ ...defaults, SnapshotInterval: 30, Width: 640 });

    await client.CreateLiveSnapshotRule({ DomainName: DOMAIN, TemplateId: TemplateId!, AppName: 'rt' });
    const { Rules } = await client.DescribeLiveSnapshotRules();
    expect(Rules).toContainEqual({
      CreateTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      UpdateTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      TemplateId,
      DomainName: DOMAIN,
      AppName: 'rt',
      StreamName: '',
    });
    expect(
      await sdkError(
        client.CreateLiveSnapshotRule({ DomainName: DOMAIN, TemplateId: TemplateId!, AppName: 'rt' }),
      ),
    ).toMatchObject({ code: 'FailedOperation.RuleAlreadyExist' });
    expect(await sdkError(client.DeleteLiveSnapshotTemplate({ TemplateId: TemplateId! }))).toMatchObject({
      code: 'FailedOperation.ConfInUsed',
    });
    await client.DeleteLiveSnapshotRule({ DomainName: DOMAIN, AppName: 'rt', StreamName: '' });
    await client.DeleteLiveSnapshotTemplate({ TemplateId: TemplateId! });
    expect((await client.DescribeLiveSnapshotRules()).Rules).not.toContainEqual(
      expect.objectContaining({ AppName: 'rt' }),
    );
    expect((await client.DescribeLiveSnapshotTemplates()).Templates).not.toContainEqual(
      expect.objectContaining({ TemplateId }),
    );
  });

  it("snapshots a stream a rule names at its template's cadence and size; others as SNAPSHOT_* says", async () => {
    const { TemplateId } = await client.CreateLiveSnapshotTemplate({
      TemplateName: 'every_two_seconds',
      SnapshotInterval: 2,
      Width: 320,
      Height: 0,
      ...COS,
    });
    await client.CreateLiveSnapshotRule({
      DomainName: DOMAIN,
      TemplateId: TemplateId!,
      AppName: 'live',
      StreamName: 'ruled',
    });
    const push = (stream: string) =>
      run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', stream), { seconds: 24, size: '640x360', gop: 30 }), {
        timeoutMs: 120_000,
      });
    const shotsOf = (stream: string) =>
      receiver.accepted.filter((c) => c.body.event_type === 200 && c.body.stream_id === stream);
    const pushes = [push('ruled'), push('later')];

    // No rule names `later`: the global settings (every 10 s, 160 wide) apply — until a rule does.
    const [global] = await waitFor(
      () => (shotsOf('later').length > 0 ? shotsOf('later') : undefined),
      30_000,
      'a global snapshot',
    );
    expect(global!.body).toMatchObject({ width: 160, height: 90 });
    await client.CreateLiveSnapshotRule({ DomainName: DOMAIN, TemplateId: TemplateId!, StreamName: 'later' });
    await waitFor(
      () => shotsOf('later').find((c) => c.body.width === 320),
      30_000,
      'a snapshot by the new rule',
    );

    for (const result of await Promise.all(pushes)) expect(result.stderr).toBe('');
    const shots = shotsOf('ruled');
    expect(shots.length).toBeGreaterThanOrEqual(6);
    for (const shot of shots) {
      expect(callbackProblems(shot, CALLBACK_KEY)).toEqual([]);
      expect(shot.body).toMatchObject({ width: 320, height: 180, appname: 'live' });
    }
    // One picture per 2 s of media (a keyframe each second); a decoder behind may skip one, never add one.
    const times = shots.map((s) => Number(s.body.create_time)).sort((a, b) => a - b);
    const gaps = times.slice(1).map((time, i) => time - times[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(2);
    expect(gaps.filter((gap) => gap === 2).length).toBeGreaterThan(gaps.length / 2);

    const dir = await mkdtemp(join(tmpdir(), 'livetape-snapshot-rules-'));
    try {
      const file = join(dir, 'shot.jpg');
      await writeFile(
        file,
        Buffer.from(await (await fetch(String(shots[0]!.body.pic_full_url))).arrayBuffer()),
      );
      const { streams } = await probe(file);
      expect(streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 320, height: 180 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 150_000);
});

describe('snapshot rules with SNAPSHOT_INTERVAL=0', () => {
  let t: TestServer;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    t = await startTestServer({
      CALLBACK_URL: receiver.url,
      APPID: '1252033264',
      TENCENT_API_SECRETS: `${SECRET_ID}:${SECRET_KEY}`,
      SNAPSHOT_INTERVAL: '0',
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('snapshots only the streams a rule names', async () => {
    const client = liveClient(t.server.httpPort, { secretId: SECRET_ID, secretKey: SECRET_KEY });
    const { TemplateId } = await client.CreateLiveSnapshotTemplate({
      TemplateName: 'chosen',
      SnapshotInterval: 2,
      ...COS,
    });
    await client.CreateLiveSnapshotRule({
      DomainName: DOMAIN,
      TemplateId: TemplateId!,
      StreamName: 'chosen',
    });
    const pushes = ['chosen', 'other'].map((stream) =>
      run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', stream), { seconds: 8, size: '320x240', gop: 30 }), {
        timeoutMs: 120_000,
      }),
    );
    for (const result of await Promise.all(pushes)) expect(result.stderr).toBe('');
    const snapshotsOf = (stream: string) =>
      receiver.accepted.filter((c) => c.body.event_type === 200 && c.body.stream_id === stream);
    const shots = await waitFor(
      () => (snapshotsOf('chosen').length >= 3 ? snapshotsOf('chosen') : undefined),
      30_000,
      'three snapshots of the stream the rule names',
    );
    expect(shots[0]!.body).toMatchObject({ width: 320, height: 240 });
    // Global snapshots stay off, and say so.
    const health = (await (await fetch(t.httpUrl('/healthz'))).json()) as { snapshots: unknown };
    expect(health.snapshots).toEqual({ enabled: false, reason: 'SNAPSHOT_INTERVAL is 0' });
    expect(snapshotsOf('other')).toEqual([]);
  }, 120_000);
});
