/**
 * Fragmented MP4 writer for recordings: an init segment, then self-contained moof+mdat fragments of
 * about `fragmentDurationMs` that the recorder appends and flushes, so a crash loses at most the
 * fragment in progress. It holds only the current fragment in memory; the complete sample index is
 * rebuilt from the file by `scanFragmentedMp4` when the file is finalized.
 */
import type { AudioConfig, MediaPacket, TrackKind, VideoConfig } from '../../media/packet.js';
import { box, serialize } from './boxes.js';
import { Mp4WriteError } from './errors.js';
import { buildFragment, type FragmentSample, NON_SYNC_SAMPLE_FLAGS, SYNC_SAMPLE_FLAGS } from './moof.js';
import { codecBrands, ftyp, mvex, mvhd, type TrackHeader, trak, UNTIMED } from './moov.js';
import { buildSampleEntry } from './sample-entry.js';
import { emptySampleTables } from './sample-tables.js';
import { clockFor, type TrackClock } from './track-clock.js';

export interface Fmp4WriterOptions {
  /** Target fragment length; fragments start at the first video keyframe past it. Default 1000. */
  readonly fragmentDurationMs?: number;
  /** A fragment is cut before its sample data would exceed this. Default 8 MiB. */
  readonly maxFragmentBytes?: number;
}

const DEFAULT_FRAGMENT_DURATION_MS = 1000;
const DEFAULT_MAX_FRAGMENT_BYTES = 8 * 1024 * 1024;
/** Without a keyframe in sight a fragment is cut anyway once it is this many targets long. */
const MAX_FRAGMENT_STRETCH = 2;

/** A sample whose duration is not known until the track's next packet arrives. */
interface PendingSample {
  readonly data: Buffer;
  readonly dtsMs: number;
  readonly decodeTime: number;
  readonly compositionOffset: number;
  readonly sync: boolean;
}

class TrackState {
  readonly clock: TrackClock;
  readonly header: TrackHeader;
  pending: PendingSample | undefined;
  /** Decode time of the newest sample (the pending one), in the track timescale. */
  lastDecodeTime: number | undefined;
  lastDuration: number | undefined;
  /** This fragment's samples and the decode time of its first one. */
  samples: FragmentSample[] = [];
  fragmentDecodeTime = 0;

  constructor(trackId: number, config: VideoConfig | AudioConfig) {
    this.clock = clockFor(config);
    this.header = {
      trackId,
      kind: config.kind,
      timescale: this.clock.timescale,
      width: config.kind === 'video' ? config.width : 0,
      height: config.kind === 'video' ? config.height : 0,
      sampleEntry: buildSampleEntry(config),
    };
  }

  get kind(): TrackKind {
    return this.header.kind;
  }

  /** End of the newest sample in ms from the file's start, the pending one counted at its likely length. */
  endMs(): number {
    if (this.lastDecodeTime === undefined) return 0;
    const end = this.lastDecodeTime + (this.lastDuration ?? this.clock.nominalDuration);
    return (end * 1000) / this.clock.timescale;
  }
}

export class Fmp4Writer {
  private readonly video: TrackState | undefined;
  private readonly audio: TrackState | undefined;
  /** In file order: video first, its samples first in every mdat. */
  private readonly tracks: TrackState[];
  private readonly fragmentDurationMs: number;
  private readonly maxFragmentBytes: number;
  private base: number | undefined;
  private fragmentStartMs: number | undefined;
  private fragmentBytes = 0;
  private sequenceNumber = 0;
  private ended = false;

  constructor(tracks: { video?: VideoConfig; audio?: AudioConfig }, opts: Fmp4WriterOptions = {}) {
    if (!tracks.video && !tracks.audio) throw new Mp4WriteError('an MP4 needs at least one track');
    if (tracks.audio && !(tracks.audio.sampleRate > 0)) {
      throw new Mp4WriteError(`audio sample rate ${tracks.audio.sampleRate} is not usable as a timescale`);
    }
    this.video = tracks.video ? new TrackState(1, tracks.video) : undefined;
    this.audio = tracks.audio ? new TrackState(this.video ? 2 : 1, tracks.audio) : undefined;
    this.tracks = [this.video, this.audio].filter((track) => track !== undefined);
    this.fragmentDurationMs = opts.fragmentDurationMs ?? DEFAULT_FRAGMENT_DURATION_MS;
    this.maxFragmentBytes = opts.maxFragmentBytes ?? DEFAULT_MAX_FRAGMENT_BYTES;
  }

  /** ftyp + moov (empty sample tables, mvex/trex): the first bytes of the file. */
  init(): Buffer {
    const headers = this.tracks.map((track) => track.header);
    const trexes = headers.map((header) => ({
      trackId: header.trackId,
      defaultSampleFlags: header.kind === 'audio' ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS,
    }));
    const moov = box(
      'moov',
      mvhd(0, headers.length + 1),
      ...headers.map((header) => trak(header, UNTIMED, emptySampleTables())),
      mvex(trexes),
    );
    return serialize([ftyp('isom', ['isom', 'iso6', 'mp41', ...codecBrands(headers)]), moov]);
  }

  /**
   * Adds one packet; returns a complete fragment when this packet closes one. Packets of a track
   * the file was not opened with, empty packets and video before the first keyframe are dropped.
   */
  push(pkt: MediaPacket): Buffer[] | undefined {
    if (this.ended) throw new Mp4WriteError('push after end');
    const track = pkt.kind === 'video' ? this.video : this.audio;
    if (track === undefined || pkt.data.length === 0) return undefined;
    if (track.kind === 'video' && track.lastDecodeTime === undefined && !pkt.keyframe) return undefined;
    this.base ??= pkt.dts;
    const decodeTime = track.clock.decodeTime(pkt.dts - this.base, track.lastDecodeTime);
    const fragment = track.pending
      ? this.commit(track, track.pending, decodeTime - track.pending.decodeTime)
      : undefined;
    const presentationTime = track.clock.toUnits(pkt.pts - this.base);
    track.pending = {
      data: pkt.data,
      dtsMs: pkt.dts,
      decodeTime,
      compositionOffset: Math.max(0, presentationTime - decodeTime),
      sync: pkt.kind === 'audio' || pkt.keyframe,
    };
    track.lastDecodeTime = decodeTime;
    return fragment ?? this.cutIfDue(pkt);
  }

  /** Commits the held-back last sample of each track (repeating its predecessor's duration) and returns the final fragment. */
  end(): Buffer[] | undefined {
    if (this.ended) return undefined;
    this.ended = true;
    const out: Buffer[] = [];
    for (const track of this.tracks) {
      if (track.pending === undefined) continue;
      const fragment = this.commit(track, track.pending, track.lastDuration ?? track.clock.nominalDuration);
      if (fragment) out.push(...fragment);
      track.pending = undefined;
    }
    if (this.fragmentBytes > 0) out.push(...this.flush());
    return out.length > 0 ? out : undefined;
  }

  /** Media time covered so far, in ms from the file's start. */
  get durationMs(): number {
    return Math.max(0, ...this.tracks.map((track) => track.endMs()));
  }

  /** The dts (ms) of the first packet written: the file's time zero. */
  get firstDts(): number | undefined {
    return this.base;
  }

  /** Moves a sample whose duration is now known into the fragment, first cutting when it would overflow. */
  private commit(track: TrackState, sample: PendingSample, duration: number): Buffer[] | undefined {
    const overflow =
      this.fragmentBytes > 0 && this.fragmentBytes + sample.data.length > this.maxFragmentBytes
        ? this.flush()
        : undefined;
    if (track.samples.length === 0) track.fragmentDecodeTime = sample.decodeTime;
    this.fragmentStartMs ??= sample.dtsMs;
    track.samples.push({
      data: sample.data,
      duration,
      compositionOffset: sample.compositionOffset,
      sync: sample.sync,
    });
    track.lastDuration = duration;
    this.fragmentBytes += sample.data.length;
    return overflow;
  }

  private cutIfDue(pkt: MediaPacket): Buffer[] | undefined {
    if (this.fragmentStartMs === undefined) return undefined;
    const elapsed = pkt.dts - this.fragmentStartMs;
    const atCutPoint = this.video === undefined || (pkt.kind === 'video' && pkt.keyframe);
    const due =
      (atCutPoint && elapsed >= this.fragmentDurationMs) ||
      elapsed >= MAX_FRAGMENT_STRETCH * this.fragmentDurationMs;
    return due ? this.flush() : undefined;
  }

  private flush(): Buffer[] {
    const runs = this.tracks
      .filter((track) => track.samples.length > 0)
      .map((track) => ({
        trackId: track.header.trackId,
        baseDecodeTime: track.fragmentDecodeTime,
        samples: track.samples,
        perSampleFlags: track.kind === 'video',
      }));
    for (const track of this.tracks) track.samples = [];
    this.fragmentStartMs = undefined;
    this.fragmentBytes = 0;
    return buildFragment(++this.sequenceNumber, runs);
  }
}
