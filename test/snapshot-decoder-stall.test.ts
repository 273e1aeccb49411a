/**
 * A snapshot decoder that holds back more frames than the push-through copies cover must not stop a
 * stream's snapshots: here the `ffmpeg` on the PATH is a wrapper that gives the decoder its input only
 * when the input ends (the worst case), and the pictures still come during the push, because an overdue
 * decoder is flushed and replaced.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallbackReceiver, startCallbackReceiver } from './helpers/callback-receiver.js';
import { ffmpegPushArgs, run } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('a snapshot decoder that holds its pictures back', () => {
  let t: TestServer;
  let receiver: CallbackReceiver;
  let dir: string;
  const path = process.env.PATH;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livetape-stalling-ffmpeg-'));
    const real = (await run('sh', ['-c', 'command -v ffmpeg'])).stdout.trim();
    // The snapshot decoder (the only ffmpeg writing image2pipe) reads all its input before it decodes.
    await writeFile(
      join(dir, 'ffmpeg'),
      `#!/bin/sh\ncase "$*" in *image2pipe*) cat > "$0.$$.in"; exec '${real}' "$@" < "$0.$$.in";; esac\nexec '${real}' "$@"\n`,
    );
    await chmod(join(dir, 'ffmpeg'), 0o755);
    process.env.PATH = `${dir}:${path}`;
    receiver = await startCallbackReceiver();
    t = await startTestServer({ SNAPSHOT_INTERVAL: '2', CALLBACK_URL: receiver.url, APPID: '1252033264' });
  });
  afterAll(async () => {
    process.env.PATH = path;
    await t?.close();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('still sends snapshots while the stream is live', async () => {
    const push = await run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'stall'), { seconds: 16, gop: 30 }), {
      timeoutMs: 120_000,
    });
    expect(push.stderr).toBe('');
    const duringPush = receiver.accepted.filter((c) => c.body.event_type === 200);
    expect(duringPush.length).toBeGreaterThanOrEqual(2);
  }, 150_000);
});
