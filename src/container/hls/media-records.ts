/**
 * The live DVR's spill format: what the packager receives, as compact records, so a segment is muxed to
 * MPEG-TS only when a player asks for it (docs/decisions/0032-dvr-mux-on-demand.md). Internal to one
 * process: the spill root is emptied at start, so the format has no version and may change freely.
 *
 * A record is a 22-byte header and a payload:
 *
 *   type u8 (1 video packet, 2 audio packet, 3 config change) | flags u8 (bit 0: keyframe) |
 *   dts f64 LE | pts f64 LE | payload length u32 LE | payload
 *
 * A packet's payload is its `data` (the codec payload, as in `MediaPacket`). A config change's payload is
 * a u32 LE index into a table of configurations the writer keeps in memory (configurations are objects
 * compared by identity, and never outlive the process either); it applies to the packets after it.
 */
import type { TrackKind } from '../../media/packet.js';

export const RECORD_HEADER_SIZE = 22;
const VIDEO = 1;
const AUDIO = 2;
const CONFIG = 3;
const KEYFRAME = 1;

/** The records could not be read: torn (cut short) or not written by `writeRecordHeader`. */
export class MediaRecordError extends Error {
  override name = 'MediaRecordError';
}

export type MediaRecord =
  | {
      readonly type: 'packet';
      readonly kind: TrackKind;
      readonly keyframe: boolean;
      readonly dts: number;
      readonly pts: number;
      /** A view into the records' bytes. */
      readonly data: Buffer;
    }
  | { readonly type: 'config'; readonly configId: number };

/** Writes a packet record's header into `out` (22 bytes); `dataLength` bytes of payload follow it. */
export function writePacketHeader(
  out: Buffer,
  kind: TrackKind,
  keyframe: boolean,
  dts: number,
  pts: number,
  dataLength: number,
): void {
  out[0] = kind === 'video' ? VIDEO : AUDIO;
  out[1] = keyframe ? KEYFRAME : 0;
  out.writeDoubleLE(dts, 2);
  out.writeDoubleLE(pts, 10);
  out.writeUInt32LE(dataLength, 18);
}

/** A whole config-change record (header and payload). */
export function configRecord(configId: number): Buffer {
  const out = Buffer.alloc(RECORD_HEADER_SIZE + 4);
  out[0] = CONFIG;
  out.writeUInt32LE(4, 18);
  out.writeUInt32LE(configId, RECORD_HEADER_SIZE);
  return out;
}

/**
 * The records in `bytes`, in order; packet payloads are views into `bytes`.
 * @throws MediaRecordError when `bytes` do not hold whole, well-formed records.
 */
export function readMediaRecords(bytes: Buffer): MediaRecord[] {
  const records: MediaRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < RECORD_HEADER_SIZE) throw new MediaRecordError(`record at ${at} is cut short`);
    const type = bytes[at]!;
    const flags = bytes[at + 1]!;
    const dts = bytes.readDoubleLE(at + 2);
    const pts = bytes.readDoubleLE(at + 10);
    const length = bytes.readUInt32LE(at + 18);
    const payloadAt = at + RECORD_HEADER_SIZE;
    if (length > bytes.length - payloadAt) throw new MediaRecordError(`record at ${at} is cut short`);
    if ((flags & ~KEYFRAME) !== 0) throw new MediaRecordError(`record at ${at} has unknown flags ${flags}`);
    if (type === CONFIG) {
      if (length !== 4 || flags !== 0) throw new MediaRecordError(`config record at ${at} is malformed`);
      records.push({ type: 'config', configId: bytes.readUInt32LE(payloadAt) });
    } else if (type === VIDEO || type === AUDIO) {
      if (!Number.isFinite(dts) || !Number.isFinite(pts))
        throw new MediaRecordError(`record at ${at} has a timestamp that is not a number`);
      records.push({
        type: 'packet',
        kind: type === VIDEO ? 'video' : 'audio',
        keyframe: flags === KEYFRAME,
        dts,
        pts,
        data: bytes.subarray(payloadAt, payloadAt + length),
      });
    } else throw new MediaRecordError(`record at ${at} has unknown type ${type}`);
    at = payloadAt + length;
  }
  return records;
}
