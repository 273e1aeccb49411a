import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { flvToPackets, makeTestFlv } from '../../../test/helpers/flv-packets.js';
import type { MediaPacket } from '../../media/packet.js';
import { Mp4ScanError } from './errors.js';
import { planFastStart } from './faststart.js';
import { MAX_MOOF_BYTES, scanFragmentedMp4 } from './fmp4-scan.js';
import { Fmp4Writer } from './fmp4-writer.js';
import type { ScannedMp4 } from './scanned-mp4.js';

/** A real recording (x264 with B-frames + AAC, 3 s, 500 ms fragments) and where each fragment ends. */
let packets: MediaPacket[];
let file: Buffer;
let fragmentEnds: number[];
/** Samples per track in the fragments that end at or before each offset of fragmentEnds. */
let countsAtEnd: { video: number; audio: number }[];

beforeAll(async () => {
  const flv = flvToPackets(await readFile(await makeTestFlv({ seconds: 3, bframes: true })));
  packets = flv.packets;
  const writer = new Fmp4Writer(
    { video: flv.videoConfig!, audio: flv.audioConfig! },
    { fragmentDurationMs: 500 },
  );
  const kindOf = new Map(packets.map((p) => [p.data, p.kind]));
  const parts = [writer.init()];
  let length = parts[0]!.length;
  const counts = { video: 0, audio: 0 };
  fragmentEnds = [];
  countsAtEnd = [];
  const take = (fragment: Buffer[] | undefined) => {
    for (const part of fragment ?? []) {
      parts.push(part);
      length += part.length;
      const kind = kindOf.get(part);
      if (kind) counts[kind]++;
    }
    if (fragment) {
      fragmentEnds.push(length);
      countsAtEnd.push({ ...counts });
    }
  };
  for (const pkt of packets) take(writer.push(pkt));
  take(writer.end());
  file = Buffer.concat(parts);
});

/** Reads from `bytes`, recording every request so tests can bound them. */
function trackedReader(bytes: Buffer) {
  const requests: { offset: number; length: number }[] = [];
  const read = async (offset: number, length: number) => {
    requests.push({ offset, length });
    return bytes.subarray(offset, offset + length);
  };
  return { read, requests };
}

const scanBytes = (bytes: Buffer) => scanFragmentedMp4(trackedReader(bytes).read, bytes.length);

function sampleCounts(scan: ScannedMp4) {
  const [video, audio] = scan.tracks;
  return { video: video!.samples.count, audio: audio!.samples.count };
}

describe('scanFragmentedMp4', () => {
  it('recovers every sample as written: bytes, sync flags, durations, composition offsets', async () => {
    const scan = await scanBytes(file);
    expect(scan.truncatedAt).toBeUndefined();
    expect(scan.validEnd).toBe(file.length);
    expect(scan.fragmentCount).toBe(fragmentEnds.length);
    for (const track of scan.tracks) {
      const own = packets.filter((p) => p.kind === track.kind);
      expect(track.samples.count).toBe(own.length);
      own.forEach((pkt, i) => {
        const { offset, size, sync, compositionOffset } = track.samples;
        expect(file.subarray(offset[i]!, offset[i]! + size[i]!).equals(pkt.data)).toBe(true);
        expect(sync[i]).toBe(pkt.keyframe ? 1 : 0);
        expect(compositionOffset[i]).toBe(Math.round((pkt.pts - pkt.dts) * (track.timescale / 1000)));
      });
      const total = track.samples.totalDuration();
      const spanMs = own.at(-1)!.dts - own[0]!.dts;
      expect((total * 1000) / track.timescale).toBeGreaterThan(spanMs);
    }
  });

  it('keeps exactly the complete fragments of a file torn at any byte', async () => {
    const moovEnd = file.indexOf('moof') - 4;
    const cuts = new Set<number>();
    const addRange = (from: number, to: number, step = 1) => {
      for (let cut = from; cut <= to; cut += step) if (cut >= moovEnd && cut <= file.length) cuts.add(cut);
    };
    addRange(moovEnd, moovEnd + 600); // every byte of the first moof and mdat header
    addRange(fragmentEnds[0]!, fragmentEnds[0]! + 600);
    for (const end of fragmentEnds) addRange(end - 20, end + 20);
    addRange(moovEnd, file.length, 97);
    for (const cut of cuts) {
      const scan = await scanBytes(file.subarray(0, cut));
      const complete = fragmentEnds.filter((end) => end <= cut).length;
      const expected = complete === 0 ? { video: 0, audio: 0 } : countsAtEnd[complete - 1]!;
      expect(sampleCounts(scan)).toEqual(expected);
      expect(scan.validEnd).toBe(complete === 0 ? moovEnd : fragmentEnds[complete - 1]);
      expect(scan.truncatedAt).toBe(scan.validEnd < cut ? scan.validEnd : undefined);
    }
  });

  it('ignores garbage after the last fragment and reports where it starts', async () => {
    const withGarbage = Buffer.concat([file, Buffer.from('\x00\x00\x00\x10moof not really a box')]);
    const scan = await scanBytes(withGarbage);
    expect(scan.truncatedAt).toBe(file.length);
    expect(sampleCounts(scan)).toEqual(countsAtEnd.at(-1));
  });

  it('refuses a file without a complete fragmented init segment', async () => {
    await expect(scanBytes(Buffer.alloc(0))).rejects.toThrow(Mp4ScanError);
    await expect(scanBytes(file.subarray(0, 100))).rejects.toThrow(Mp4ScanError);
    // A finalized (non-fragmented) file is not a recording in progress.
    const plan = planFastStart(await scanBytes(file));
    await expect(scanBytes(plan.head)).rejects.toThrow(/not a fragmented MP4/);
  });
});

describe('scanFragmentedMp4 on hostile input', () => {
  /** Only Mp4ScanError escapes, reads stay inside the file and bounded, the index stays bounded. */
  async function expectContained(bytes: Buffer) {
    const { read, requests } = trackedReader(bytes);
    try {
      const scan = await scanFragmentedMp4(read, bytes.length);
      const samples = scan.tracks.reduce((n, t) => n + t.samples.count, 0);
      expect(samples).toBeLessThanOrEqual(bytes.length);
      for (const t of scan.tracks)
        expect(t.samples.size.length).toBeLessThanOrEqual(Math.max(1024, 2 * bytes.length));
    } catch (error) {
      expect(error).toBeInstanceOf(Mp4ScanError);
    }
    for (const r of requests) {
      expect(r.offset).toBeGreaterThanOrEqual(0);
      expect(r.offset + r.length).toBeLessThanOrEqual(bytes.length);
      expect(r.length).toBeLessThanOrEqual(MAX_MOOF_BYTES + 16);
    }
  }

  it('arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), (bytes) => expectContained(Buffer.from(bytes))),
    );
  });

  it('a real recording with bytes overwritten anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        async (edits) => {
          const bytes = Buffer.from(file);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          await expectContained(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('box-shaped garbage (huge sizes, sample counts, 64-bit sizes) after a real init segment', async () => {
    const initEnd = file.indexOf('moof') - 4;
    const uint32 = fc.oneof(fc.constantFrom(0, 1, 8, 16, 0xffffffff, 0x7fffffff), fc.nat());
    const boxLike = fc
      .tuple(
        uint32,
        fc.constantFrom('moof', 'mdat', 'traf', 'trun', 'tfhd', 'free', 'xxxx'),
        fc.array(uint32, { maxLength: 12 }),
      )
      .map(([size, type, words]) => {
        const out = Buffer.alloc(8 + 4 * words.length);
        out.writeUInt32BE(size, 0);
        out.write(type, 4, 'latin1');
        words.forEach((w, i) => {
          out.writeUInt32BE(w, 8 + 4 * i);
        });
        return out;
      });
    await fc.assert(
      fc.asyncProperty(fc.array(boxLike, { maxLength: 10 }), async (boxes) => {
        await expectContained(Buffer.concat([file.subarray(0, initEnd), ...boxes]));
      }),
      { numRuns: 300 },
    );
  });
});
