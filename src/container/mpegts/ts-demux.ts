/**
 * Reads an MPEG-TS (ISO 13818-1) back into access units: what HLS segments hold, ours or another
 * writer's — one program (PAT §2.4.4.3, PMT §2.4.4.8), one PES (§2.4.3.6) per access unit. Each call
 * reads one self-contained buffer (a segment): a PES still open at its end is complete unless its
 * declared length says it was torn, and then it is dropped (crash-recovered segments end on a PES
 * boundary). Pure, linear in the input, and memory bounded by it; anything malformed throws
 * `TsDemuxError`, never another error.
 */
import { crc32Mpeg2 } from './crc32.js';
import { readPesTimestamp } from './pes-header.js';
import { TS_PACKET_SIZE } from './ts-packet-stream.js';

/** The bytes are not a transport stream this reader understands; the message says where and why. */
export class TsDemuxError extends Error {
  override readonly name = 'TsDemuxError';
}

/** One PES: an access unit (a video frame, or one or more audio frames) with its 90 kHz times. */
export interface TsAccessUnit {
  readonly pid: number;
  /** stream_type from the PMT (0x1b H.264, 0x24 HEVC, 0x0f AAC ADTS, 0x03/0x04 MPEG audio, …). */
  readonly streamType: number;
  /** 90 kHz ticks, unwrapped past 2^33 within the buffer (see `unwrapTimestamp`). */
  readonly pts: number;
  readonly dts: number;
  /** The PES payload: the elementary-stream bytes of the access unit. */
  readonly data: Buffer;
  /** The adaptation field's random_access_indicator on the PES's first packet. */
  readonly randomAccess: boolean;
}

const SYNC_BYTE = 0x47;
const PAT_PID = 0;
const TABLE_PAT = 0x00;
const TABLE_PMT = 0x02;
const TWO_POW_33 = 2 ** 33;
/** Start code, stream_id, PES_packet_length, two flag bytes, PES_header_data_length. */
const PES_FIXED_HEADER = 9;

interface OpenPes {
  readonly at: number;
  readonly randomAccess: boolean;
  readonly chunks: Buffer[];
  length: number;
}

/**
 * The PES packets of `bytes` in the order they complete, for the elementary streams its PMT lists.
 * A trailing partial 188-byte packet is ignored (a torn write). Packets before the PMT are skipped.
 */
export function demuxTs(bytes: Buffer): TsAccessUnit[] {
  const streams = new Map<number, number>();
  const open = new Map<number, OpenPes>();
  const units: TsAccessUnit[] = [];
  const lastDts = new Map<number, number>();
  let pmtPid: number | undefined;
  let latestDts: number | undefined;

  const finish = (pid: number, torn: 'drop-torn' | 'strict') => {
    const pes = open.get(pid);
    if (pes === undefined) return;
    open.delete(pid);
    const unit = parsePes(Buffer.concat(pes.chunks, pes.length), pes.at, torn);
    if (unit === undefined) return;
    // A stream's first timestamp is unwrapped near the other streams' (they may wrap apart).
    const previous = lastDts.get(pid) ?? latestDts;
    const dts = previous === undefined ? unit.dts : unwrapTimestamp(unit.dts, previous);
    latestDts = dts;
    const pts = unwrapTimestamp(unit.pts, dts);
    lastDts.set(pid, dts);
    units.push({
      pid,
      streamType: streams.get(pid)!,
      pts,
      dts,
      data: unit.data,
      randomAccess: pes.randomAccess,
    });
  };

  const whole = bytes.length - (bytes.length % TS_PACKET_SIZE);
  for (let at = 0; at < whole; at += TS_PACKET_SIZE) {
    if (bytes[at] !== SYNC_BYTE) throw new TsDemuxError(`no sync byte at offset ${at}`);
    const flags = bytes[at + 1]!;
    if (flags & 0x80) throw new TsDemuxError(`transport error indicator set at offset ${at}`);
    const unitStart = (flags & 0x40) !== 0;
    const pid = ((flags & 0x1f) << 8) | bytes[at + 2]!;
    const control = (bytes[at + 3]! >> 4) & 0x3;
    let payloadAt = at + 4;
    let randomAccess = false;
    if (control & 0x2) {
      const length = bytes[at + 4]!;
      if (length > TS_PACKET_SIZE - 5)
        throw new TsDemuxError(`adaptation field of ${length} bytes at offset ${at}`);
      if (length > 0) randomAccess = (bytes[at + 5]! & 0x40) !== 0;
      payloadAt += 1 + length;
    }
    if ((control & 0x1) === 0) continue;
    const payload = bytes.subarray(payloadAt, at + TS_PACKET_SIZE);
    if (pid === PAT_PID) {
      if (unitStart) pmtPid = readPat(payload, at) ?? pmtPid;
    } else if (pid === pmtPid) {
      if (unitStart) {
        const listed = readPmt(payload, at);
        if (listed !== undefined) {
          for (const [streamPid, type] of listed) streams.set(streamPid, type);
        }
      }
    } else if (streams.has(pid)) {
      if (unitStart) {
        finish(pid, 'strict');
        open.set(pid, { at, randomAccess, chunks: [payload], length: payload.length });
      } else {
        const pes = open.get(pid);
        if (pes !== undefined) {
          pes.chunks.push(payload);
          pes.length += payload.length;
        }
      }
    }
  }
  for (const pid of [...open.keys()]) finish(pid, 'drop-torn');
  return units;
}

/**
 * `ticks` (a 33-bit timestamp, or one already unwrapped) moved by whole multiples of 2^33 to the value
 * nearest `reference`: timestamps that wrapped (every 26.5 hours) keep counting up.
 */
export function unwrapTimestamp(ticks: number, reference: number): number {
  const turns = Math.round((reference - ticks) / TWO_POW_33);
  return ticks + turns * TWO_POW_33;
}

/** The PMT PID of the first program the PAT lists (program 0 is the network PID); undefined if none. */
function readPat(payload: Buffer, at: number): number | undefined {
  const section = readSection(payload, TABLE_PAT, at);
  if (section === undefined) return undefined;
  for (let i = 8; i + 4 <= section.length - 4; i += 4) {
    if (section.readUInt16BE(i) !== 0) return section.readUInt16BE(i + 2) & 0x1fff;
  }
  return undefined;
}

/** PID → stream_type of each elementary stream the PMT lists. */
function readPmt(payload: Buffer, at: number): Map<number, number> | undefined {
  const section = readSection(payload, TABLE_PMT, at);
  if (section === undefined) return undefined;
  const end = section.length - 4;
  if (end < 12) throw new TsDemuxError(`PMT too short at offset ${at}`);
  let i = 12 + (section.readUInt16BE(10) & 0x0fff);
  const streams = new Map<number, number>();
  while (i + 5 <= end) {
    const type = section[i]!;
    const pid = section.readUInt16BE(i + 1) & 0x1fff;
    const infoLength = section.readUInt16BE(i + 3) & 0x0fff;
    streams.set(pid, type);
    i += 5 + infoLength;
  }
  if (i !== end) throw new TsDemuxError(`PMT stream loop overruns its section at offset ${at}`);
  return streams;
}

/**
 * The long-form section that starts this packet's payload, CRC checked; undefined for another table.
 * Sections here are small (one program, a few streams) and must fit one packet.
 */
function readSection(payload: Buffer, tableId: number, at: number): Buffer | undefined {
  if (payload.length < 1) throw new TsDemuxError(`PSI packet without payload at offset ${at}`);
  const start = 1 + payload[0]!;
  if (start + 3 > payload.length) throw new TsDemuxError(`PSI pointer past the packet at offset ${at}`);
  if (payload[start] !== tableId) return undefined;
  const length = payload.readUInt16BE(start + 1) & 0x0fff;
  const end = start + 3 + length;
  if (length < 9 || end > payload.length)
    throw new TsDemuxError(`PSI section of ${length} bytes does not fit its packet at offset ${at}`);
  const section = payload.subarray(start, end);
  if (crc32Mpeg2(section, 0, section.length - 4) !== section.readUInt32BE(section.length - 4))
    throw new TsDemuxError(`PSI section CRC mismatch at offset ${at}`);
  return section;
}

/**
 * A PES packet's timestamps and payload. `drop-torn`: the buffer ended inside this PES, so a declared
 * length longer than what arrived means a torn write (undefined); `strict`: the next PES began, so it
 * is damage.
 */
function parsePes(
  pes: Buffer,
  at: number,
  mode: 'drop-torn' | 'strict',
): { pts: number; dts: number; data: Buffer } | undefined {
  if (pes.length < PES_FIXED_HEADER) {
    if (mode === 'drop-torn') return undefined;
    throw new TsDemuxError(`PES shorter than its header at offset ${at}`);
  }
  if (pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1)
    throw new TsDemuxError(`no PES start code at offset ${at}`);
  const declared = pes.readUInt16BE(4);
  let end = pes.length;
  if (declared !== 0) {
    end = 6 + declared;
    if (end > pes.length) {
      if (mode === 'drop-torn') return undefined;
      throw new TsDemuxError(`PES of ${end} bytes holds only ${pes.length} at offset ${at}`);
    }
  }
  const timestampFlags = pes[7]! >> 6;
  const headerEnd = PES_FIXED_HEADER + pes[8]!;
  if (headerEnd > end) throw new TsDemuxError(`PES header runs past the PES at offset ${at}`);
  if (timestampFlags !== 2 && timestampFlags !== 3)
    throw new TsDemuxError(`PES without a presentation time at offset ${at}`);
  const needed = timestampFlags === 3 ? 19 : 14;
  if (headerEnd < needed) throw new TsDemuxError(`PES header too short for its timestamps at offset ${at}`);
  const pts = readPesTimestamp(pes, 9);
  const dts = timestampFlags === 3 ? readPesTimestamp(pes, 14) : pts;
  return { pts, dts, data: pes.subarray(headerEnd, end) };
}
