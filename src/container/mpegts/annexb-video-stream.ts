/**
 * H.264 / HEVC in MPEG-TS (ISO 13818-1 §2.14, §2.17): length-prefixed NAL units become Annex B, each
 * access unit opens with an access unit delimiter, and every keyframe carries the parameter sets so a
 * segment (or a player joining live) decodes from its first frame.
 */
import type { MediaPacket, VideoConfig } from '../../media/packet.js';
import type { ElementaryStream } from './elementary-stream.js';
import { asTsMuxError } from './errors.js';
import { type AnnexBSetup, avcSetup, hevcSetup, START_CODE } from './parameter-sets.js';
import { VIDEO_STREAM_ID } from './pes-header.js';
import type { TsPacketStream } from './ts-packet-stream.js';

/** What the Annex B mapping of a codec needs to know of its NAL units (shared with the demuxing side). */
export interface NalSyntax {
  readonly streamType: number;
  /** A complete access unit delimiter, start code included. */
  readonly aud: Buffer;
  readonly audType: number;
  readonly parameterSetTypes: readonly number[];
  nalType(firstByte: number): number;
  /** An IDR picture (H.264) or an IRAP picture (HEVC): decoding can start at its access unit. */
  isRandomAccess(nalType: number): boolean;
  setup(record: Buffer): AnnexBSetup;
}

const AVC: NalSyntax = {
  streamType: 0x1b,
  aud: Buffer.from([0, 0, 0, 1, 0x09, 0xf0]), // primary_pic_type 7: any slice type
  audType: 9,
  parameterSetTypes: [7, 8],
  nalType: (b) => b & 0x1f,
  isRandomAccess: (type) => type === 5,
  setup: avcSetup,
};

const HEVC: NalSyntax = {
  streamType: 0x24,
  aud: Buffer.from([0, 0, 0, 1, 0x46, 0x01, 0x50]), // type 35, layer 0, tid 1; pic_type 2: any
  audType: 35,
  parameterSetTypes: [32, 33, 34],
  nalType: (b) => (b >> 1) & 0x3f,
  isRandomAccess: (type) => type >= 16 && type <= 23,
  setup: hevcSetup,
};

export function nalSyntaxOf(codec: 'avc' | 'hevc'): NalSyntax {
  return codec === 'avc' ? AVC : HEVC;
}

export class AnnexBVideoStream implements ElementaryStream<VideoConfig> {
  readonly streamType: number;
  readonly streamId = VIDEO_STREAM_ID;
  private readonly syntax: NalSyntax;
  private config: VideoConfig | undefined;
  private setup: AnnexBSetup = { lengthSize: 4, parameterSets: Buffer.alloc(0) };
  /** [start, end) of each NAL unit of the measured packet, flattened; reused across packets. */
  private readonly nalRanges: number[] = [];
  private prependAud = false;
  private prependParameterSets = false;

  constructor(codec: 'avc' | 'hevc') {
    this.syntax = nalSyntaxOf(codec);
    this.streamType = this.syntax.streamType;
  }

  measure(pkt: MediaPacket, config: VideoConfig): number {
    if (config !== this.config) {
      this.setup = asTsMuxError(() => this.syntax.setup(config.record));
      this.config = config;
    }
    const { data } = pkt;
    const ranges = this.nalRanges;
    const lengthSize = this.setup.lengthSize;
    ranges.length = 0;
    let hasParameterSets = false;
    let size = 0;
    // A truncated or overlong length ends the scan: what came before it is still a valid prefix.
    for (let pos = 0; pos + lengthSize <= data.length; ) {
      const length = data.readUIntBE(pos, lengthSize);
      const start = pos + lengthSize;
      const end = start + length;
      if (end > data.length) break;
      if (length > 0) {
        ranges.push(start, end);
        size += START_CODE.length + length;
        if (this.syntax.parameterSetTypes.includes(this.syntax.nalType(data[start]!)))
          hasParameterSets = true;
      }
      pos = end;
    }
    if (ranges.length === 0) return 0;
    this.prependAud = this.syntax.nalType(data[ranges[0]!]!) !== this.syntax.audType;
    this.prependParameterSets = pkt.keyframe && !hasParameterSets;
    if (this.prependAud) size += this.syntax.aud.length;
    if (this.prependParameterSets) size += this.setup.parameterSets.length;
    return size;
  }

  write(pkt: MediaPacket, out: TsPacketStream): void {
    if (this.prependAud) out.write(this.syntax.aud);
    if (this.prependParameterSets) out.write(this.setup.parameterSets);
    const ranges = this.nalRanges;
    for (let i = 0; i < ranges.length; i += 2) {
      out.write(START_CODE);
      out.write(pkt.data, ranges[i], ranges[i + 1]);
    }
  }
}
