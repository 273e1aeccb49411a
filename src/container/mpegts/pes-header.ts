/**
 * PES packet header (ISO 13818-1 §2.4.3.6) with PTS and, when it differs, DTS — the only optional
 * fields a TS carrying H.264/HEVC/AAC/MP3 for HLS needs.
 */
const TWO_POW_30 = 2 ** 30;
const TWO_POW_33 = 2 ** 33;

export const VIDEO_STREAM_ID = 0xe0;
export const AUDIO_STREAM_ID = 0xc0;

export function pesHeaderLength(withDts: boolean): number {
  return withDts ? 19 : 14;
}

/**
 * Writes the header for `payloadLength` bytes of elementary stream at `out[0]` and returns its length.
 * Timestamps are 90 kHz ticks; `dts` is omitted when it equals `pts`.
 */
export function writePesHeader(
  out: Buffer,
  streamId: number,
  payloadLength: number,
  pts: number,
  dts: number,
): number {
  const withDts = dts !== pts;
  const headerLength = pesHeaderLength(withDts);
  // PES_packet_length counts from after itself; 0 ("unbounded") is allowed for video only, but an
  // audio frame never gets near 64 KiB, so the fallback only ever applies to large video frames.
  const packetLength = headerLength - 6 + payloadLength;
  out[0] = 0;
  out[1] = 0;
  out[2] = 1;
  out[3] = streamId;
  out.writeUInt16BE(packetLength <= 0xffff ? packetLength : 0, 4);
  out[6] = 0x84; // '10' marker bits, data_alignment_indicator: every PES starts an access unit
  out[7] = withDts ? 0xc0 : 0x80;
  out[8] = headerLength - 9;
  writeTimestamp(out, 9, withDts ? 0x3 : 0x2, pts);
  if (withDts) writeTimestamp(out, 14, 0x1, dts);
  return headerLength;
}

/** 33-bit timestamp in 5 bytes: 4-bit prefix, then 3/15/15 bits each followed by a marker bit. */
function writeTimestamp(out: Buffer, at: number, prefix: number, ticks: number): void {
  const ts = ((ticks % TWO_POW_33) + TWO_POW_33) % TWO_POW_33;
  const low30 = ts % TWO_POW_30;
  out[at] = (prefix << 4) | ((Math.floor(ts / TWO_POW_30) & 0x07) << 1) | 1;
  out[at + 1] = (low30 >> 22) & 0xff;
  out[at + 2] = ((low30 >> 14) & 0xfe) | 1;
  out[at + 3] = (low30 >> 7) & 0xff;
  out[at + 4] = ((low30 << 1) & 0xfe) | 1;
}

/** Reads what `writeTimestamp` wrote: a 33-bit PES timestamp in its 5-byte marker-bit layout. */
export function readPesTimestamp(buf: Buffer, at: number): number {
  return (
    ((buf[at]! >> 1) & 0x07) * 2 ** 30 +
    ((buf.readUInt16BE(at + 1) >> 1) << 15) +
    (buf.readUInt16BE(at + 3) >> 1)
  );
}
