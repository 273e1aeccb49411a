import { flvFileHeader, flvTag, onMetaDataTag } from '../media/flv-writer.js';
import type { MediaPacket } from '../media/packet.js';
import type { ContainerWriter, Patch } from './container-writer.js';
import type { FileTracks } from './segmenter.js';

const FLV_HEADER_BYTES = 13;
const TAG_HEADER_BYTES = 11;

/**
 * FLV recording: the publisher's tags verbatim (re-timed to start at 0), after an onMetaData whose
 * duration and filesize are patched in place when the file closes — so players know the length
 * without a yamdi pass. An FLV is append-only: a crash leaves every complete tag playable.
 */
export class FlvContainer implements ContainerWriter {
  private metadataBody: Buffer | undefined;

  constructor(
    private readonly tracks: FileTracks,
    private readonly startDts: number,
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
    });
    const out = [
      flvFileHeader({ audio: audio !== undefined, video: video !== undefined }),
      ...flvTag(18, 0, this.metadataBody),
    ];
    if (video) out.push(...flvTag(9, 0, video.tag));
    if (audio && audio.tag.length > 0) out.push(...flvTag(8, 0, audio.tag));
    return out;
  }

  write(packet: MediaPacket): Buffer[] {
    return flvTag(packet.kind === 'video' ? 9 : 8, packet.dts - this.startDts, packet.tag);
  }

  end(): undefined {
    return undefined;
  }

  patches(facts: { durationMs: number; sizeBytes: number }): Patch[] {
    return flvMetadataPatches(this.metadataBody!, FLV_HEADER_BYTES + TAG_HEADER_BYTES, facts);
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
