/**
 * MPEG-TS muxer for HLS (ISO 13818-1, RFC 8216 §3.2): one program, H.264/HEVC video and AAC/MP3
 * audio, one `push` per media packet returning that packet's complete TS packets in one buffer.
 */
import type { AudioConfig, CodecConfig, MediaPacket, VideoConfig } from '../../media/packet.js';
import { AnnexBVideoStream } from './annexb-video-stream.js';
import { AdtsAudioStream, Mp3AudioStream } from './audio-streams.js';
import type { ElementaryStream } from './elementary-stream.js';
import { TsMuxError, UnsupportedCodecError } from './errors.js';
import { OutputBlocks, type TsOutput } from './output-blocks.js';
import { pesHeaderLength, writePesHeader } from './pes-header.js';
import { patSection, pmtSection } from './psi.js';
import { TS_PACKET_SIZE, TsPacketStream } from './ts-packet-stream.js';

export { TsMuxError, UnsupportedCodecError } from './errors.js';

const PMT_PID = 0x1000;
const VIDEO_PID = 0x100;
const AUDIO_PID = 0x101;
/**
 * Added to every PTS/DTS (1.4 s, as ffmpeg does): keeps timestamps positive for audio that sits a
 * little before the first keyframe, and keeps the PCR, which trails the DTS, positive too.
 */
const TIMESTAMP_OFFSET = 126_000;
/** Each PES is due for decoding this long (0.7 s) after the PCR sent with it: the decoder's buffer time. */
const PCR_LEAD = 63_000;
/** A PCR-only packet is sent when the PCR PID is quieter than this (must stay under 100 ms). */
const MAX_PCR_GAP_MS = 80;
const TABLES_SIZE = 2 * TS_PACKET_SIZE;
/** Output blocks: a few frames of a 2.5 Mbps stream each; larger PES (keyframes) are allocated alone. */
const OUTPUT_BLOCK_SIZE = 64 * 1024;
const OWN_OUTPUT_ABOVE = 16 * 1024;
const EMPTY = Buffer.alloc(0);

export interface TsTracks {
  readonly video?: VideoConfig | undefined;
  readonly audio?: AudioConfig | undefined;
}

interface Track<C extends CodecConfig> {
  readonly config: C;
  readonly es: ElementaryStream<C>;
  readonly ts: TsPacketStream;
}

export class TsMuxer {
  private readonly video: Track<VideoConfig> | undefined;
  private readonly audio: Track<AudioConfig> | undefined;
  private readonly pcrStream: TsPacketStream;
  private readonly pat: TsPacketStream = new TsPacketStream(0);
  private readonly pmt: TsPacketStream = new TsPacketStream(PMT_PID);
  private readonly patSection: Buffer;
  private readonly pmtSection: Buffer;
  private readonly pesHeader = Buffer.alloc(pesHeaderLength(true));
  private lastPcrMs: number | undefined;

  /**
   * @param output where each `push`'s bytes are carved from; by default blocks whose slices stay valid for
   *   as long as they are held.
   * @throws UnsupportedCodecError for AV1, VP9 and audio formats TS has no stream_type for.
   */
  constructor(
    tracks: TsTracks,
    private readonly output: TsOutput = new OutputBlocks(OUTPUT_BLOCK_SIZE, OWN_OUTPUT_ABOVE),
  ) {
    this.video = tracks.video && {
      config: tracks.video,
      es: videoStream(tracks.video),
      ts: new TsPacketStream(VIDEO_PID),
    };
    this.audio = tracks.audio && {
      config: tracks.audio,
      es: audioStream(tracks.audio),
      ts: new TsPacketStream(AUDIO_PID),
    };
    const pcrTrack = this.video ?? this.audio;
    if (!pcrTrack) throw new TsMuxError('a transport stream needs at least one track');
    this.pcrStream = pcrTrack.ts;
    this.patSection = patSection(PMT_PID);
    this.pmtSection = pmtSection(
      pcrTrack.ts.pid,
      [this.video, this.audio].flatMap((t) => (t ? [{ streamType: t.es.streamType, pid: t.ts.pid }] : [])),
    );
  }

  /** PAT + PMT: written at the start of every segment so each one decodes on its own. */
  tables(): Buffer {
    const out = Buffer.allocUnsafe(TABLES_SIZE);
    this.writeTables(out);
    return out;
  }

  /**
   * The TS packets of `pkt`'s PES, preceded by PAT + PMT when `withTables` (saves a concat at segment
   * starts). `timeOffsetMs` is added to the packet's timestamps: it lets a recording that spans
   * several pushes keep one monotonic timeline. Packets of a track the muxer was not built with are
   * dropped (empty result).
   * @throws TsMuxError when the packet's config switches codec or cannot be expressed in TS.
   */
  push(pkt: MediaPacket, withTables = false, timeOffsetMs = 0): Buffer {
    if (pkt.kind === 'video') return this.video ? this.mux(this.video, pkt, withTables, timeOffsetMs) : EMPTY;
    return this.audio ? this.mux(this.audio, pkt, withTables, timeOffsetMs) : EMPTY;
  }

  private mux<C extends CodecConfig>(
    track: Track<C>,
    pkt: MediaPacket,
    withTables: boolean,
    offsetMs: number,
  ): Buffer {
    const payloadLength = track.es.measure(pkt, packetConfig(track, pkt));
    if (payloadLength === 0) return withTables ? this.tables() : EMPTY;

    const dtsMs = pkt.dts + offsetMs;
    const dts = Math.round(dtsMs * 90) + TIMESTAMP_OFFSET;
    // A PTS before its DTS would stall decoders; normalized packets never have one, others are clamped.
    const pts =
      pkt.kind === 'video' ? Math.max(dts, Math.round((pkt.pts + offsetMs) * 90) + TIMESTAMP_OFFSET) : dts;
    const onPcrPid = track.ts === this.pcrStream;
    const pcrDue = this.lastPcrMs === undefined || dtsMs - this.lastPcrMs >= MAX_PCR_GAP_MS;
    const pcrMs = onPcrPid || pcrDue ? Math.max(dtsMs, this.lastPcrMs ?? dtsMs) : undefined;
    const pcr = pcrMs === undefined ? undefined : Math.round(pcrMs * 90) + TIMESTAMP_OFFSET - PCR_LEAD;
    if (pcrMs !== undefined) this.lastPcrMs = pcrMs;

    const headerLength = writePesHeader(this.pesHeader, track.es.streamId, payloadLength, pts, dts);
    const flags = { pcr: onPcrPid ? pcr : undefined, randomAccess: pkt.keyframe };
    const pesLength = headerLength + payloadLength;
    let offset = withTables ? TABLES_SIZE : 0;
    if (!onPcrPid && pcr !== undefined) offset += TS_PACKET_SIZE;
    const out = this.output.take(offset + TS_PACKET_SIZE * TsPacketStream.packetCount(pesLength, flags));

    if (withTables) this.writeTables(out);
    if (!onPcrPid && pcr !== undefined) this.pcrStream.writePcrOnly(out, offset - TS_PACKET_SIZE, pcr);
    track.ts.beginPes(out, offset, pesLength, flags);
    track.ts.write(this.pesHeader, 0, headerLength);
    track.es.write(pkt, track.ts);
    return out;
  }

  private writeTables(out: Buffer): void {
    this.pat.writeSection(out, 0, this.patSection);
    this.pmt.writeSection(out, TS_PACKET_SIZE, this.pmtSection);
  }
}

/**
 * Whether `tracks` can be muxed, for a caller that mux later (the live DVR checks at ingest, so the
 * playlist can say why there is no HLS instead of failing at the first segment request).
 * @throws UnsupportedCodecError, TsMuxError as the constructor would.
 */
export function assertTsCarries(tracks: TsTracks): void {
  if (!tracks.video && !tracks.audio) throw new TsMuxError('a transport stream needs at least one track');
  if (tracks.video) videoStream(tracks.video);
  if (tracks.audio) audioStream(tracks.audio);
}

function videoStream(config: VideoConfig): ElementaryStream<VideoConfig> {
  if (config.codec === 'avc' || config.codec === 'hevc') return new AnnexBVideoStream(config.codec);
  throw new UnsupportedCodecError(config.codec);
}

function audioStream(config: AudioConfig): ElementaryStream<AudioConfig> {
  if (config.codec === 'aac') return new AdtsAudioStream();
  if (config.codec === 'mp3') return new Mp3AudioStream(config.sampleRate);
  throw new UnsupportedCodecError(config.codecString || config.codec);
}

/** The packet's own config when it carries one (a new SPS, say), as long as the codec is unchanged. */
function packetConfig<C extends CodecConfig>(track: Track<C>, pkt: MediaPacket): C {
  const config = pkt.config;
  if (config === undefined || config === track.config) return track.config;
  if (config.kind !== track.config.kind || config.codec !== track.config.codec) {
    throw new TsMuxError(`${track.config.kind} codec changed from ${track.config.codec} to ${config.codec}`);
  }
  return config as C;
}
