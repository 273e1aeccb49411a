/**
 * Plans a frame-accurate clip of one or more classic MP4 files without re-encoding: the video is cut
 * at the keyframe before `start` and an edit list (ISO/IEC 14496-12 §8.6.6) hides the frames between
 * that keyframe and the frame shown at `start`, so players decode from the keyframe and show from
 * `start`. Files of one broadcast are joined on the source timeline their `originMs` gives. Pure:
 * sample tables in, the fast-start head and the byte ranges to copy out.
 */
import { type FastStartPlan, planMovie } from './faststart.js';
import type { Edit, TrackTiming } from './moov.js';
import type { MovieTrack, Mp4Movie } from './movie-read.js';
import { SampleIndex } from './sample-index.js';
import type { ScannedTrack } from './scanned-mp4.js';

export interface ClipSource {
  readonly movie: Mp4Movie;
  /** Where this file's movie time 0 lies on the source timeline, in ms. */
  readonly originMs: number;
  /** Added to the file's byte offsets: the caller's address space, where files never overlap. */
  readonly baseOffset: number;
}

export interface ClipPlan extends FastStartPlan {
  /** Where the clip starts on the source timeline: `start`, or the start of the frame shown then. */
  readonly startMs: number;
}

/** The range holds nothing to show, or the sources cannot be joined; the message says which. */
export class ClipPlanError extends Error {
  override readonly name = 'ClipPlanError';
}

/** One track's samples across the sources, with decode times on the source timeline (track units). */
interface Run {
  readonly timescale: number;
  readonly parts: readonly {
    readonly track: MovieTrack;
    readonly baseOffset: number;
    readonly dts: Float64Array;
  }[];
}

export function planClip(sources: readonly ClipSource[], startMs: number, endMs: number): ClipPlan {
  if (!(endMs > startMs) || startMs < 0)
    throw new ClipPlanError(`empty or negative range ${startMs}–${endMs} ms`);
  const video = runOf(sources, 'video');
  const audio = runOf(sources, 'audio');
  if (video === undefined && audio === undefined) throw new ClipPlanError('the source has no audio or video');
  let clipStartMs = startMs;
  const picked: { run: Run; from: number; to: number }[] = [];
  if (video !== undefined) {
    const range = videoRange(video, startMs, endMs);
    clipStartMs = range.startMs;
    picked.push({ run: video, from: range.from, to: range.to });
  }
  if (audio !== undefined) {
    const range = audioRange(audio, clipStartMs, endMs);
    if (range !== undefined) picked.push({ run: audio, ...range });
  }
  const tracks: ScannedTrack[] = [];
  const timings: TrackTiming[] = [];
  picked.forEach(({ run, from, to }, i) => {
    const { track, timing } = cutTrack(run, from, to, clipStartMs, endMs, i + 1);
    tracks.push(track);
    timings.push(timing);
  });
  return { ...planMovie(tracks, timings), startMs: clipStartMs };
}

function runOf(sources: readonly ClipSource[], kind: 'video' | 'audio'): Run | undefined {
  const parts: Run['parts'][number][] = [];
  let timescale = 0;
  let entry: Buffer | undefined;
  for (const source of sources) {
    const track = source.movie.tracks.find((t) => t.kind === kind && t.samples.count > 0);
    if (track === undefined) continue;
    if (entry === undefined) {
      timescale = track.timescale;
      entry = track.sampleEntry;
    } else if (track.timescale !== timescale || !track.sampleEntry.equals(entry)) {
      throw new ClipPlanError(`the ${kind} codec settings change between the files of this range`);
    }
    const origin =
      ((source.originMs + track.placement.leadMs) * timescale) / 1000 - track.placement.mediaTime;
    const dts = new Float64Array(track.samples.count);
    let time = origin;
    for (let i = 0; i < track.samples.count; i++) {
      dts[i] = time;
      time += track.samples.duration[i]!;
    }
    parts.push({ track, baseOffset: source.baseOffset, dts });
  }
  return parts.length === 0 ? undefined : { timescale, parts };
}

/** Sample `i` of a run counts across its parts. */
function locate(run: Run, i: number): { part: Run['parts'][number]; j: number } {
  let j = i;
  for (const part of run.parts) {
    if (j < part.track.samples.count) return { part, j };
    j -= part.track.samples.count;
  }
  throw new RangeError(`sample ${i} is past the run`);
}

function sampleCount(run: Run): number {
  return run.parts.reduce((n, part) => n + part.track.samples.count, 0);
}

function ptsOf(run: Run, i: number): number {
  const { part, j } = locate(run, i);
  return part.dts[j]! + part.track.samples.compositionOffset[j]!;
}

/**
 * The frame shown at `start` (the last whose presentation time is not after it) sets the clip's real
 * start; decoding starts at the last keyframe shown no later than that frame, and ends with the last
 * frame in decode order that is shown before `end`.
 */
function videoRange(run: Run, startMs: number, endMs: number): { from: number; to: number; startMs: number } {
  const count = sampleCount(run);
  const start = (startMs * run.timescale) / 1000;
  const end = (endMs * run.timescale) / 1000;
  let shown = -1;
  let shownPts = Number.NEGATIVE_INFINITY;
  let lastBeforeEnd = -1;
  for (let i = 0; i < count; i++) {
    const pts = ptsOf(run, i);
    if (pts <= start + 0.5 && pts > shownPts) {
      shown = i;
      shownPts = pts;
    }
    if (pts < end) lastBeforeEnd = i;
  }
  if (lastBeforeEnd < 0) throw new ClipPlanError(`no video frame is shown before ${endMs} ms`);
  let from = 0;
  for (let i = 0; i < count; i++) {
    const { part, j } = locate(run, i);
    if (part.track.samples.sync[j] === 1 && ptsOf(run, i) <= Math.max(shownPts, start)) from = i;
  }
  const to = lastBeforeEnd + 1;
  if (to <= from) throw new ClipPlanError(`no video frame between ${startMs} and ${endMs} ms`);
  const clipStartMs = shown < 0 ? startMs : (Math.min(shownPts, start) * 1000) / run.timescale;
  return { from, to, startMs: clipStartMs };
}

/** Every audio frame is a sync sample: from the one playing at the start to the last before the end. */
function audioRange(run: Run, startMs: number, endMs: number): { from: number; to: number } | undefined {
  const count = sampleCount(run);
  const start = (startMs * run.timescale) / 1000;
  const end = (endMs * run.timescale) / 1000;
  let from = 0;
  let to = 0;
  for (let i = 0; i < count; i++) {
    const { part, j } = locate(run, i);
    const dts = part.dts[j]!;
    if (dts <= start) from = i;
    if (dts < end) to = i + 1;
  }
  return to > from ? { from, to } : undefined;
}

/**
 * Samples `[from, to)` of a run as one new track. A sample's duration is measured to the next
 * sample when that one comes from the next file (the last duration a file stores is a guess).
 */
function cutTrack(
  run: Run,
  from: number,
  to: number,
  clipStartMs: number,
  endMs: number,
  trackId: number,
): { track: ScannedTrack; timing: TrackTiming } {
  const first = locate(run, from);
  const samples = new SampleIndex();
  for (let i = from; i < to; i++) {
    const { part, j } = locate(run, i);
    const s = part.track.samples;
    let duration = s.duration[j]!;
    if (j + 1 === s.count && i + 1 < sampleCount(run)) {
      const next = locate(run, i + 1);
      const gap = Math.round(next.part.dts[next.j]! - part.dts[j]!);
      if (gap > 0) duration = gap;
    }
    samples.append(
      part.baseOffset + s.offset[j]!,
      s.size[j]!,
      duration,
      s.compositionOffset[j]!,
      s.sync[j] === 1,
    );
  }
  const ts = run.timescale;
  const firstDts = first.part.dts[first.j]!;
  const mediaDuration = samples.totalDuration();
  const clipStart = (clipStartMs * ts) / 1000;
  const shownUntil = Math.min((endMs * ts) / 1000, firstDts + presentationEnd(samples));
  const toMs = (units: number) => Math.max(0, Math.round((units * 1000) / ts));
  const edits: Edit[] = [];
  let leadMs = 0;
  if (clipStart >= firstDts) {
    edits.push({
      segmentDuration: toMs(shownUntil - clipStart),
      mediaTime: Math.round(clipStart - firstDts),
    });
  } else {
    // The track starts after the clip does (audio that began late): an empty edit keeps it in sync.
    leadMs = toMs(firstDts - clipStart);
    edits.push({ segmentDuration: leadMs, mediaTime: -1 });
    edits.push({ segmentDuration: toMs(shownUntil - firstDts), mediaTime: 0 });
  }
  const source = first.part.track;
  const track: ScannedTrack = { ...source, trackId, samples };
  const trackDuration = edits.reduce((n, edit) => n + edit.segmentDuration, 0);
  return { track, timing: { mediaDuration, trackDuration, edits } };
}

/** Where the last shown sample ends, relative to the first decode time (B-frames end after their dts). */
function presentationEnd(samples: SampleIndex): number {
  let decodeTime = 0;
  let end = 0;
  for (let i = 0; i < samples.count; i++) {
    end = Math.max(end, decodeTime + samples.compositionOffset[i]! + samples.duration[i]!);
    decodeTime += samples.duration[i]!;
  }
  return end;
}
