/**
 * An HLS recording (a media playlist of MPEG-TS segments) read as the sample tables of an MP4 movie,
 * so the clip planner cuts it like an MP4 or FLV file. Unlike an FLV, a TS frame is not one run of
 * bytes in the file (it is spread over 188-byte packets, in Annex B or ADTS form), so the frames of
 * the segments a clip needs are converted to MP4 samples — length-prefixed NAL units without
 * delimiters or parameter sets (those go to the sample entry), raw AAC frames — and written one after
 * the other to a sample file the movie points into. Only the segments that meet the range are
 * converted, from the keyframe before it. Times are 90 kHz: the PES timestamps, unwrapped past 2^33
 * and tied to the playlist's segment times. Pure: segments come through `read`, samples go to `write`.
 */
import type { PlaylistSegment } from '../container/hls/playlist.js';
import type { Mp4Movie } from '../container/mp4/movie-read.js';
import { adtsFrames } from '../container/mpegts/adts-frames.js';
import { annexBToSample } from '../container/mpegts/annexb-sample.js';
import {
  avcConfigFromParameterSets,
  hevcConfigFromParameterSets,
} from '../container/mpegts/decoder-config.js';
import { demuxTs, type TsAccessUnit, TsDemuxError, unwrapTimestamp } from '../container/mpegts/ts-demux.js';
import { parseAudioSpecificConfig } from '../media/aac.js';
import { MediaParseError } from '../media/errors.js';
import { mp3CodecString, parseMp3FrameHeader } from '../media/mp3.js';
import type { AudioConfig, CodecConfig, VideoConfig } from '../media/packet.js';
import { MovieBuilder } from './movie-builder.js';

/** The recording cannot be read as a movie; the message says why. */
export class HlsMovieError extends Error {
  override readonly name = 'HlsMovieError';
}

export interface HlsMovieInput {
  /** The playlist's segments in order. */
  readonly segments: readonly PlaylistSegment[];
  /** The bytes of the segment the playlist names `uri`. */
  read(uri: string): Promise<Buffer>;
  /** Appends converted samples to the sample file (the movie's offsets count from its start). */
  write(bytes: Buffer): Promise<void>;
  /** What the clip needs, in ms of the recording's time: segments that meet it are converted. */
  readonly fromMs: number;
  readonly toMs: number;
}

export interface HlsMovie {
  /** Samples point into the sample file. */
  readonly movie: Mp4Movie;
  /** Movie time (ms) of the recording's first frame, converted or not: where its timeline starts. */
  readonly firstFrameMs: number;
  /** Bytes written to the sample file. */
  readonly sampleBytes: number;
}

const TS_TIMESCALE = 90_000;
const TICKS_PER_MS = TS_TIMESCALE / 1000;
/** Catalog and playlist times are approximate: segments this close to the range are converted too. */
const MARGIN_MS = 2000;
/** A timeline after a discontinuity further than this from the playlist's time is re-based onto it. */
const DISCONTINUITY_JUMP_TICKS = 2 * TS_TIMESCALE;
const AAC_FRAME_SAMPLES = 1024;
const EMPTY = Buffer.alloc(0);

const STREAM_AVC = 0x1b;
const STREAM_HEVC = 0x24;
const STREAM_AAC = 0x0f;
const STREAM_MPEG1_AUDIO = 0x03;
const STREAM_MPEG2_AUDIO = 0x04;

export async function readHlsMovie(input: HlsMovieInput): Promise<HlsMovie> {
  const { segments } = input;
  if (segments.length === 0) throw new HlsMovieError('the playlist lists no segment');
  const demuxed = new Map<number, TsAccessUnit[]>();
  const unitsOf = async (index: number): Promise<TsAccessUnit[]> => {
    let units = demuxed.get(index);
    if (units === undefined) {
      const uri = segments[index]!.uri;
      try {
        // Other streams (ID3 timed metadata, say) have no place in an MP4 clip.
        units = demuxTs(await input.read(uri)).filter((u) => isVideo(u.streamType) || isAudio(u.streamType));
      } catch (error) {
        if (error instanceof TsDemuxError) throw new HlsMovieError(`segment ${uri}: ${error.message}`);
        throw error;
      }
      demuxed.set(index, units);
    }
    return units;
  };

  // The first segment fixes the timeline: where it starts (TS ticks) and the movie's time 0.
  const head = await unitsOf(0);
  const firstUnit = head[0];
  if (firstUnit === undefined) throw new HlsMovieError(`segment ${segments[0]!.uri} holds no frame`);
  const timelineStart = firstUnit.dts;
  const firstVideo = head.find((unit) => isVideo(unit.streamType));
  const zero = firstVideo?.pts ?? Math.min(...head.map((unit) => unit.dts));
  const firstFrameMs = (Math.min(...head.map((unit) => unit.dts)) - zero) / TICKS_PER_MS;

  const startsMs = segmentStartsMs(segments);
  let from = segments.findIndex((_, i) => startsMs[i + 1]! > input.fromMs - MARGIN_MS);
  if (from < 0) from = segments.length - 1;
  let to = from;
  while (to + 1 < segments.length && startsMs[to + 1]! < input.toMs + MARGIN_MS) to++;
  // Decoding must start at a keyframe: a segment cut on audio (video stalled) does not begin with one.
  while (from > 0 && !opensWithKeyframe(await unitsOf(from))) from--;

  const converter = new SampleConverter(input.write);
  // Writers that send parameter sets only at the start: the later segments decode with the first's.
  converter.takeParameterSets(head, segments[0]!.uri);
  let previousEnd: number | undefined;
  for (let index = from; index <= to; index++) {
    const units = await unitsOf(index);
    demuxed.delete(index);
    const first = units[0];
    if (first === undefined) continue;
    const expected = timelineStart + startsMs[index]! * TICKS_PER_MS;
    let shift = unwrapTimestamp(first.dts, previousEnd ?? expected) - first.dts;
    if (segments[index]!.discontinuity && Math.abs(first.dts + shift - expected) > DISCONTINUITY_JUMP_TICKS)
      shift = expected - first.dts;
    await converter.segment(units, shift, segments[index]!.uri);
    previousEnd = (units.at(-1)?.dts ?? first.dts) + shift;
  }
  return { movie: converter.movie(zero), firstFrameMs, sampleBytes: converter.bytes };
}

/** Each segment's start (ms from the first's) from the EXTINF durations; one entry more: the end. */
function segmentStartsMs(segments: readonly PlaylistSegment[]): number[] {
  const starts = [0];
  for (const segment of segments) starts.push(starts.at(-1)! + segment.durationSec * 1000);
  return starts;
}

function isVideo(streamType: number): boolean {
  return streamType === STREAM_AVC || streamType === STREAM_HEVC;
}

function opensWithKeyframe(units: readonly TsAccessUnit[]): boolean {
  const video = units.find((unit) => isVideo(unit.streamType));
  return video === undefined || annexBToSample(video.data, codecOf(video.streamType)).keyframe;
}

function codecOf(streamType: number): 'avc' | 'hevc' {
  return streamType === STREAM_AVC ? 'avc' : 'hevc';
}

/** Access units in, samples appended to the sample file and to the movie's tables. */
class SampleConverter {
  private readonly builder = new MovieBuilder(TS_TIMESCALE, (message) => new HlsMovieError(message));
  private videoPid: number | undefined;
  private audioPid: number | undefined;
  private video: VideoConfig | undefined;
  private audio: AudioConfig | undefined;
  private written = 0;

  constructor(private readonly write: (bytes: Buffer) => Promise<void>) {}

  async segment(units: readonly TsAccessUnit[], shift: number, uri: string): Promise<void> {
    const out: Buffer[] = [];
    for (const unit of units) {
      const dts = unit.dts + shift;
      const pts = Math.max(dts, unit.pts + shift);
      try {
        // The first stream of each kind is the track; others (a second audio language) are left out.
        if (isVideo(unit.streamType)) {
          this.videoPid ??= unit.pid;
          if (this.videoPid === unit.pid) this.videoUnit(unit, dts, pts, out, uri);
        } else if (isAudio(unit.streamType)) {
          this.audioPid ??= unit.pid;
          if (this.audioPid === unit.pid) this.audioUnit(unit, dts, out, uri);
        }
      } catch (error) {
        if (error instanceof MediaParseError) throw new HlsMovieError(`segment ${uri}: ${error.message}`);
        throw error;
      }
    }
    if (out.length > 0) await this.write(Buffer.concat(out));
  }

  movie(zero: number): Mp4Movie {
    return this.builder.movie(zero);
  }

  /** The video config of the first parameter sets in `units`, for frames that come without any. */
  takeParameterSets(units: readonly TsAccessUnit[], uri: string): void {
    const first = units.find((unit) => isVideo(unit.streamType));
    if (first === undefined) return;
    const { parameterSets } = annexBToSample(first.data, codecOf(first.streamType));
    if (parameterSets.length === 0) return;
    try {
      this.video = configOf(first.streamType, parameterSets);
    } catch (error) {
      if (error instanceof MediaParseError) throw new HlsMovieError(`segment ${uri}: ${error.message}`);
      throw error;
    }
  }

  /** Bytes of samples written so far: the sample file's size. */
  get bytes(): number {
    return this.written;
  }

  private videoUnit(unit: TsAccessUnit, dts: number, pts: number, out: Buffer[], uri: string): void {
    const { sample, parameterSets, keyframe } = annexBToSample(unit.data, codecOf(unit.streamType));
    if (parameterSets.length > 0) {
      const config = configOf(unit.streamType, parameterSets);
      if (this.video === undefined || !config.record.equals(this.video.record)) this.video = config;
    }
    // A frame before the first parameter sets cannot be decoded.
    if (this.video === undefined || sample.length === 0) return;
    this.add(this.video, dts, pts, keyframe, sample, out, uri);
  }

  private audioUnit(unit: TsAccessUnit, dts: number, out: Buffer[], uri: string): void {
    if (unit.streamType !== STREAM_AAC) {
      // MPEG audio: our muxer writes one frame per PES, and an MP4 sample holds the frame as is.
      if (unit.data.length === 0) return;
      const header = parseMp3FrameHeader(unit.data);
      this.audio ??= {
        kind: 'audio',
        codec: 'mp3',
        record: EMPTY,
        tag: EMPTY,
        codecString: mp3CodecString(header),
        sampleRate: header.sampleRate,
        channels: header.channels,
        objectType: 0,
      };
      this.add(this.audio, dts, dts, true, unit.data, out, uri);
      return;
    }
    const { frames, audioSpecificConfig } = adtsFrames(unit.data);
    if (audioSpecificConfig === undefined) return;
    if (this.audio === undefined || !audioSpecificConfig.equals(this.audio.record))
      this.audio = parseAudioSpecificConfig(audioSpecificConfig, EMPTY);
    const frameTicks = (AAC_FRAME_SAMPLES * TS_TIMESCALE) / this.audio.sampleRate;
    frames.forEach((frame, i) => {
      const at = dts + Math.round(i * frameTicks);
      this.add(this.audio!, at, at, true, frame, out, uri);
    });
  }

  private add(
    config: CodecConfig,
    dts: number,
    pts: number,
    keyframe: boolean,
    sample: Buffer,
    out: Buffer[],
    uri: string,
  ): void {
    this.builder.add({ config, dts, pts, keyframe, offset: this.written, size: sample.length }, `in ${uri}`);
    out.push(sample);
    this.written += sample.length;
  }
}

function configOf(streamType: number, parameterSets: readonly Buffer[]): VideoConfig {
  return streamType === STREAM_HEVC
    ? hevcConfigFromParameterSets(parameterSets)
    : avcConfigFromParameterSets(parameterSets);
}

function isAudio(streamType: number): boolean {
  return streamType === STREAM_AAC || streamType === STREAM_MPEG1_AUDIO || streamType === STREAM_MPEG2_AUDIO;
}
