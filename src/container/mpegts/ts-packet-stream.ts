/**
 * The transport-packet layer of one PID (ISO 13818-1 §2.4.3): continuity counter, adaptation field
 * (PCR, random access indicator, stuffing) and the split of one PES across 188-byte packets.
 *
 * The caller measures the PES first, allocates the whole output once, then streams the PES bytes in
 * with `write`; packet headers are laid down as the payload crosses each 188-byte boundary, so the
 * payload is copied exactly once.
 */
export const TS_PACKET_SIZE = 188;
const TS_HEADER_SIZE = 4;
const TS_PAYLOAD_SIZE = TS_PACKET_SIZE - TS_HEADER_SIZE;
const SYNC_BYTE = 0x47;
const AF_RANDOM_ACCESS = 0x40;
const AF_PCR = 0x10;
const PCR_FIELD_SIZE = 6;
const TWO_POW_33 = 2 ** 33;
const NO_FLAGS: FirstPacketFlags = { randomAccess: false };

/** What the first packet of a PES carries in its adaptation field. */
export interface FirstPacketFlags {
  /** PCR base in 90 kHz ticks (the 27 MHz extension is always 0). */
  readonly pcr?: number | undefined;
  readonly randomAccess: boolean;
}

export class TsPacketStream {
  private continuity = 0;
  private out: Buffer = Buffer.alloc(0);
  private pos = 0;
  private packetEnd = 0;
  /** PES bytes not yet written. */
  private remaining = 0;

  constructor(readonly pid: number) {}

  /** How many TS packets a PES of `pesLength` bytes takes. */
  static packetCount(pesLength: number, flags: FirstPacketFlags): number {
    const firstCapacity = TS_PAYLOAD_SIZE - adaptationFieldsSize(flags);
    if (pesLength <= firstCapacity) return 1;
    return 1 + Math.ceil((pesLength - firstCapacity) / TS_PAYLOAD_SIZE);
  }

  /** Starts a PES of `pesLength` bytes at `offset`; exactly `pesLength` bytes must follow through `write`. */
  beginPes(out: Buffer, offset: number, pesLength: number, flags: FirstPacketFlags): void {
    this.out = out;
    this.remaining = pesLength;
    const fieldsSize = adaptationFieldsSize(flags);
    const payload = Math.min(pesLength, TS_PAYLOAD_SIZE - fieldsSize);
    this.pos = this.writeHeader(offset, true, payload, flags);
    this.packetEnd = offset + TS_PACKET_SIZE;
  }

  /** Appends `src[start, end)` to the PES, opening continuation packets as needed. */
  write(src: Buffer, start = 0, end = src.length): void {
    let from = start;
    while (from < end) {
      if (this.pos === this.packetEnd) this.nextPacket();
      const n = Math.min(end - from, this.packetEnd - this.pos);
      src.copy(this.out, this.pos, from, from + n);
      this.pos += n;
      from += n;
      this.remaining -= n;
    }
  }

  /**
   * An adaptation-field-only packet carrying just a PCR, for when the PCR PID has been quiet too long
   * (the PCR interval must stay under 100 ms, ISO 13818-1 §2.7.2). It does not advance the counter.
   */
  writePcrOnly(out: Buffer, offset: number, pcr: number): void {
    this.out = out;
    this.writeHeader(offset, false, 0, { pcr, randomAccess: false });
  }

  /** A single-packet PSI section: pointer_field, the section, then 0xFF filler (§2.4.4). */
  writeSection(out: Buffer, offset: number, section: Buffer): void {
    this.out = out;
    const payloadAt = this.writeHeader(offset, true, TS_PAYLOAD_SIZE, NO_FLAGS);
    out[payloadAt] = 0;
    section.copy(out, payloadAt + 1);
    out.fill(0xff, payloadAt + 1 + section.length, offset + TS_PACKET_SIZE);
  }

  private nextPacket(): void {
    const payload = Math.min(this.remaining, TS_PAYLOAD_SIZE);
    this.pos = this.writeHeader(this.packetEnd, false, payload, NO_FLAGS);
    this.packetEnd += TS_PACKET_SIZE;
  }

  /** Writes the 4-byte header and the adaptation field sized so `payload` bytes fill the packet. */
  private writeHeader(offset: number, unitStart: boolean, payload: number, flags: FirstPacketFlags): number {
    const out = this.out;
    const adaptationSize = TS_PAYLOAD_SIZE - payload;
    // Counter advances only on packets that carry payload (§2.4.3.3).
    let control = 0x10;
    if (payload === 0) control = 0x20;
    else if (adaptationSize > 0) control = 0x30;
    out[offset] = SYNC_BYTE;
    out[offset + 1] = (unitStart ? 0x40 : 0) | ((this.pid >> 8) & 0x1f);
    out[offset + 2] = this.pid & 0xff;
    out[offset + 3] = control | this.continuity;
    if (payload > 0) this.continuity = (this.continuity + 1) & 0x0f;
    if (adaptationSize === 0) return offset + TS_HEADER_SIZE;

    const afStart = offset + TS_HEADER_SIZE;
    const afEnd = afStart + adaptationSize;
    out[afStart] = adaptationSize - 1;
    if (adaptationSize === 1) return afEnd;
    let p = afStart + 2;
    let afFlags = flags.randomAccess ? AF_RANDOM_ACCESS : 0;
    if (flags.pcr !== undefined) {
      afFlags |= AF_PCR;
      writePcr(out, p, flags.pcr);
      p += PCR_FIELD_SIZE;
    }
    out[afStart + 1] = afFlags;
    out.fill(0xff, p, afEnd);
    return afEnd;
  }
}

/** Bytes the adaptation field needs before any stuffing: length byte, flags byte, optional PCR. */
function adaptationFieldsSize(flags: FirstPacketFlags): number {
  if (flags.pcr !== undefined) return 2 + PCR_FIELD_SIZE;
  return flags.randomAccess ? 2 : 0;
}

/** program_clock_reference_base (33 bits), 6 reserved bits, extension (9 bits, here 0). */
function writePcr(out: Buffer, at: number, pcr90k: number): void {
  const base = ((pcr90k % TWO_POW_33) + TWO_POW_33) % TWO_POW_33;
  out[at] = Math.floor(base / 2 ** 25) & 0xff;
  out[at + 1] = Math.floor(base / 2 ** 17) & 0xff;
  out[at + 2] = Math.floor(base / 2 ** 9) & 0xff;
  out[at + 3] = Math.floor(base / 2) & 0xff;
  out[at + 4] = ((base % 2) << 7) | 0x7e;
  out[at + 5] = 0;
}
