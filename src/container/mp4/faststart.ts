/**
 * Plans the classic fast-start MP4 (ftyp, moov with complete sample tables, one mdat) that a
 * scanned fragmented file turns into. The plan is bytes for the head plus byte ranges of the
 * fragmented file to copy after it, so the recorder streams the payload without holding it.
 */
import { box, mdatHeader, serialize } from './boxes.js';
import { codecBrands, type Edit, ftyp, MOVIE_TIMESCALE, mvhd, type TrackTiming, trak } from './moov.js';
import { type ChunkLayout, chunkOffsetTable, sampleTables } from './sample-tables.js';
import type { ScannedMp4, ScannedTrack } from './scanned-mp4.js';

export interface CopyRange {
  readonly offset: number;
  length: number;
}

export interface FastStartPlan {
  /** ftyp + moov + mdat header. */
  readonly head: Buffer;
  /** Ranges of the fragmented file, in order; their concatenation after `head` is the mdat payload. */
  readonly copy: CopyRange[];
  readonly durationMs: number;
}

const UINT32_LIMIT = 2 ** 32;

/**
 * The final file's layout. Tracks without samples are left out; a scan with no samples at all
 * yields a moov without tracks, which the recorder should treat as "no recording".
 */
export function planFastStart(scan: ScannedMp4): FastStartPlan {
  const tracks = scan.tracks.filter((track) => track.samples.count > 0);
  return planMovie(tracks, movieTimings(tracks));
}

/**
 * The fast-start layout of `tracks` (each with samples) presented as `timings` say: the finalizer's
 * timings keep the recording's own start, a clip's cut it (src/container/mp4/clip-plan.ts).
 */
export function planMovie(tracks: readonly ScannedTrack[], timings: readonly TrackTiming[]): FastStartPlan {
  const { copy, chunks, payloadLength } = layOutPayload(tracks);
  const durationMs = Math.max(0, ...timings.map((timing) => timing.trackDuration));
  const tables = tracks.map((track, i) => sampleTables(track.samples, chunks[i]!));
  const fileType = ftyp('isom', ['isom', 'iso2', 'mp41', ...codecBrands(tracks)]);
  const payloadHeader = mdatHeader(payloadLength);
  const nextTrackId = Math.max(0, ...tracks.map((track) => track.trackId)) + 1;
  const movie = (payloadStart: number, wide: boolean) =>
    box(
      'moov',
      mvhd(durationMs, nextTrackId),
      ...tracks.map((track, i) =>
        trak(track, timings[i]!, [...tables[i]!, chunkOffsetTable(chunks[i]!.positions, payloadStart, wide)]),
      ),
    );
  // Chunk offsets depend on the moov's size, which depends on stco vs co64: size it with 32-bit
  // offsets, and switch to co64 only if the last chunk then lands at or past 4 GiB.
  const lastChunk = Math.max(0, ...chunks.map((layout) => layout.positions.at(-1) ?? 0));
  const payloadStartWith = (wide: boolean) => fileType.size + movie(0, wide).size + payloadHeader.length;
  const wide = lastChunk >= UINT32_LIMIT || payloadStartWith(false) + lastChunk >= UINT32_LIMIT;
  const payloadStart = payloadStartWith(wide);
  return { head: serialize([fileType, movie(payloadStart, wide), payloadHeader]), copy, durationMs };
}

/**
 * Keeps the samples in their file order (fragments already interleave the tracks) and merges
 * consecutive ones into copy ranges. A chunk is a run of one track's samples that were contiguous
 * in the source too, so chunks stay about a fragment long even in a single-track file.
 */
function layOutPayload(tracks: readonly ScannedTrack[]): {
  copy: CopyRange[];
  chunks: ChunkLayout[];
  payloadLength: number;
} {
  const copy: CopyRange[] = [];
  const chunks = tracks.map(() => ({ positions: [] as number[], sampleCounts: [] as number[] }));
  const next = tracks.map(() => 0);
  let payloadLength = 0;
  let previousTrack = -1;
  for (;;) {
    const t = trackWithLowestNextOffset(tracks, next);
    if (t < 0) break;
    const samples = tracks[t]!.samples;
    const i = next[t]!++;
    const offset = samples.offset[i]!;
    const size = samples.size[i]!;
    const range = copy.at(-1);
    const continuesRange = range !== undefined && range.offset + range.length === offset;
    if (continuesRange) range.length += size;
    else copy.push({ offset, length: size });
    const chunk = chunks[t]!;
    if (continuesRange && t === previousTrack) chunk.sampleCounts[chunk.sampleCounts.length - 1]! += 1;
    else {
      chunk.positions.push(payloadLength);
      chunk.sampleCounts.push(1);
    }
    previousTrack = t;
    payloadLength += size;
  }
  return { copy, chunks, payloadLength };
}

function trackWithLowestNextOffset(tracks: readonly ScannedTrack[], next: readonly number[]): number {
  let best = -1;
  let bestOffset = Number.POSITIVE_INFINITY;
  tracks.forEach((track, t) => {
    const i = next[t]!;
    if (i < track.samples.count && track.samples.offset[i]! < bestOffset) {
      best = t;
      bestOffset = track.samples.offset[i]!;
    }
  });
  return best;
}

/**
 * Edit lists putting the first video frame's presentation at movie time 0 (the first audio
 * sample's in an audio-only file) with every track keeping its true offset from it: a track that
 * starts later gets an empty edit first, audio from before the first picture is edited out.
 */
function movieTimings(tracks: readonly ScannedTrack[]): TrackTiming[] {
  // A classic MP4's media timeline starts at the first sample's decode time, so the fragments'
  // decode-time origin (tfdt) survives only as each track's start on the shared clock.
  const earliest = tracks.map(earliestPresentation);
  const startMs = (t: number) =>
    ((tracks[t]!.samples.baseDecodeTime + earliest[t]!) * 1000) / tracks[t]!.timescale;
  const video = tracks.findIndex((track) => track.kind === 'video');
  const zeroMs = video >= 0 ? startMs(video) : Math.min(...tracks.map((_, t) => startMs(t)));
  return tracks.map((track, t) => {
    const mediaDuration = track.samples.totalDuration();
    const leadMs = Math.round(startMs(t) - zeroMs);
    const trim = Math.min(
      mediaDuration,
      Math.max(0, Math.round(((zeroMs - startMs(t)) * track.timescale) / 1000)),
    );
    const edits: Edit[] = leadMs > 0 ? [{ segmentDuration: leadMs, mediaTime: -1 }] : [];
    const mediaTime = earliest[t]! + trim;
    const segmentDuration = Math.round(((mediaDuration - trim) * MOVIE_TIMESCALE) / track.timescale);
    if (edits.length > 0 || mediaTime !== 0) edits.push({ segmentDuration, mediaTime });
    return { mediaDuration, trackDuration: Math.max(0, leadMs) + segmentDuration, edits };
  });
}

/** Presentation time of the earliest sample relative to the first decode time (the B-frame delay). */
function earliestPresentation(track: ScannedTrack): number {
  const { count, duration, compositionOffset } = track.samples;
  let decodeTime = 0;
  let earliest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    earliest = Math.min(earliest, decodeTime + compositionOffset[i]!);
    decodeTime += duration[i]!;
  }
  return earliest;
}
