/**
 * Counts the tags of an FLV byte stream as it arrives (an HTTP-FLV response), without keeping or copying
 * bodies: only the 15 bytes before each body (PreviousTagSize + tag header) and its first two bytes are
 * looked at, so a player costs the load generator next to nothing.
 */

export class FlvStreamError extends Error {
  override readonly name = 'FlvStreamError';
}

const FILE_HEADER_SIZE = 9;
/** PreviousTagSize (4) + tag header (11). */
const TAG_PREFIX_SIZE = 15;
/** Enough of the body to tell a sequence header from a coded frame. */
const BODY_PEEK_SIZE = 2;
const TAG_AUDIO = 8;
const TAG_VIDEO = 9;
const AVC_LEGACY_CODEC = 7;
const AAC_SOUND_FORMAT = 10;
/** Enhanced RTMP: bit 7 of the first video byte; the low 4 bits are then the packet type. */
const EX_HEADER = 0x80;
const EX_CODED_FRAMES = 1;
const EX_CODED_FRAMES_X = 3;

export class FlvTagCounter {
  /** Video tags that carry a picture (sequence headers and end-of-sequence are not counted). */
  videoFrames = 0;
  /** Audio tags other than AAC sequence headers. */
  audioFrames = 0;
  tags = 0;
  private readonly head = Buffer.alloc(TAG_PREFIX_SIZE + BODY_PEEK_SIZE);
  private headLength = 0;
  /** Bytes of `head` to collect before the next decision. */
  private want = FILE_HEADER_SIZE;
  private inFileHeader = true;
  /** Body bytes still to pass over. */
  private skip = 0;
  private previousTagSize = 0;
  private bodySize = 0;

  /** Feeds the next bytes; throws FlvStreamError when they cannot be FLV. */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const n = Math.min(this.want - this.headLength, chunk.length - at);
      chunk.copy(this.head, this.headLength, at, at + n);
      this.headLength += n;
      at += n;
      if (this.headLength === this.want) this.decide();
    }
  }

  private decide(): void {
    if (this.inFileHeader) {
      this.endFileHeader();
      return;
    }
    if (this.want === TAG_PREFIX_SIZE) {
      const declared = this.head.readUInt32BE(0);
      if (declared !== this.previousTagSize) {
        throw new FlvStreamError(
          `PreviousTagSize ${declared} does not match the tag before it (${this.previousTagSize})`,
        );
      }
      this.bodySize = this.head.readUIntBE(5, 3);
      this.want = TAG_PREFIX_SIZE + Math.min(BODY_PEEK_SIZE, this.bodySize);
      if (this.want > TAG_PREFIX_SIZE) return;
    }
    this.countTag();
    this.skip = this.bodySize - (this.want - TAG_PREFIX_SIZE);
    this.previousTagSize = this.bodySize + 11;
    this.headLength = 0;
    this.want = TAG_PREFIX_SIZE;
  }

  private endFileHeader(): void {
    if (this.head.toString('latin1', 0, 3) !== 'FLV') throw new FlvStreamError('missing the "FLV" signature');
    const dataOffset = this.head.readUInt32BE(5);
    if (dataOffset < FILE_HEADER_SIZE) throw new FlvStreamError(`FLV header size ${dataOffset} is invalid`);
    this.inFileHeader = false;
    this.skip = dataOffset - FILE_HEADER_SIZE;
    this.headLength = 0;
    this.want = TAG_PREFIX_SIZE;
  }

  private countTag(): void {
    this.tags++;
    const type = this.head[4]! & 0x1f;
    const peeked = this.want - TAG_PREFIX_SIZE;
    if (peeked === 0) return;
    const first = this.head[TAG_PREFIX_SIZE]!;
    const second = peeked === 2 ? this.head[TAG_PREFIX_SIZE + 1] : undefined;
    if (type === TAG_VIDEO && isPictureTag(first, second)) this.videoFrames++;
    else if (type === TAG_AUDIO && isAudioFrameTag(first, second)) this.audioFrames++;
  }
}

/** Whether a video tag whose body starts with these bytes carries a picture (not a sequence header or end). */
export function isPictureTag(first: number, second: number | undefined): boolean {
  if (first & EX_HEADER) {
    const packetType = first & 0x0f;
    return packetType === EX_CODED_FRAMES || packetType === EX_CODED_FRAMES_X;
  }
  return (first & 0x0f) !== AVC_LEGACY_CODEC || second === 1;
}

function isAudioFrameTag(first: number, second: number | undefined): boolean {
  return first >> 4 !== AAC_SOUND_FORMAT || (second !== undefined && second !== 0);
}
