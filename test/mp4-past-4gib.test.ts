/**
 * An MP4 recording past 4 GiB, on real (sparse) files, from real H.264 + AAC fragments made by the
 * recorder's own fMP4 writer:
 * - one fragment's mdat is declared with a 64-bit size covering a 4 GiB hole of unreferenced bytes,
 *   so every later fragment (moof, mdat, samples) sits past offset 2^32: finalizing and crash recovery
 *   must read those offsets whole. The finalized file holds only the samples, so it is small (stco).
 * - 4 GiB of zero-filled video frames (left as holes) between two real stretches: the fast-start plan
 *   puts the later real frames past 4 GiB of the finalized file, so its chunk offsets must be co64.
 *   finalizeMp4 itself would write those 4 GiB of zeros for real, so this case writes the plan's head
 *   and copy ranges itself, leaving the zero frames as holes.
 */
import { mkdtemp, open, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FastStartPlan, planFastStart } from '../src/container/mp4/faststart.js';
import { scanFragmentedMp4 } from '../src/container/mp4/fmp4-scan.js';
import { Fmp4Writer } from '../src/container/mp4/fmp4-writer.js';
import type { AudioConfig, MediaPacket, VideoConfig } from '../src/media/packet.js';
import { finalizeMp4 } from '../src/record/mp4-finalize.js';
import { repairFile } from '../src/record/recover-files.js';
import { LocalTarget } from '../src/storage/local-target.js';
import { flvToPackets, makeTestFlv } from './helpers/flv-packets.js';
import { audioPacketHashes, topLevelBoxes, videoFrameHashes } from './helpers/media-probe.js';
import { run } from './helpers/process.js';

const FOUR_GIB = 2 ** 32;
/** The inflated fragment's mdat ends this far past 4 GiB, where the next fragment starts. */
const PAST_BOUNDARY = 1 << 20;
/** The fragment whose mdat covers the hole: the ones after it are past 4 GiB. */
const INFLATED_FRAGMENT = 2;
/** A sparse file of 4 GiB must occupy no more than its real bytes on disk, give or take. */
const MAX_ALLOCATED_BYTES = 16 << 20;
/** The source: 10 fps, a keyframe every second. */
const FRAME_MS = 100;
/** Zero frames go in after the real frames before this time; the rest follow them. */
const SPLIT_MS = 2000;
/** Zero frames of 8 MiB (an RTMP message holds at most 16 MiB): 520 of them make 4 GiB and a bit. */
const ZERO_FRAME_BYTES = 8 << 20;
const ZERO_FRAMES = 520;

/** One moof+mdat as the writer emitted it, with the packets whose samples it carries. */
interface Fragment {
  readonly buffers: Buffer[];
  readonly video: number;
  readonly audio: number;
}

interface Recording {
  /** The init segment (ftyp + moov). */
  readonly init: Buffer;
  readonly fragments: Fragment[];
}

/** Everything Fmp4Writer writes for `packets`, cut into fragments at each moof. */
function record(packets: readonly MediaPacket[], video: VideoConfig, audio: AudioConfig): Recording {
  const writer = new Fmp4Writer({ video, audio });
  const kindOf = new Map(packets.map((p) => [p.data, p.kind]));
  const fragments: { buffers: Buffer[]; video: number; audio: number }[] = [];
  const take = (buffers: Buffer[] | undefined) => {
    for (const buffer of buffers ?? []) {
      const kind = kindOf.get(buffer);
      if (kind === undefined && buffer.toString('latin1', 4, 8) === 'moof')
        fragments.push({ buffers: [], video: 0, audio: 0 });
      const fragment = fragments.at(-1)!;
      fragment.buffers.push(buffer);
      if (kind !== undefined) fragment[kind]++;
    }
  };
  const init = writer.init();
  for (const packet of packets) take(writer.push(packet));
  take(writer.end());
  return { init, fragments };
}

/**
 * Writes the recording to `path`. Fragment `inflate` gets a 64-bit mdat whose payload is its samples
 * followed by a hole (never written, so the file stays sparse) reaching PAST_BOUNDARY beyond 4 GiB;
 * its trun data offsets move by the 8 extra header bytes. The `zeros` buffer (all zero bytes) is
 * left as a hole wherever it appears, which reads back exactly as writing it would. Returns each
 * fragment's file offset and where each hole of `zeros` starts.
 */
async function writeSparse(
  path: string,
  recording: Recording,
  opts: { inflate?: number; zeros?: Buffer } = {},
): Promise<{ starts: number[]; holes: number[] }> {
  const { inflate, zeros } = opts;
  const file = await open(path, 'w');
  const starts: number[] = [];
  const holes: number[] = [];
  let position = 0;
  const write = async (buffer: Buffer) => {
    if (buffer === zeros) holes.push(position);
    else await file.write(buffer, 0, buffer.length, position);
    position += buffer.length;
  };
  try {
    await write(recording.init);
    for (const [i, fragment] of recording.fragments.entries()) {
      starts.push(position);
      const [moof, mdatHeader, ...samples] = fragment.buffers as [Buffer, Buffer, ...Buffer[]];
      if (i !== inflate) {
        for (const buffer of fragment.buffers) await write(buffer);
        continue;
      }
      expect(mdatHeader.length).toBe(8);
      const payload = samples.reduce((n, s) => n + s.length, 0);
      const mdatEnd = FOUR_GIB + PAST_BOUNDARY;
      const wideHeader = Buffer.alloc(16);
      wideHeader.writeUInt32BE(1, 0);
      wideHeader.write('mdat', 4, 'latin1');
      wideHeader.writeBigUInt64BE(BigInt(mdatEnd - position - moof.length), 8);
      await write(withDataOffsetsMoved(moof, wideHeader.length - mdatHeader.length));
      await write(wideHeader);
      for (const sample of samples) await write(sample);
      expect(position + payload).toBeLessThan(mdatEnd);
      position = mdatEnd; // the hole: unreferenced mdat bytes, read back as zeros
    }
    await file.truncate(position); // in case the file ends in a hole
  } finally {
    await file.close();
  }
  return { starts, holes };
}

/** A copy of `moof` whose truns' data_offset fields (relative to the moof) are `delta` larger. */
function withDataOffsetsMoved(moof: Buffer, delta: number): Buffer {
  const copy = Buffer.from(moof);
  const children = (start: number, end: number) => {
    const spans: { type: string; body: number; end: number }[] = [];
    for (let at = start; at < end; at += copy.readUInt32BE(at)) {
      spans.push({
        type: copy.toString('latin1', at + 4, at + 8),
        body: at + 8,
        end: at + copy.readUInt32BE(at),
      });
    }
    return spans;
  };
  let moved = 0;
  for (const traf of children(8, copy.length).filter((box) => box.type === 'traf')) {
    for (const trun of children(traf.body, traf.end).filter((box) => box.type === 'trun')) {
      expect(copy.readUInt32BE(trun.body) & 1).toBe(1); // data-offset-present
      copy.writeInt32BE(copy.readInt32BE(trun.body + 8) + delta, trun.body + 8);
      moved++;
    }
  }
  expect(moved).toBeGreaterThan(0);
  return copy;
}

async function allocatedBytes(path: string): Promise<number> {
  return (await stat(path)).blocks * 512;
}

/** Which chunk offset tables (32-bit stco, 64-bit co64) the head of a fast-start file (ftyp + moov) holds. */
function chunkOffsetBoxes(head: Buffer): string[] {
  return ['stco', 'co64'].filter((type) => head.indexOf(type, 0, 'latin1') >= 0);
}

/** Scans a fragmented file and plans its fast-start layout, as finalizeMp4 does. */
async function planOf(path: string): Promise<FastStartPlan> {
  const file = await open(path, 'r');
  try {
    const read = async (offset: number, length: number) => {
      const bytes = Buffer.alloc(length);
      const { bytesRead } = await file.read(bytes, 0, length, offset);
      return bytes.subarray(0, bytesRead);
    };
    const scan = await scanFragmentedMp4(read, (await file.stat()).size);
    expect(scan.truncatedAt).toBeUndefined();
    return planFastStart(scan);
  } finally {
    await file.close();
  }
}

/**
 * Writes the planned fast-start file: the head, then the copy ranges, leaving the zero frames (which
 * start at the source offsets `holes`, ascending, each `holeLength` long) as holes, never read or written.
 */
async function writePlanSparsely(
  sourcePath: string,
  plan: FastStartPlan,
  holes: readonly number[],
  holeLength: number,
  path: string,
): Promise<void> {
  const source = await open(sourcePath, 'r');
  const out = await open(path, 'w');
  try {
    await out.write(plan.head, 0, plan.head.length, 0);
    let position = plan.head.length;
    const chunk = Buffer.alloc(1 << 20);
    let h = 0;
    for (const range of plan.copy) {
      const end = range.offset + range.length;
      for (let at = range.offset; at < end; ) {
        while (h < holes.length && holes[h]! + holeLength <= at) h++;
        const hole = holes[h];
        const stop =
          hole !== undefined && hole <= at
            ? Math.min(end, hole + holeLength)
            : Math.min(end, hole ?? end, at + chunk.length);
        if (hole === undefined || hole > at) {
          const { bytesRead } = await source.read(chunk, 0, stop - at, at);
          expect(bytesRead).toBe(stop - at);
          await out.write(chunk, 0, bytesRead, position);
        }
        position += stop - at;
        at = stop;
      }
    }
    await out.truncate(position);
  } finally {
    await Promise.all([source.close(), out.close()]);
  }
}

describe('an MP4 recording past 4 GiB (sparse file)', () => {
  let dir: string;
  let source: string;
  let packets: MediaPacket[];
  let videoConfig: VideoConfig;
  let audioConfig: AudioConfig;
  let recording: Recording;
  let plainFinal: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livetape-mp4big-'));
    source = await makeTestFlv({ seconds: 6, width: 160, height: 120, fps: 10, gop: 10 });
    const media = flvToPackets(await readFile(source));
    packets = media.packets;
    videoConfig = media.videoConfig!;
    audioConfig = media.audioConfig!;
    recording = record(packets, videoConfig, audioConfig);
    expect(recording.fragments.length).toBeGreaterThan(INFLATED_FRAGMENT + 2);
    // The same fragments laid out contiguously, finalized: what the sparse file must finalize to.
    const plain = join(dir, 'plain.mp4');
    await writeSparse(plain, recording);
    await finalizeMp4(new LocalTarget(dir), 'plain.mp4');
    plainFinal = await readFile(plain);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finalizes to fast start with every sample, those past 4 GiB included', async () => {
    const path = join(dir, 'big.mp4');
    const { starts } = await writeSparse(path, recording, { inflate: INFLATED_FRAGMENT });
    expect(starts[INFLATED_FRAGMENT + 1]).toBe(FOUR_GIB + PAST_BOUNDARY);
    expect((await stat(path)).size).toBeGreaterThan(FOUR_GIB);
    expect(await allocatedBytes(path)).toBeLessThan(MAX_ALLOCATED_BYTES);

    const result = await finalizeMp4(new LocalTarget(dir), 'big.mp4');

    expect(result.fastStart).toBe(true);
    const final = await readFile(path);
    expect(result.sizeBytes).toBe(final.length);
    expect(topLevelBoxes(final)).toEqual(['ftyp', 'moov', 'mdat']);
    // The hole was never referenced: the result is the contiguous recording's, byte for byte.
    expect(final.equals(plainFinal)).toBe(true);
    expect(chunkOffsetBoxes(final.subarray(0, final.indexOf('mdat', 0, 'latin1')))).toEqual(['stco']);
    expect(await videoFrameHashes(path)).toEqual(await videoFrameHashes(source));
    expect(await audioPacketHashes(path)).toEqual(await audioPacketHashes(source));
  });

  it('recovers a file torn past 4 GiB, keeping every complete fragment', async () => {
    const path = join(dir, 'torn.mp4');
    const { starts } = await writeSparse(path, recording, { inflate: INFLATED_FRAGMENT });
    const last = recording.fragments.length - 1;
    const lastStart = starts[last]!;
    const lastLength = recording.fragments[last]!.buffers.reduce((n, b) => n + b.length, 0);
    expect(lastStart).toBeGreaterThan(FOUR_GIB);
    await truncate(path, lastStart + Math.floor(lastLength / 2)); // the crash, mid-fragment

    const result = await repairFile(new LocalTarget(dir), 'mp4', 'torn.mp4');

    const kept = recording.fragments.slice(0, last);
    const keptVideo = kept.reduce((n, f) => n + f.video, 0);
    const keptAudio = kept.reduce((n, f) => n + f.audio, 0);
    expect(recording.fragments[last]!.video).toBeGreaterThan(0); // the tear loses frames
    expect(recording.fragments[last - 1]!.video).toBeGreaterThan(0); // a kept fragment past 4 GiB
    expect(starts[last - 1]).toBeGreaterThan(FOUR_GIB);
    const repaired = await readFile(path);
    expect(result.sizeBytes).toBe(repaired.length);
    expect(topLevelBoxes(repaired)).toEqual(['ftyp', 'moov', 'mdat']);
    expect(await videoFrameHashes(path)).toEqual((await videoFrameHashes(source)).slice(0, keptVideo));
    expect(await audioPacketHashes(path)).toEqual((await audioPacketHashes(source)).slice(0, keptAudio));
  });

  it('writes co64 when the samples pass 4 GiB, and ffmpeg decodes the frames there', async () => {
    const zeros = Buffer.alloc(ZERO_FRAME_BYTES);
    const template = packets.find((p) => p.kind === 'video' && !p.keyframe)!;
    const zeroFrames = Array.from({ length: ZERO_FRAMES }, (_, k): MediaPacket => {
      const dts = SPLIT_MS + k * FRAME_MS;
      return { ...template, dts, pts: dts, keyframe: false, data: zeros, tag: zeros };
    });
    const shift = ZERO_FRAMES * FRAME_MS;
    const later = packets
      .filter((p) => p.dts >= SPLIT_MS)
      .map((p) => ({ ...p, dts: p.dts + shift, pts: p.pts + shift }));
    const fragmented = join(dir, 'zeros.mp4');
    const { holes } = await writeSparse(
      fragmented,
      record([...packets.filter((p) => p.dts < SPLIT_MS), ...zeroFrames, ...later], videoConfig, audioConfig),
      { zeros },
    );
    expect((await stat(fragmented)).size).toBeGreaterThan(FOUR_GIB);
    expect(await allocatedBytes(fragmented)).toBeLessThan(MAX_ALLOCATED_BYTES);

    const plan = await planOf(fragmented);
    const path = join(dir, 'zeros-final.mp4');
    await writePlanSparsely(fragmented, plan, holes, zeros.length, path);
    await rm(fragmented);

    expect(await allocatedBytes(path)).toBeLessThan(MAX_ALLOCATED_BYTES);
    const head = Buffer.alloc(plan.head.length);
    const file = await open(path, 'r');
    await file.read(head, 0, head.length, 0).finally(() => file.close());
    expect(topLevelBoxes(head)).toEqual(['ftyp', 'moov', 'mdat']);
    expect(chunkOffsetBoxes(head)).toEqual(['co64']);
    // Seek to the first real frame after the zero frames: the demuxer finds it through co64, past 4 GiB.
    const laterSec = (SPLIT_MS + shift) / 1000;
    const packetsThere = await run('ffprobe', [
      ...['-v', 'error', '-select_streams', 'v:0', '-read_intervals', `${laterSec}%+0.5`],
      ...['-show_entries', 'packet=pos,pts_time', '-of', 'csv=p=0', path],
    ]);
    const first = packetsThere.stdout.trim().split('\n')[0]!.split(',');
    expect(Number(first[0])).toBeCloseTo(laterSec, 3);
    expect(Number(first[1])).toBeGreaterThan(FOUR_GIB);
    expect(await videoFrameHashes(path, laterSec)).toEqual(
      (await videoFrameHashes(source)).slice(SPLIT_MS / FRAME_MS),
    );
  });
});
