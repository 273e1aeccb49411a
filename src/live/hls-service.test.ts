import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flvToPackets, makeTestFlv } from '../../test/helpers/flv-packets.js';
import { waitFor } from '../../test/helpers/process.js';
import { parseMediaPlaylist } from '../container/hls/playlist.js';
import { MediaPacketizer } from '../media/packetizer.js';
import { SPILL_FOLDER } from '../storage/segment-spill.js';
import { LiveHlsService } from './hls-service.js';
import { StreamHub } from './hub.js';

/** 1 s segments, 2 listed without DVR. */
const OPTIONS = { targetDurationMs: 1000, windowSize: 2, dvrWindowMs: 60_000, idleMs: 60_000 };

describe('LiveHlsService with a DVR window', () => {
  let dataDir: string;
  let media: ReturnType<typeof flvToPackets>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'livetape-hls-service-'));
    media = flvToPackets(await readFile(await makeTestFlv({ seconds: 12, gop: 30 })));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  function publish(hub: StreamHub, sessionId: string) {
    const stream = hub.publish({
      sessionId,
      app: 'live',
      stream: 'dvr',
      streamParam: '',
      remoteAddress: '127.0.0.1',
      protocol: 'rtmp',
      startedAt: Date.now(),
    });
    stream.setConfig(media.videoConfig!);
    stream.setConfig(media.audioConfig!);
    for (const packet of media.packets) stream.push(packet);
    return stream;
  }

  it('packages from the publish, moves every finished segment to disk and serves it from there', async () => {
    const hub = new StreamHub({ enabled: true, maxBytes: 1 << 24 });
    const service = new LiveHlsService(hub, { ...OPTIONS, dataDir });
    try {
      const stream = publish(hub, 'push-1');
      const stats = await waitFor(() => {
        const now = service.statsOf(stream)!;
        return now.onDiskSegments >= 7 ? now : undefined;
      });
      expect(stats.inMemoryBytes).toBe(0);
      expect(stats.segments).toBe(stats.inMemorySegments + stats.onDiskSegments);
      const packager = service.packagerFor(stream);
      const listed = parseMediaPlaylist(packager.playlist((seq) => `${seq}.ts`));
      expect(listed.mediaSequence).toBe(0);
      expect(listed.segments.length).toBe(stats.segments);
      const folder = join(dataDir, SPILL_FOLDER, 'push-1');
      const first = (await packager.segment(0))!;
      expect((await readdir(folder)).sort()).toContain('0.rec');
      expect(first.length % 188).toBe(0);
      expect(first[0]).toBe(0x47);
      // Muxed again from the spill (not the cache): the same bytes.
      packager.releaseMuxed();
      expect((await packager.segment(0))!.equals(first)).toBe(true);

      // The push ends: its playlist stays readable; a new push of the stream retires it and its folder.
      hub.unpublish(stream, 'deleteStream');
      expect(service.endedPackager('live', 'dvr')).toBe(packager);
      expect(existsSync(folder)).toBe(true);
      publish(hub, 'push-2');
      await waitFor(() => (existsSync(folder) ? undefined : true));
    } finally {
      await service.close();
    }
    expect(await readdir(join(dataDir, SPILL_FOLDER))).toEqual([]);
  });

  it('takes an audio codec announced on a packet (no sequence header) as a new configuration', async () => {
    const hub = new StreamHub({ enabled: true, maxBytes: 1 << 24 });
    const sinkErrors: unknown[] = [];
    hub.on('sinkError', (_stream, _sink, error) => sinkErrors.push(error));
    const service = new LiveHlsService(hub, { ...OPTIONS, dataDir });
    try {
      const stream = publish(hub, 'push-codec');
      const packager = service.packagerFor(stream);
      const before = service.statsOf(stream)!.segments;
      expect(before).toBeGreaterThan(0);
      // G.711 A-law (FLV sound format 7): a codec MPEG-TS does not carry; its config rides on the packet.
      const last = media.packets.at(-1)!;
      const alaw = new MediaPacketizer().audio(last.dts + 20, Buffer.from([0x72, 1, 2, 3, 4]));
      expect(alaw).toMatchObject({ kind: 'audio', config: { codec: 'other' } });
      stream.push(alaw as Parameters<typeof stream.push>[0]);
      expect(sinkErrors).toEqual([]);
      // What was packaged stays listed; the packager now says why it cannot go on.
      expect(
        parseMediaPlaylist(packager.playlist((seq) => `${seq}.ts`)).segments.length,
      ).toBeGreaterThanOrEqual(before);
    } finally {
      await service.close();
    }
  });

  it('lists no segment the disk refused, and says so', async () => {
    const blocked = join(dataDir, 'not-a-folder');
    await writeFile(blocked, '');
    const hub = new StreamHub({ enabled: true, maxBytes: 1 << 24 });
    const errors: unknown[] = [];
    const service = new LiveHlsService(hub, {
      ...OPTIONS,
      dataDir: blocked,
      onSpillError: (_stream, error) => errors.push(error),
    });
    try {
      const stream = publish(hub, 'push-3');
      const packager = service.packagerFor(stream);
      await waitFor(() => (errors.length > 0 && service.statsOf(stream)!.segments === 0 ? true : undefined));
      expect(parseMediaPlaylist(packager.playlist((seq) => `${seq}.ts`)).segments).toEqual([]);
      expect(await packager.segment(0)).toBeUndefined();
    } finally {
      await service.close();
    }
  });
});
