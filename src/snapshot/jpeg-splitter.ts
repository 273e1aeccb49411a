/**
 * Splits a byte stream of back-to-back JPEG images (what `ffmpeg -f image2pipe -c:v mjpeg` writes) into
 * whole images, and reads each one's size from its frame header (ITU-T T.81 §B.2). Marker segments are
 * walked by their lengths; entropy-coded data is scanned for the next marker (0xFF not followed by a
 * stuffed 0x00 or a restart marker), so an end-of-image pattern can only match a real EOI.
 */

export interface Jpeg {
  readonly bytes: Buffer;
  readonly width: number;
  readonly height: number;
}

export class JpegStreamError extends Error {
  override readonly name = 'JpegStreamError';
}

/** No image we make comes near this; a stream that grows past it without an EOI is broken. */
export const MAX_JPEG_BYTES = 16 << 20;

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

export class JpegSplitter {
  private pending: Buffer = Buffer.alloc(0);

  /** Whole images completed by `chunk`; throws JpegStreamError on bytes that are not JPEG. */
  push(chunk: Buffer): Jpeg[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const images: Jpeg[] = [];
    for (;;) {
      const image = firstImage(this.pending);
      if (image === undefined) break;
      images.push(image);
      this.pending = this.pending.subarray(image.bytes.length);
    }
    if (this.pending.length > MAX_JPEG_BYTES)
      throw new JpegStreamError(`no end of image within ${MAX_JPEG_BYTES} bytes`);
    return images;
  }
}

/** The complete image at the start of `bytes`, or undefined if it is not all there yet. */
function firstImage(bytes: Buffer): Jpeg | undefined {
  if (bytes.length < 2) return undefined;
  if (bytes[0] !== 0xff || bytes[1] !== SOI) throw new JpegStreamError('a JPEG must start with SOI (FF D8)');
  let at = 2;
  let width = 0;
  let height = 0;
  for (;;) {
    if (at + 2 > bytes.length) return undefined;
    if (bytes[at] !== 0xff) throw new JpegStreamError(`marker expected at byte ${at}`);
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === EOI) {
      if (width === 0 || height === 0) throw new JpegStreamError('image without a frame header');
      return { bytes: Buffer.from(bytes.subarray(0, at + 2)), width, height };
    }
    if (marker === SOI || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      throw new JpegStreamError(`unexpected marker FF ${marker.toString(16)} at byte ${at}`);
    }
    if (at + 4 > bytes.length) return undefined;
    const length = bytes.readUInt16BE(at + 2);
    if (length < 2) throw new JpegStreamError(`segment length ${length} at byte ${at}`);
    const end = at + 2 + length;
    if (end > bytes.length) return undefined;
    if (isStartOfFrame(marker)) {
      if (length < 8) throw new JpegStreamError('frame header too short');
      height = bytes.readUInt16BE(at + 5);
      width = bytes.readUInt16BE(at + 7);
    }
    at = end;
    if (marker === SOS) {
      const next = nextMarker(bytes, at);
      if (next === undefined) return undefined;
      at = next;
    }
  }
}

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Position of the first marker after entropy-coded data starting at `from`; undefined if not there yet. */
function nextMarker(bytes: Buffer, from: number): number | undefined {
  let at = from;
  for (;;) {
    const ff = bytes.indexOf(0xff, at);
    if (ff < 0 || ff + 1 >= bytes.length) return undefined;
    const following = bytes[ff + 1]!;
    if (following === 0x00 || (following >= 0xd0 && following <= 0xd7) || following === 0xff) {
      at = following === 0xff ? ff + 1 : ff + 2;
      continue;
    }
    return ff;
  }
}
