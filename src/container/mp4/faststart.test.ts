import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aacConfig, avcConfig, scannedTrack } from '../../../test/helpers/media-configs.js';
import { run } from '../../../test/helpers/process.js';
import type { AudioConfig, VideoConfig } from '../../media/packet.js';
import { BoxCursor, type BoxSpan, boxAt, childBoxes, requireChild } from './box-reader.js';
import { planFastStart } from './faststart.js';
import { SampleIndex } from './sample-index.js';
import type { ScannedMp4, ScannedTrack } from './scanned-mp4.js';

const aac = aacConfig();

const avc = avcConfig();

interface SyntheticSample {
  offset: number;
  size: number;
  duration: number;
  compositionOffset?: number;
  sync?: boolean;
}

function track(
  config: AudioConfig | VideoConfig,
  trackId: number,
  samples: SyntheticSample[],
  baseDecodeTime = 0,
) {
  const index = new SampleIndex();
  index.baseDecodeTime = baseDecodeTime;
  for (const s of samples)
    index.append(s.offset, s.size, s.duration, s.compositionOffset ?? 0, s.sync ?? true);
  return scannedTrack(config, trackId, index);
}

function scanOf(...tracks: ScannedTrack[]): ScannedMp4 {
  return { tracks, fragmentCount: 1, validEnd: 0, truncatedAt: undefined };
}

/** The box at `path` (the `trakIndex`-th trak where the path passes a trak) in a plan's head. */
function find(head: Buffer, path: string[], trakIndex = 0): BoxSpan {
  // The head ends in an mdat header whose payload is not there: walk the top level only up to the moov.
  let span = boxAt(head, 0, head.length)!;
  while (span.type !== path[0]) span = boxAt(head, span.end, head.length - span.end)!;
  for (const type of path.slice(1)) {
    span =
      type === 'trak'
        ? [...childBoxes(head, span.bodyStart, span.end)].filter((b) => b.type === 'trak')[trakIndex]!
        : requireChild(head, span, type);
  }
  return span;
}

/** Entries of a table box: a count, then `width`-byte unsigned fields. */
function tableEntries(bytes: Buffer, span: BoxSpan, fieldsPerEntry: number, width: 4 | 8): number[] {
  const cursor = new BoxCursor(bytes, span);
  cursor.versionAndFlags();
  const count = cursor.u32();
  const values: number[] = [];
  for (let i = 0; i < count * fieldsPerEntry; i++) values.push(width === 8 ? cursor.u64() : cursor.u32());
  return values;
}

function elstEntries(head: Buffer, trakIndex: number) {
  const elst = find(head, ['moov', 'trak', 'edts', 'elst'], trakIndex);
  const cursor = new BoxCursor(head, elst);
  expect(cursor.versionAndFlags().version).toBe(0);
  const count = cursor.u32();
  return Array.from({ length: count }, () => {
    const entry = { segmentDuration: cursor.u32(), mediaTime: cursor.i32() };
    cursor.skip(4);
    return entry;
  });
}

function trakChildren(head: Buffer, trakIndex: number): string[] {
  const trak = find(head, ['moov', 'trak'], trakIndex);
  return [...childBoxes(head, trak.bodyStart, trak.end)].map((b) => b.type);
}

const STBL = ['moov', 'trak', 'mdia', 'minf', 'stbl'];

describe('planFastStart layout', () => {
  it('merges each fragment’s samples into one copy range and makes one chunk per track per fragment', () => {
    // Two fragments: [moof 100 B][mdat hdr 8][3 video][2 audio], interleaved as the writer does.
    const video: SyntheticSample[] = [];
    const audio: SyntheticSample[] = [];
    let at = 0;
    for (let f = 0; f < 2; f++) {
      at += 108;
      for (let i = 0; i < 3; i++, at += 1000)
        video.push({ offset: at, size: 1000, duration: 3000, sync: i === 0 });
      for (let i = 0; i < 2; i++, at += 50 + i) audio.push({ offset: at, size: 50 + i + 1, duration: 1024 });
    }
    const plan = planFastStart(scanOf(track(avc, 1, video), track(aac, 2, audio)));
    expect(plan.copy).toEqual([
      { offset: 108, length: 3103 },
      { offset: 108 + 3103 + 108, length: 3103 },
    ]);
    const head = plan.head;
    expect(head.readUInt32BE(head.length - 8)).toBe(8 + 2 * 3103); // mdat size covers the copied payload
    const payloadStart = head.length;
    expect(tableEntries(head, find(head, [...STBL, 'stco'], 0), 1, 4)).toEqual([
      payloadStart,
      payloadStart + 3103,
    ]);
    expect(tableEntries(head, find(head, [...STBL, 'stco'], 1), 1, 4)).toEqual([
      payloadStart + 3000,
      payloadStart + 3103 + 3000,
    ]);
    expect(tableEntries(head, find(head, [...STBL, 'stsc'], 0), 3, 4)).toEqual([1, 3, 1]);
    expect(tableEntries(head, find(head, [...STBL, 'stss'], 0), 1, 4)).toEqual([1, 4]);
    expect(tableEntries(head, find(head, [...STBL, 'stts'], 1), 2, 4)).toEqual([4, 1024]);
    expect(plan.durationMs).toBe(200);
  });

  it('uses co64 and a 64-bit mdat size past 4 GiB, with offsets that land on every sample', () => {
    // 4600 one-MiB audio samples spread over 4.8 GB of source file, in 46 fragments.
    const MiB = 1 << 20;
    const samples: SyntheticSample[] = [];
    for (let f = 0; f < 46; f++) {
      for (let i = 0; i < 100; i++)
        samples.push({ offset: 500 + f * (100 * MiB + 1000) + i * MiB, size: MiB, duration: 1024 });
    }
    const plan = planFastStart(scanOf(track(aac, 1, samples)));
    const payload = samples.length * MiB;
    expect(plan.copy.length).toBe(46);
    expect(plan.copy.reduce((n, r) => n + r.length, 0)).toBe(payload);
    const mdat = plan.head.subarray(plan.head.length - 16);
    expect(mdat.readUInt32BE(0)).toBe(1);
    expect(mdat.toString('latin1', 4, 8)).toBe('mdat');
    expect(Number(mdat.readBigUInt64BE(8))).toBe(payload + 16);
    const offsets = tableEntries(plan.head, find(plan.head, [...STBL, 'co64']), 1, 8);
    expect(offsets.length).toBe(46);
    offsets.forEach((offset, f) => {
      expect(offset).toBe(plan.head.length + f * 100 * MiB);
    });
    expect(offsets.at(-1)).toBeGreaterThan(2 ** 32);
  });

  it('keeps stco and a 32-bit mdat just below 4 GiB', () => {
    const samples = [{ offset: 100, size: 2 ** 32 - 10_000, duration: 1024 }];
    const plan = planFastStart(scanOf(track(aac, 1, samples)));
    expect(plan.head.readUInt32BE(plan.head.length - 8)).toBe(2 ** 32 - 10_000 + 8);
    expect(tableEntries(plan.head, find(plan.head, [...STBL, 'stco']), 1, 4)).toEqual([plan.head.length]);
  });

  it('is read by ffprobe past 4 GiB (sparse file: head, then a hole for the payload)', async () => {
    const MiB = 1 << 20;
    const samples: SyntheticSample[] = [];
    for (let i = 0; i < 4200; i++) samples.push({ offset: i * MiB, size: MiB, duration: 1024 });
    const plan = planFastStart(scanOf(track(aac, 1, samples)));
    const dir = await mkdtemp(join(tmpdir(), 'livetape-faststart-'));
    try {
      const path = join(dir, 'big.mp4');
      await writeFile(path, plan.head);
      await truncate(path, plan.head.length + samples.length * MiB);
      const probed = await run('ffprobe', [
        ...['-v', 'error', '-of', 'json', '-show_entries', 'stream=codec_name,nb_frames:format=size'],
        path,
      ]);
      const json = JSON.parse(probed.stdout) as {
        streams: { codec_name: string; nb_frames: string }[];
        format: { size: string };
      };
      expect(json.streams).toEqual([{ codec_name: 'aac', nb_frames: '4200' }]);
      expect(Number(json.format.size)).toBeGreaterThan(2 ** 32);
      // Where the demuxer says the last packet is: the co64 entry, past 4 GiB.
      const last = await run('ffprobe', [
        ...['-v', 'quiet', '-of', 'csv=p=0', '-show_entries', 'packet=pos'],
        ...['-read_intervals', `${((4199 * 1024) / 44100).toFixed(3)}%+#1`, path],
      ]);
      expect(Number(last.stdout.trim().split('\n').at(-1))).toBe(plan.head.length + 4199 * MiB);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('planFastStart edit lists', () => {
  const frames = (n: number, start: number, cto: number) =>
    Array.from({ length: n }, (_, i) => ({
      offset: start + i * 100,
      size: 100,
      duration: 3000,
      compositionOffset: cto,
      sync: i === 0,
    }));
  const aacFrames = (n: number, start: number) =>
    Array.from({ length: n }, (_, i) => ({ offset: start + i * 10, size: 10, duration: 1024 }));

  it('puts the first picture at 0 and edits out audio from before it', () => {
    // Video decodes from 0 and presents from 67 ms (B-frames); audio starts at 44 ms.
    const video = track(avc, 1, frames(30, 0, 6030));
    const audio = track(aac, 2, aacFrames(43, 100_000), Math.round(0.044 * 44100));
    const plan = planFastStart(scanOf(video, audio));
    expect(elstEntries(plan.head, 0)).toEqual([{ segmentDuration: 1000, mediaTime: 6030 }]);
    const trim = Math.round((0.067 - 1940 / 44100) * 44100);
    expect(elstEntries(plan.head, 1)).toEqual([
      { segmentDuration: Math.round(((43 * 1024 - trim) * 1000) / 44100), mediaTime: trim },
    ]);
  });

  it('delays a track that starts later with an empty edit', () => {
    const video = track(avc, 1, frames(30, 0, 0));
    const audio = track(aac, 2, aacFrames(43, 100_000), 44100 / 2);
    const plan = planFastStart(scanOf(video, audio));
    expect(trakChildren(plan.head, 0)).toEqual(['tkhd', 'mdia']);
    expect(elstEntries(plan.head, 1)).toEqual([
      { segmentDuration: 500, mediaTime: -1 },
      { segmentDuration: Math.round((43 * 1024 * 1000) / 44100), mediaTime: 0 },
    ]);
    expect(plan.durationMs).toBe(500 + Math.round((43 * 1024 * 1000) / 44100));
  });

  it('needs no edit list when a track starts at 0 without composition delay', () => {
    const plan = planFastStart(scanOf(track(aac, 1, aacFrames(10, 0))));
    expect(trakChildren(plan.head, 0)).toEqual(['tkhd', 'mdia']);
  });

  it('writes a track-less file for a scan without samples', () => {
    const plan = planFastStart(scanOf(track(aac, 1, [])));
    expect(plan.copy).toEqual([]);
    expect(plan.durationMs).toBe(0);
    expect(boxAt(plan.head, 0, plan.head.length)?.type).toBe('ftyp');
  });
});
