/**
 * The manager's start-up work over an in-memory target, with the clock passed in: crash recovery of
 * torn FLV and MP4 files (through the same file events as live recordings), and the sweep of files no
 * catalog row names. No socket, no disk, no sleep.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { flvToPackets, makeTestFlv } from '../../test/helpers/flv-packets.js';
import { classicMovieDurationMs, readMovie } from '../container/mp4/movie-read.js';
import { StreamHub } from '../live/hub.js';
import { createLogger } from '../log.js';
import { readFlvTagHeader, readFlvTags } from '../media/flv-file.js';
import type { AudioConfig, MediaPacket, VideoConfig } from '../media/packet.js';
import { MemoryTarget } from '../storage/memory-target.js';
import type { FileClosedEvent } from './events.js';
import { FlvContainer } from './flv-container.js';
import { type OpenRecording, RecordingManager } from './manager.js';
import { Mp4Container } from './mp4-container.js';

const NOW = Date.parse('2026-03-04T12:00:00Z');
const MINUTE = 60_000;

let media: { packets: MediaPacket[]; videoConfig?: VideoConfig; audioConfig?: AudioConfig };
beforeAll(async () => {
  media = flvToPackets(await readFile(await makeTestFlv({ seconds: 6, gop: 30 })));
});

async function setUp(target: MemoryTarget) {
  const closed: FileClosedEvent[] = [];
  const manager = await RecordingManager.start({
    hub: new StreamHub({ enabled: false, maxBytes: 0 }),
    settingsStore: { load: async () => undefined, save: async () => undefined },
    target,
    backlog: { stream: { high: 1 << 30, low: 1 << 29 }, total: { high: 1 << 30, low: 1 << 29 } },
    log: createLogger('silent'),
    defaults: { formats: [], intervalSec: 1800, hlsResumeWindowSec: 0 },
    intervalMinSec: 1,
    intervalMaxSec: 86400,
    hlsSegmentDurationMs: 2000,
    fileOptions: { syncIntervalMs: 1e9, coalesceBytes: 64 * 1024, coalesceMs: 1e9, stallTimeoutMs: 1e9 },
    events: {
      fileOpened: async () => undefined,
      fileClosed: async (e) => {
        closed.push(e);
      },
    },
    newId: () => '1'.padStart(19, '0'),
    now: () => NOW,
  });
  return { manager, closed };
}

/** Every byte a container writes for the whole test push, as a crash leaves it: nothing patched, no tail. */
function unfinished(container: FlvContainer | Mp4Container): Buffer {
  const parts = [...container.start()];
  for (const p of media.packets) parts.push(...(container.write(p) ?? []));
  return Buffer.concat(parts);
}

const tracks = () => ({ video: media.videoConfig, audio: media.audioConfig });

function openRow(id: string, format: OpenRecording['format'], storageKey: string): OpenRecording {
  return { id, format, storageKey, startTime: NOW - MINUTE, durationMs: 0, sizeBytes: 0 };
}

/** The FLV tags of `bytes` that end (PreviousTagSize included) at or before `cut`. */
function completeTags(bytes: Buffer, cut: number) {
  const tags: Array<{ type: number; timestamp: number }> = [];
  for (let pos = 13; ; ) {
    const tag = readFlvTagHeader(bytes, pos);
    if (tag === undefined || tag.next > cut) return tags;
    tags.push({ type: tag.type, timestamp: tag.timestamp });
    pos = tag.next;
  }
}

describe('crash recovery over the storage target', () => {
  it('cuts a torn FLV after its last complete tag and writes the real duration into its metadata', async () => {
    const whole = unfinished(new FlvContainer(tracks(), media.packets[0]!.dts, 1000));
    const cut = Math.floor(whole.length * 0.7);
    const target = new MemoryTarget(() => NOW);
    const key = 'live/cam/2026-03-04/cam_20260304-115900.flv';
    await target.put(key, whole.subarray(0, cut));
    const { manager, closed } = await setUp(target);

    expect(await manager.recover([openRow('1', 'flv', key)])).toBe(1);

    const kept = completeTags(whole, cut);
    const recovered = target.bytes(key);
    const tags = [...readFlvTags(recovered)]; // throws on a torn tag
    expect(tags.map((t) => ({ type: t.type, timestamp: t.timestamp }))).toEqual(kept);
    const lastMs = Math.max(...kept.map((t) => t.timestamp));
    expect(closed).toEqual([
      {
        id: '1',
        kept: true,
        endTime: NOW - MINUTE + lastMs,
        sizeBytes: recovered.length,
        durationMs: lastMs,
        reason: 'recovered',
      },
    ]);
    const duration = tags[0]!.body.indexOf(Buffer.from('duration', 'latin1'));
    expect(tags[0]!.body.readDoubleBE(duration + 'duration'.length + 1)).toBe(lastMs / 1000);
  });

  it('turns a torn fragmented MP4 into a fast-start file holding its complete fragments', async () => {
    const whole = unfinished(new Mp4Container(tracks()));
    const cut = Math.floor(whole.length * 0.6);
    const target = new MemoryTarget(() => NOW);
    const key = 'live/cam/2026-03-04/cam_20260304-115900.mp4';
    await target.put(key, whole.subarray(0, cut));
    await target.put(`${key}.faststart-partial`, Buffer.from('a rewrite the crash interrupted'));
    const { manager, closed } = await setUp(target);

    expect(await manager.recover([openRow('2', 'mp4', key)])).toBe(1);

    expect(target.keys()).toEqual([key]);
    const bytes = target.bytes(key);
    const read = async (offset: number, length: number) => bytes.subarray(offset, offset + length);
    const durationMs = await classicMovieDurationMs(read, bytes.length);
    const movie = await readMovie(read, bytes.length);
    const video = movie.tracks.find((t) => t.codec === 'avc1')!;
    const pushedVideo = media.packets.filter((p) => p.kind === 'video').length;
    // About 60 % of the push survives, less at most the fragment (~1 s) that was being written.
    expect(video.samples.count).toBeGreaterThan(pushedVideo * 0.6 - 40);
    expect(video.samples.count).toBeLessThan(pushedVideo * 0.6 + 1);
    expect(closed).toEqual([
      expect.objectContaining({
        id: '2',
        kept: true,
        reason: 'recovered',
        sizeBytes: bytes.length,
        durationMs,
      }),
    ]);
  });

  it('removes a file with no media and one that is gone, cataloging both as not kept', async () => {
    const target = new MemoryTarget(() => NOW);
    const empty = 'live/cam/2026-03-04/cam_20260304-115900.flv';
    await target.put(empty, unfinished(new FlvContainer(tracks(), 0, 1000)).subarray(0, 13));
    const { manager, closed } = await setUp(target);

    expect(
      await manager.recover([
        openRow('3', 'flv', empty),
        openRow('4', 'mp4', 'live/cam/2026-03-04/cam_20260304-115901.mp4'),
      ]),
    ).toBe(0);

    expect(target.keys()).toEqual([]);
    expect(closed).toEqual([
      { id: '3', kept: false },
      { id: '4', kept: false },
    ]);
  });
});

describe('sweeping files no catalog row names', () => {
  it('removes old uncataloged recordings and stray rewrites, keeps cataloged, young and non-recording files', async () => {
    let modifiedAt = NOW - 60 * MINUTE;
    const target = new MemoryTarget(() => modifiedAt);
    const day = 'live/cam/2026-03-04';
    const orphans = [
      `${day}/cam_20260304-100000.flv`, // created just before a crash, its row never inserted
      `${day}/cam_20260304-100000/.reserve`, // an HLS folder in the same state
      `${day}/cam_20260304-090000.mp4.faststart-partial`,
    ];
    const kept = [
      `${day}/cam_20260304-080000.mp4`,
      `${day}/cam_20260304-080000/index.m3u8`,
      `${day}/cam_20260304-080000/000000.ts`,
      `${day}/cam_20260304-080000-poster.jpg`,
      'snapshots/live/cam/latest.jpg',
    ];
    for (const key of [...orphans, ...kept]) await target.put(key, Buffer.from('x'));
    modifiedAt = NOW - 2 * MINUTE; // another process's file whose row is a moment away
    const young = `${day}/cam_20260304-115800.flv`;
    await target.put(young, Buffer.from('x'));
    const { manager } = await setUp(target);
    const asked: string[] = [];

    const removed = await manager.sweepOrphans(async (keys) => {
      asked.push(...keys);
      return new Set(keys.filter((k) => k.includes('080000')));
    });

    expect(removed).toBe(3);
    expect(target.keys()).toEqual([...kept, young].sort());
    // An HLS recording is looked up by its playlist, which is what its row names.
    expect(asked).toContain(`${day}/cam_20260304-080000/index.m3u8`);
    expect(asked).not.toContain(young);
  });
});
