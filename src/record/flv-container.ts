import { readFlvTagHeader } from '../media/flv-file.js';
import { flvFileHeader, flvTag, onMetaDataTag } from '../media/flv-writer.js';
import type { MediaPacket } from '../media/packet.js';
import type { ContainerWriter, Patch } from './container-writer.js';
import type { FileTracks } from './file-splitter.js';
import {
  type KeyframeEntry,
  keyframeIndexCapacity,
  keyframeIndexPatches,
  reservedKeyframeIndex,
} from './flv-keyframe-index.js';

const FLV_HEADER_BYTES = 13;
const TAG_HEADER_BYTES = 11;
const TAG_TRAILER_BYTES = 4;

/**
 * FLV recording: the publisher's tags verbatim (re-timed to start at 0), after an onMetaData whose
 * duration, filesize and keyframe index are patched in place when the file closes — so players know
 * the length and seek with range requests without a yamdi pass. An FLV is append-only: a crash leaves
 * every complete tag playable.
 */
export class FlvContainer implements ContainerWriter {
  private metadataBody: Buffer | undefined;
  /** Bytes returned so far: the offset the next tag will have in the file. */
  private size = 0;
  private readonly keyframes: KeyframeEntry[] = [];

  /** `intervalMs` is the longest the file is meant to run (Infinity when unsplit); it sizes the index. */
  constructor(
    private readonly tracks: FileTracks,
    private readonly startDts: number,
    private readonly intervalMs: number,
  ) {}

  start(): Buffer[] {
    const { video, audio } = this.tracks;
    this.metadataBody = onMetaDataTag({
      duration: 0,
      filesize: 0,
      width: video?.width,
      height: video?.height,
      framerate: video?.frameRate,
      videocodecid: video ? (video.codec === 'avc' ? 7 : video.codec === 'hevc' ? 12 : undefined) : undefined,
      audiocodecid: audio ? (audio.codec === 'aac' ? 10 : audio.codec === 'mp3' ? 2 : undefined) : undefined,
      audiosamplerate: audio?.sampleRate,
      stereo: audio ? audio.channels > 1 : undefined,
      // Audio-only files get no index: every audio frame is a sync point, players seek them by time.
      ...(video ? reservedKeyframeIndex(keyframeIndexCapacity(this.intervalMs)) : {}),
    });
    const out = [
      flvFileHeader({ audio: audio !== undefined, video: video !== undefined }),
      ...flvTag(18, 0, this.metadataBody),
    ];
    this.size = FLV_HEADER_BYTES + TAG_HEADER_BYTES + this.metadataBody.length + TAG_TRAILER_BYTES;
    if (video) out.push(...this.tag(9, 0, video.tag, true));
    if (audio && audio.tag.length > 0) out.push(...this.tag(8, 0, audio.tag, false));
    return out;
  }

  write(packet: MediaPacket): Buffer[] {
    const video = packet.kind === 'video';
    return this.tag(video ? 9 : 8, packet.dts - this.startDts, packet.tag, video && packet.keyframe);
  }

  /** A tag at the current end of the file; `indexed` ones (keyframes, sequence header) go in the index. */
  private tag(type: 8 | 9, timestampMs: number, body: Buffer, indexed: boolean): Buffer[] {
    const tag = flvTag(type, timestampMs, body);
    // The timestamp as the header stores it (rounded, extended), which recovery reads back the same way.
    if (indexed)
      this.keyframes.push({ timeMs: readFlvTagHeader(tag[0]!, 0)!.timestamp, position: this.size });
    this.size += TAG_HEADER_BYTES + body.length + TAG_TRAILER_BYTES;
    return tag;
  }

  end(): undefined {
    return undefined;
  }

  patches(facts: { durationMs: number; sizeBytes: number }): Patch[] {
    const bodyOffset = FLV_HEADER_BYTES + TAG_HEADER_BYTES;
    return [
      ...flvMetadataPatches(this.metadataBody!, bodyOffset, facts),
      ...keyframeIndexPatches(this.metadataBody!, bodyOffset, this.keyframes),
    ];
  }
}

/** Where the `duration` and `filesize` doubles sit in an onMetaData body written at `bodyOffset`. */
export function flvMetadataPatches(
  body: Buffer,
  bodyOffset: number,
  facts: { durationMs: number; sizeBytes: number },
): Patch[] {
  const patches: Patch[] = [];
  for (const [key, value] of [
    ['duration', facts.durationMs / 1000],
    ['filesize', facts.sizeBytes],
  ] as const) {
    // ECMA-array property: u16 name length, name, then the number marker 0x00 and an 8-byte double.
    const at = body.indexOf(Buffer.from([0, key.length, ...Buffer.from(key), 0x00]));
    if (at < 0) continue;
    const data = Buffer.alloc(8);
    data.writeDoubleBE(value);
    patches.push({ position: bodyOffset + at + 2 + key.length + 1, data });
  }
  return patches;
}
