/**
 * Program Specific Information sections (ISO 13818-1 §2.4.4): one program, so one PAT entry and
 * one PMT listing the elementary streams. Sections are built once per muxer and re-sent at the
 * start of every segment, so each HLS segment can be decoded on its own.
 */
import { crc32Mpeg2 } from './crc32.js';

export const PROGRAM_NUMBER = 1;

export interface PmtStream {
  readonly streamType: number;
  readonly pid: number;
}

export function patSection(pmtPid: number): Buffer {
  const program = Buffer.alloc(4);
  program.writeUInt16BE(PROGRAM_NUMBER, 0);
  program.writeUInt16BE(0xe000 | pmtPid, 2);
  return section(0x00, 1, program);
}

export function pmtSection(pcrPid: number, streams: readonly PmtStream[]): Buffer {
  const body = Buffer.alloc(4 + 5 * streams.length);
  body.writeUInt16BE(0xe000 | pcrPid, 0);
  body.writeUInt16BE(0xf000, 2); // program_info_length = 0
  streams.forEach((s, i) => {
    const at = 4 + 5 * i;
    body[at] = s.streamType;
    body.writeUInt16BE(0xe000 | s.pid, at + 1);
    body.writeUInt16BE(0xf000, at + 3); // ES_info_length = 0
  });
  return section(0x02, PROGRAM_NUMBER, body);
}

/** Long-form section: 8-byte header, body, CRC-32; version 0, current, section 0 of 0. */
function section(tableId: number, tableIdExtension: number, body: Buffer): Buffer {
  const out = Buffer.alloc(8 + body.length + 4);
  out[0] = tableId;
  out.writeUInt16BE(0xb000 | (out.length - 3), 1); // section_syntax_indicator, '0', reserved, length
  out.writeUInt16BE(tableIdExtension, 3);
  out[5] = 0xc1; // reserved, version_number 0, current_next_indicator 1
  out[6] = 0;
  out[7] = 0;
  body.copy(out, 8);
  out.writeUInt32BE(crc32Mpeg2(out, 0, out.length - 4), out.length - 4);
  return out;
}
