import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RtmpClient } from '../../src/rtmp/client.js';
import { HANDSHAKE_SIZE } from '../../src/rtmp/handshake.js';
import type { BenchMedia, MediaTag } from './bench-media.js';
import { type FloorMode, NodeFloorServer } from './node-floor-server.js';
import { connectPublishers, pacePublishers } from './paced-publishers.js';
import { runScenario } from './scenario.js';
import { nodeFloor } from './scenarios.js';

/**
 * One second of 30 fps video and 45 audio frames a second, looped: the video frames are larger than the
 * client's 4 KiB chunks, so messages span chunks (and reads).
 */
function media(): BenchMedia {
  const frames: MediaTag[] = [];
  const audio = (timestamp: number): MediaTag => ({
    kind: 'audio',
    timestamp,
    body: Buffer.alloc(300, 1),
    keyframe: false,
  });
  for (let i = 0; i < 30; i++) {
    const timestamp = Math.round((i * 1000) / 30);
    frames.push({
      kind: 'video',
      timestamp,
      body: Buffer.alloc(i === 0 ? 20_000 : 6000, i),
      keyframe: i === 0,
    });
    frames.push(audio(timestamp));
    if (i % 2 === 0) frames.push(audio(timestamp + 17));
  }
  const headers: MediaTag[] = [
    { kind: 'video', timestamp: 0, body: Buffer.from([0x17, 0, 0, 0, 0]), keyframe: true },
    { kind: 'audio', timestamp: 0, body: Buffer.from([0xaf, 0, 0x12, 0x10]), keyframe: false },
  ];
  return { metadata: { width: 1280 }, headers, frames, periodMs: 1000, gopMs: 1000, gopBytes: 0, bitrate: 0 };
}

/** A peer that does a valid handshake and then sends bytes no chunk stream starts with. */
function garbagePeer(port: number): { socket: Socket; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  const c0c1c2 = Buffer.concat([Buffer.of(3), Buffer.alloc(2 * HANDSHAKE_SIZE)]);
  // A type 2 header on a chunk stream never opened: no reader can follow it.
  socket.write(Buffer.concat([c0c1c2, Buffer.from([0x85, 0, 0, 1])]));
  return { socket, closed: new Promise((resolve) => socket.on('close', () => resolve())) };
}

describe.each(['raw', 'parse'] as FloorMode[])('the Node floor receiver, %s mode', (mode) => {
  let server: NodeFloorServer;
  beforeAll(async () => {
    server = await NodeFloorServer.start({ mode, fromSources: true });
  });
  afterAll(() => server?.stop());

  it('takes real publishes and counts their video messages exactly, while a garbage peer is disconnected', async () => {
    const streams = ['one', 'two'];
    const clients: RtmpClient[] = await connectPublishers(streams.map((s) => server.rtmpUrl(s)));
    const port = Number(new URL(server.rtmpUrl('x').replace('rtmp:', 'http:')).port);
    const garbage = garbagePeer(port);
    const pushed = pacePublishers(clients, media(), { durationMs: 2500, staggerMs: 500 });
    // Disconnected for what it sent, not for never publishing (30 s): while the pushes go on.
    const garbageFirst = await Promise.race([garbage.closed.then(() => true), pushed.then(() => false)]);
    const sent = await pushed;
    await Promise.all(clients.map((c) => c.close()));
    const stats = await server.waitUntilClosed(streams);

    expect(garbageFirst).toBe(true);
    expect(sent.map((p) => p.failure)).toEqual([undefined, undefined]);
    for (const [i, s] of streams.entries()) {
      expect(stats[s]!.videoMessages).toBe(sent[i]!.videoFramesSent + 1); // + the sequence header
      expect(stats[s]!.audioMessages).toBeGreaterThan(0);
      expect(stats[s]!.bytes).toBeGreaterThan(sent[i]!.bytesSent);
      expect(stats[s]!.sharedBuffer).toBe(true);
    }
    expect(sent[0]!.videoFramesSent).toBe(75);
  });
});

describe('runScenario with a warm-up, on the Node floor receiver', () => {
  it('pushes the warm-up under other names and closes it before the measured pushes, whose frames all count', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floor-warm-up-'));
    try {
      const scenario = nodeFloor({ mode: 'raw', fromSources: true, media: media() });
      const figures: Array<Record<string, { closed: boolean; videoMessages: number }>> = [];
      const { result } = await runScenario(
        // Read the receiver's figures before runScenario stops it.
        {
          ...scenario,
          settle: async (server, streams) => void figures.push(await server.waitUntilClosed(streams)),
        },
        dir,
        { streams: 2, seconds: 2, warmUpSeconds: 1, playersPerStream: 0, media: media() },
      );
      expect(result.failures).toEqual([]);
      expect(result.videoFramesSent).toBe(2 * 60);
      expect(result.videoFramesDelivered).toBe(result.videoFramesSent);
      expect(result.deliveredBy).toBe('receiver');
      // The warm-up's settle, then the measured one's; by then the warm-up pushes had 30 frames (+ header) each.
      const measured = figures[1]!;
      expect(Object.keys(measured).sort()).toEqual(['bench0', 'bench1', 'warmup0', 'warmup1']);
      expect(measured.warmup0).toEqual(expect.objectContaining({ closed: true, videoMessages: 31 }));
      expect(Object.keys(figures[0]!).sort()).toEqual(['warmup0', 'warmup1']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
