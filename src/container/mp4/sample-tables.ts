/**
 * The stbl sample tables (ISO/IEC 14496-12 §8.6–8.7) of a finalized track, from its SampleIndex and
 * the chunk layout the fast-start plan chose. Tables are written straight from the typed arrays.
 */
import { endianness } from 'node:os';
import { type Box, Fields, fullBox } from './boxes.js';
import type { SampleIndex } from './sample-index.js';

export interface ChunkLayout {
  /** Position of each chunk relative to the start of the final mdat payload. */
  readonly positions: readonly number[];
  /** Samples in each chunk. */
  readonly sampleCounts: readonly number[];
}

const HOST_IS_LITTLE_ENDIAN = endianness() === 'LE';

/** What the init segment of a fragmented file carries: no samples at all. */
export function emptySampleTables(): Box[] {
  const noEntries = Buffer.alloc(4);
  return [
    fullBox('stts', 0, 0, noEntries),
    fullBox('stsc', 0, 0, noEntries),
    fullBox('stsz', 0, 0, Buffer.alloc(8)),
    fullBox('stco', 0, 0, noEntries),
  ];
}

/** stts, ctts (when any offset is non-zero), stss (when not every sample syncs), stsc and stsz. */
export function sampleTables(samples: SampleIndex, chunks: ChunkLayout): Box[] {
  const { count, duration, compositionOffset } = samples;
  const tables = [runLengthTable('stts', 0, count, (i) => duration[i]!)];
  let minOffset = 0;
  let maxOffset = 0;
  for (let i = 0; i < count; i++) {
    minOffset = Math.min(minOffset, compositionOffset[i]!);
    maxOffset = Math.max(maxOffset, compositionOffset[i]!);
  }
  if (minOffset !== 0 || maxOffset !== 0) {
    // Version 1 (signed offsets) only where a source file really has negative ones.
    tables.push(runLengthTable('ctts', minOffset < 0 ? 1 : 0, count, (i) => compositionOffset[i]!));
  }
  const syncIndexes = syncSampleNumbers(samples);
  if (syncIndexes !== undefined) tables.push(syncSampleTable(syncIndexes));
  tables.push(sampleToChunkTable(chunks.sampleCounts), sampleSizeTable(samples));
  return tables;
}

/** stco, or co64 when `wide` (a chunk lies at or past 4 GiB); positions are relative to `payloadStart`. */
export function chunkOffsetTable(positions: readonly number[], payloadStart: number, wide: boolean): Box {
  const body = new Fields(4 + positions.length * (wide ? 8 : 4)).u32(positions.length);
  for (const position of positions) {
    if (wide) body.u64(payloadStart + position);
    else body.u32(payloadStart + position);
  }
  return fullBox(wide ? 'co64' : 'stco', 0, 0, body.done());
}

/** (sample_count, value) runs, as stts and ctts store them. */
function runLengthTable(type: string, version: 0 | 1, count: number, valueAt: (i: number) => number): Box {
  let runs = 0;
  for (let i = 0; i < count; i++) if (i === 0 || valueAt(i) !== valueAt(i - 1)) runs++;
  const body = new Fields(4 + 8 * runs).u32(runs);
  let runStart = 0;
  for (let i = 1; i <= count; i++) {
    if (i < count && valueAt(i) === valueAt(runStart)) continue;
    body.u32(i - runStart);
    if (version === 1) body.i32(valueAt(runStart));
    else body.u32(valueAt(runStart));
    runStart = i;
  }
  return fullBox(type, version, 0, body.done());
}

/** 1-based numbers of the sync samples, or undefined when every sample is one (no stss needed). */
function syncSampleNumbers(samples: SampleIndex): number[] | undefined {
  const numbers: number[] = [];
  for (let i = 0; i < samples.count; i++) if (samples.sync[i] === 1) numbers.push(i + 1);
  return numbers.length === samples.count ? undefined : numbers;
}

function syncSampleTable(numbers: readonly number[]): Box {
  const body = new Fields(4 + 4 * numbers.length).u32(numbers.length);
  for (const number of numbers) body.u32(number);
  return fullBox('stss', 0, 0, body.done());
}

function sampleToChunkTable(sampleCounts: readonly number[]): Box {
  let runs = 0;
  for (let i = 0; i < sampleCounts.length; i++)
    if (i === 0 || sampleCounts[i] !== sampleCounts[i - 1]) runs++;
  const body = new Fields(4 + 12 * runs).u32(runs);
  for (let i = 0; i < sampleCounts.length; i++) {
    if (i > 0 && sampleCounts[i] === sampleCounts[i - 1]) continue;
    body
      .u32(i + 1)
      .u32(sampleCounts[i]!)
      .u32(1); // first_chunk, samples_per_chunk, sample_description_index
  }
  return fullBox('stsc', 0, 0, body.done());
}

/** stsz: one shared size when all samples agree, else the size array copied out in one block. */
function sampleSizeTable(samples: SampleIndex): Box {
  const sizes = samples.size.subarray(0, samples.count);
  const first = sizes[0] ?? 0;
  if (sizes.every((size) => size === first)) {
    return fullBox('stsz', 0, 0, new Fields(8).u32(first).u32(samples.count).done());
  }
  const table = Buffer.from(sizes.slice().buffer);
  if (HOST_IS_LITTLE_ENDIAN) table.swap32();
  return fullBox('stsz', 0, 0, new Fields(8).u32(0).u32(samples.count).done(), table);
}
