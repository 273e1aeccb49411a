import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { damagedOrRandom } from '../../test/helpers/damaged-bytes.js';
import { MediaParseError } from './errors.js';
import { hevcCodecString, hevcNalLengthSize, hevcParameterSets, parseHevcDecoderConfig } from './hevc.js';

/** libx265 322x242 Main, 25 fps: hvcC with its VPS, SPS and PPS arrays (the SEI array left out). */
const X265_RECORD = Buffer.from(
  '0101600000009000000000003cf000fcfdf8f800000f03a00001001840010c01ffff01600000030090000003000003003c959809' +
    'a10001002b42010101600000030090000003000003003ca00a480f9c9265959a4932bc05a02000000300200000030321a2000100' +
    '074401c172b46240',
  'hex',
);

/** A 23-byte hvcC head with the given profile byte, compatibility flags, constraint bytes and level. */
function hvccHead(profileByte: number, compatibility: number, constraints: number[], level: number): Buffer {
  const head = Buffer.alloc(23);
  head[0] = 1;
  head[1] = profileByte;
  head.writeUInt32BE(compatibility, 2);
  Buffer.from(constraints).copy(head, 6);
  head[12] = level;
  return head;
}

describe('hevcCodecString (ISO/IEC 14496-15 Annex E)', () => {
  it.each([
    ['Main, level 3.1', hvccHead(0x01, 0x6000_0000, [0xb0], 93), 'hvc1.1.6.L93.B0'],
    ['Main 10, high tier, level 4', hvccHead(0x22, 0x2000_0000, [0xb0], 120), 'hvc1.2.4.H120.B0'],
    [
      'profile space 1, two constraint bytes',
      hvccHead(0x44, 0x0800_0000, [0x90, 0x23], 153),
      'hvc1.A4.10.L153.90.23',
    ],
    ['no constraint flags', hvccHead(0x01, 0x6000_0000, [], 60), 'hvc1.1.6.L60'],
    [
      'an interior zero constraint byte',
      hvccHead(0x01, 0x6000_0000, [0x90, 0, 0x01], 60),
      'hvc1.1.6.L60.90.0.1',
    ],
  ])('%s', (_name, record, expected) => {
    expect(hevcCodecString(record)).toBe(expected);
  });
});

describe('parseHevcDecoderConfig', () => {
  it('reads a real x265 record', () => {
    expect(parseHevcDecoderConfig(X265_RECORD, X265_RECORD)).toMatchObject({
      kind: 'video',
      codec: 'hevc',
      codecString: 'hvc1.1.6.L60.90',
      width: 322,
      height: 242,
      profile: 1,
      level: 60,
      frameRate: 25,
    });
  });

  describe('frame rate when the SPS has no VUI timing (x265 vui-timing-info=0)', () => {
    const record = (hex: string) => Buffer.from(hex.replace(/\s/g, ''), 'hex');
    const NO_TIMING = record(`
      0101600000009000000000003cf000fcfdf8f800000f03
      a00001001840010c01ffff01600000030090000003000003003c959809
      a10001002142010101600000030090000003000003003ca00a480f9c9265959a4932bc05a002a2
      000100074401c172b46240`);
    // The same, with the VPS rewritten to carry timing info: 50 ticks per second, 1 tick per frame.
    const VPS_TIMING = record(`
      0101600000009000000000003cf000fcfdf8f800000f03
      a00001002340010c01ffff01600000030090000003000003003c95980c000003000400000300c940
      a10001002142010101600000030090000003000003003ca00a480f9c9265959a4932bc05a002a2
      000100074401c172b46240`);

    it('is unknown when nothing carries it', () => {
      expect(parseHevcDecoderConfig(NO_TIMING, NO_TIMING)).toMatchObject({
        width: 322,
        height: 242,
        frameRate: undefined,
      });
    });

    it('comes from hvcC avgFrameRate (frames per 256 s) when set', () => {
      const withAverage = Buffer.from(NO_TIMING);
      withAverage.writeUInt16BE(25 * 256, 19);
      expect(parseHevcDecoderConfig(withAverage, withAverage).frameRate).toBe(25);
    });

    it('comes from the VPS timing info', () => {
      expect(parseHevcDecoderConfig(VPS_TIMING, VPS_TIMING).frameRate).toBe(50);
    });
  });

  it('lists parameter sets as views, skipping other arrays', () => {
    const { vps, sps, pps } = hevcParameterSets(X265_RECORD);
    expect([vps.length, sps.length, pps.length]).toEqual([1, 1, 1]);
    expect([vps[0]![0]! >> 1, sps[0]![0]! >> 1, pps[0]![0]! >> 1]).toEqual([32, 33, 34]);
    expect(sps[0]!.buffer).toBe(X265_RECORD.buffer);
    expect(hevcNalLengthSize(X265_RECORD)).toBe(4);
  });

  it('rejects records without an SPS and truncated ones', () => {
    expect(() => parseHevcDecoderConfig(hvccHead(1, 0, [], 60), Buffer.alloc(0))).toThrow(MediaParseError);
    expect(() => parseHevcDecoderConfig(X265_RECORD.subarray(0, 60), Buffer.alloc(0))).toThrow(
      MediaParseError,
    );
  });

  it('never throws anything but MediaParseError on arbitrary or damaged records', () => {
    fc.assert(
      fc.property(damagedOrRandom(X265_RECORD, 80), (record) => {
        try {
          parseHevcDecoderConfig(record, record);
        } catch (error) {
          if (!(error instanceof MediaParseError)) throw error;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
