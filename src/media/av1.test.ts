import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAv1DecoderConfig } from './av1.js';
import { MediaParseError } from './errors.js';

/**
 * Hand-built sequence header OBU payload: profile 0, timing info 30000/1001 with equal picture
 * interval, one operating point at level 8 (4.0, so a tier bit), max frame size 1280x720 in 11/10-bit fields.
 */
const SEQUENCE_HEADER = Buffer.from('0400000fa40001d4c300000854cffb3e', 'hex');
const AV1C_HEAD = Buffer.from([0x81, 0x08, 0x00, 0x00]);

function obu(type: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(type << 3) | 0x02, payload.length]), payload]);
}

describe('parseAv1DecoderConfig', () => {
  it('reads the codec string from av1C and size and frame rate from the sequence header', () => {
    const metadata = obu(5, Buffer.from([1, 2, 3]));
    const record = Buffer.concat([AV1C_HEAD, metadata, obu(1, SEQUENCE_HEADER)]);
    expect(parseAv1DecoderConfig(record, record)).toMatchObject({
      codec: 'av1',
      codecString: 'av01.0.08M.08',
      width: 1280,
      height: 720,
      profile: 0,
      level: 8,
      frameRate: 29.97,
    });
  });

  it('reads tier and bit depth', () => {
    expect(parseAv1DecoderConfig(Buffer.from([0x81, 0x4d, 0xc0, 0x00]), Buffer.alloc(0)).codecString).toBe(
      'av01.2.13H.10',
    );
    expect(parseAv1DecoderConfig(Buffer.from([0x81, 0x4d, 0x60, 0x00]), Buffer.alloc(0)).codecString).toBe(
      'av01.2.13M.12',
    );
    expect(parseAv1DecoderConfig(Buffer.from([0x81, 0x21, 0x40, 0x00]), Buffer.alloc(0)).codecString).toBe(
      'av01.1.01M.10',
    );
  });

  it('reports size 0 without a sequence header', () => {
    expect(parseAv1DecoderConfig(AV1C_HEAD, AV1C_HEAD)).toMatchObject({
      width: 0,
      height: 0,
      frameRate: undefined,
    });
  });

  it('rejects a bad marker and truncated OBUs', () => {
    expect(() => parseAv1DecoderConfig(Buffer.from([0x01, 0, 0, 0]), Buffer.alloc(0))).toThrow(
      MediaParseError,
    );
    const truncated = Buffer.concat([AV1C_HEAD, obu(1, SEQUENCE_HEADER).subarray(0, 8)]);
    expect(() => parseAv1DecoderConfig(truncated, truncated)).toThrow(MediaParseError);
  });

  it('never throws anything but MediaParseError on arbitrary bytes', () => {
    const withHead = fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.concat([AV1C_HEAD, a]));
    fc.assert(
      fc.property(
        fc.oneof(
          withHead,
          fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a)),
        ),
        (record) => {
          try {
            parseAv1DecoderConfig(record, record);
          } catch (error) {
            if (!(error instanceof MediaParseError)) throw error;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
