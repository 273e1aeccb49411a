/**
 * One movie fragment (ISO/IEC 14496-12 §8.8): a moof with a traf per track, then the mdat header;
 * the sample bytes themselves are handed out as the packets' own views, never copied.
 */
import { box, Fields, fullBox, mdatHeader, serialize } from './boxes.js';

/** sample_depends_on = 2: a sync sample that needs no other. */
export const SYNC_SAMPLE_FLAGS = 0x02000000;
/** sample_depends_on = 1 and sample_is_non_sync_sample. */
export const NON_SYNC_SAMPLE_FLAGS = 0x01010000;

const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_COMPOSITION_OFFSET = 0x000800;

export interface FragmentSample {
  readonly data: Buffer;
  readonly duration: number;
  /** pts − dts in the track timescale, never negative. */
  readonly compositionOffset: number;
  readonly sync: boolean;
}

export interface TrackRun {
  readonly trackId: number;
  /** Decode time of the first sample, in the track timescale (tfdt). */
  readonly baseDecodeTime: number;
  readonly samples: readonly FragmentSample[];
  /**
   * Video runs carry per-sample flags and composition offsets; audio runs need neither, every
   * sample being a sync sample with pts = dts (the trex default flags say so).
   */
  readonly perSampleFlags: boolean;
}

/** `[moof, mdat header, ...sample data]`: the bytes of one fragment, in file order. */
export function buildFragment(sequenceNumber: number, runs: readonly TrackRun[]): Buffer[] {
  const truns = runs.map(trunFields);
  const trafs = runs.map((run, i) =>
    box(
      'traf',
      fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF, new Fields(4).u32(run.trackId).done()),
      fullBox('tfdt', 1, 0, new Fields(8).u64(run.baseDecodeTime).done()),
      fullBox('trun', 0, trunFlags(run), truns[i]!),
    ),
  );
  const moof = box('moof', fullBox('mfhd', 0, 0, new Fields(4).u32(sequenceNumber).done()), ...trafs);
  let payloadLength = 0;
  for (const run of runs) for (const sample of run.samples) payloadLength += sample.data.length;
  // A payload of 4 GiB or more gets the 16-byte (largesize) mdat header: the offsets must count it.
  const payloadHeader = mdatHeader(payloadLength);
  // data_offset counts from the moof's first byte (default-base-is-moof) to each run's first sample.
  let dataOffset = moof.size + payloadHeader.length;
  const data: Buffer[] = [];
  runs.forEach((run, i) => {
    truns[i]!.writeInt32BE(dataOffset, 4);
    for (const sample of run.samples) {
      data.push(sample.data);
      dataOffset += sample.data.length;
    }
  });
  return [serialize([moof]), payloadHeader, ...data];
}

function trunFlags(run: TrackRun): number {
  const common = TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE;
  return run.perSampleFlags ? common | TRUN_FLAGS | TRUN_COMPOSITION_OFFSET : common;
}

/** trun body after version/flags: sample_count, data_offset (patched later), then one entry per sample. */
function trunFields(run: TrackRun): Buffer {
  const entrySize = run.perSampleFlags ? 16 : 8;
  const body = new Fields(8 + entrySize * run.samples.length).u32(run.samples.length).i32(0);
  for (const sample of run.samples) {
    body.u32(sample.duration).u32(sample.data.length);
    if (run.perSampleFlags) {
      body.u32(sample.sync ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS).u32(sample.compositionOffset);
    }
  }
  return body.done();
}
