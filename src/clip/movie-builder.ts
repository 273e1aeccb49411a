/**
 * Sample tables of an `Mp4Movie` built frame by frame, for sources that are not MP4 (FLV, HLS): each
 * frame is a sample at a byte offset in some file, timed in the builder's timescale. The movie's time 0
 * is the first video frame shown (else the first audio frame), as the MP4 recorder's edit lists make
 * it and as players count an FLV's or an HLS playlist's time; audio before it is placed before 0.
 * Sample entries come from the MP4 recorder's builder. Pure.
 */
import { Mp4WriteError } from '../container/mp4/errors.js';
import type { MovieTrack, Mp4Movie } from '../container/mp4/movie-read.js';
import { buildSampleEntry } from '../container/mp4/sample-entry.js';
import { SampleIndex } from '../container/mp4/sample-index.js';
import type { CodecConfig, TrackKind } from '../media/packet.js';

export interface MovieFrame {
  readonly config: CodecConfig;
  /** Decode and presentation times, in the builder's timescale. */
  readonly dts: number;
  readonly pts: number;
  readonly keyframe: boolean;
  /** Where the sample's bytes are, in the file the movie points into. */
  readonly offset: number;
  readonly size: number;
}

interface TrackBuild {
  config: CodecConfig;
  readonly entry: Buffer;
  readonly samples: SampleIndex;
  readonly firstDts: number;
  readonly firstPts: number;
  lastDts: number;
}

export class MovieBuilder {
  private readonly tracks = new Map<TrackKind, TrackBuild>();

  /**
   * @param fail makes the error a frame is refused with (settings that change, time that goes back),
   *   so each source reports its own error type.
   */
  constructor(
    private readonly timescale: number,
    private readonly fail: (message: string) => Error,
  ) {}

  /** Appends a frame; `where` names it in errors ("at offset 1234"). */
  add(frame: MovieFrame, where: string): void {
    const { config } = frame;
    let track = this.tracks.get(config.kind);
    if (track === undefined) {
      track = {
        config,
        entry: this.sampleEntryOf(config),
        samples: new SampleIndex(),
        firstDts: frame.dts,
        firstPts: frame.pts,
        lastDts: frame.dts,
      };
      this.tracks.set(config.kind, track);
    } else if (config !== track.config) {
      if (!sameSettings(config, track.config))
        throw this.fail(`the ${config.kind} codec settings change inside the file (${where})`);
      track.config = config;
    }
    const { samples } = track;
    if (samples.count > 0) {
      if (frame.dts < track.lastDts) throw this.fail(`${config.kind} decode time goes back (${where})`);
      samples.duration[samples.count - 1] = frame.dts - track.lastDts;
    }
    samples.append(frame.offset, frame.size, 0, frame.pts - frame.dts, frame.keyframe);
    track.lastDts = frame.dts;
  }

  /** Whether a track of this kind has a frame yet. */
  has(kind: TrackKind): boolean {
    return this.tracks.has(kind);
  }

  /**
   * The tracks, placed so `zero` (timescale units; default: the first video frame's presentation time,
   * else the first frame's decode time) is movie time 0.
   */
  movie(zero?: number): Mp4Movie {
    const built = [...this.tracks.values()];
    if (built.length === 0) throw this.fail('the file holds no audio or video frame');
    const origin = zero ?? this.tracks.get('video')?.firstPts ?? built[0]!.firstDts;
    const tracks: MovieTrack[] = built.map((t, i) => {
      const { samples, config } = t;
      // The last frame lasts as long as the one before it: these containers do not say.
      const count = samples.count;
      samples.duration[count - 1] = count > 1 ? samples.duration[count - 2]! : 0;
      const startsAt = t.firstDts - origin;
      return {
        trackId: i + 1,
        kind: config.kind,
        timescale: this.timescale,
        codec: t.entry.toString('latin1', 4, 8),
        width: config.kind === 'video' ? config.width : 0,
        height: config.kind === 'video' ? config.height : 0,
        channels: config.kind === 'audio' ? config.channels : 0,
        sampleEntry: t.entry,
        samples,
        placement:
          startsAt >= 0
            ? { leadMs: (startsAt * 1000) / this.timescale, mediaTime: 0 }
            : { leadMs: 0, mediaTime: -startsAt },
      };
    });
    return { tracks };
  }

  private sampleEntryOf(config: CodecConfig): Buffer {
    try {
      return buildSampleEntry(config);
    } catch (error) {
      if (error instanceof Mp4WriteError) throw this.fail(error.message);
      throw error;
    }
  }
}

/** A repeated or re-derived config that changes nothing the sample entry says. */
function sameSettings(a: CodecConfig, b: CodecConfig): boolean {
  return a.codec === b.codec && a.record.equals(b.record) && a.codecString === b.codecString;
}
