/**
 * Uploads survive `kill -9`: a file closed while the object store is down waits in the outbox; after
 * LiveTape is killed and restarted (and the store is back), it is uploaded and its callback delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../src/storage/s3-object-store.js';
import { type CallbackReceiver, startCallbackReceiver } from './helpers/callback-receiver.js';
import { countDecodedFrames, ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { restartableServer } from './helpers/restartable-server.js';
import { startS3rver, type TestS3 } from './helpers/s3rver.js';

describe('uploads across kill -9', () => {
  let s3: TestS3;
  let receiver: CallbackReceiver;
  const metric = async (name: string) => {
    const text = await (await fetch(server.running.httpUrl('/metrics'))).text();
    const line = text.split('\n').find((l) => l.startsWith(name));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  beforeAll(async () => {
    s3 = await startS3rver();
    receiver = await startCallbackReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await s3?.close();
  });
  const server = restartableServer('livetape-s3-crash-', () => ({
    ...s3.settings,
    CALLBACK_URL: receiver.url,
  }));

  it('uploads after the restart what was waiting when the process was killed', async () => {
    await s3.stop();
    const first = await server.start();
    const push = await run(
      'ffmpeg',
      ffmpegPushArgs(first.rtmpUrl('live', 'k9', 'record=flv'), { seconds: 3, gop: 30, realtime: false }),
    );
    expect(push.stderr).toBe('');
    await waitFor(
      async () =>
        (await metric('livetape_uploads_total{result="failed"}')) > 1 &&
        (await metric('livetape_uploads_pending')) === 1
          ? true
          : undefined,
      60_000,
      'a failing upload',
    );
    await server.kill();
    expect(receiver.accepted.filter((c) => c.body.event_type === 100)).toHaveLength(0);

    await s3.start();
    const second = await server.start();
    const [callback] = await waitFor(() => {
      const files = receiver.accepted.filter((c) => c.body.event_type === 100);
      return files.length > 0 ? files : undefined;
    }, 90_000);
    expect(callback!.body).toMatchObject({ stream_id: 'k9', file_format: 'flv' });
    const list = (await (await fetch(second.httpUrl('/api/v1/recordings?stream=k9'))).json()) as {
      recordings: Array<{ storageKey: string; sizeBytes: number }>;
    };
    expect(list.recordings).toHaveLength(1);
    const bucket = new S3ObjectStore(s3.config);
    try {
      const key = list.recordings[0]!.storageKey;
      expect((await bucket.head(key))?.size).toBe(list.recordings[0]!.sizeBytes);
      const frames = await countDecodedFrames(await bucket.presignGet(key, 300));
      expect(frames.video, frames.stderr).toBeGreaterThan(50);
    } finally {
      bucket.close();
    }
  }, 180_000);

  it('recovers a file a kill cut short, uploads it and calls back with reason recovered', async () => {
    const before = receiver.accepted.length;
    const push = run(
      'ffmpeg',
      ffmpegPushArgs(server.running.rtmpUrl('live', 'k9cut', 'record=flv'), {
        seconds: 30,
        gop: 30,
        realtime: true,
      }),
      { timeoutMs: 60_000 },
    );
    // Recording is under way once the push start is delivered; give the file a few seconds of media.
    await waitFor(() => receiver.accepted.slice(before).find((c) => c.body.event_type === 1), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await server.kill();
    await push;

    const restarted = await server.start();
    const recovered = await waitFor(
      () =>
        receiver.accepted
          .slice(before)
          .find((c) => c.body.event_type === 100 && c.body.stream_id === 'k9cut'),
      90_000,
      'the recovered file callback',
    );
    expect(recovered.body).toMatchObject({ file_format: 'flv', reason: 'recovered' });
    const list = (await (await fetch(restarted.httpUrl('/api/v1/recordings?stream=k9cut'))).json()) as {
      recordings: Array<{ storageKey: string; sizeBytes: number }>;
    };
    const bucket = new S3ObjectStore(s3.config);
    try {
      const key = list.recordings[0]!.storageKey;
      expect((await bucket.head(key))?.size).toBe(list.recordings[0]!.sizeBytes);
      const frames = await countDecodedFrames(await bucket.presignGet(key, 300));
      expect(frames.video, frames.stderr).toBeGreaterThan(30);
    } finally {
      bucket.close();
    }
  }, 180_000);
});
