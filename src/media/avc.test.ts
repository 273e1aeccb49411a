import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { damagedOrRandom } from '../../test/helpers/damaged-bytes.js';
import { avcNalLengthSize, avcParameterSets, parseAvcDecoderConfig, parseAvcSps } from './avc.js';
import { MediaParseError } from './errors.js';

/** libx264, 320x240 baseline, as ffmpeg put it in an FLV sequence header. */
const X264_RECORD = Buffer.from(
  '0142c00dffe100166742c00dda0507ec0440000003004000000f03c50aa801000468ce0fc8',
  'hex',
);

/**
 * Hand-built High-profile SPS (see the field list in the test name): exercises chroma info, scaling
 * lists with early termination and 8x8 lists, cropping 1088 → 1080 and VUI timing 60000/1001.
 */
const HIGH_SPS_WITH_SCALING_LISTS = Buffer.from(
  '6764001fad902a84457fffffffffffffff6ca03c0113f2c2000007d20001d4c180',
  'hex',
);
/** Hand-built Baseline SPS with pic_order_cnt_type 1 (a cycle of two offsets), 352x288, no VUI. */
const BASELINE_SPS_POC_TYPE_1 = Buffer.from('6742c015d0a66205a0582590', 'hex');

function avcC(sps: Buffer, pps = Buffer.from([0x68, 0xce, 0x3c, 0x80])): Buffer {
  const length = (unit: Buffer) => Buffer.from([unit.length >> 8, unit.length & 0xff]);
  return Buffer.concat([
    Buffer.from([1, sps[1]!, sps[2]!, sps[3]!, 0xff, 0xe1]),
    length(sps),
    sps,
    Buffer.from([1]),
    length(pps),
    pps,
  ]);
}

describe('parseAvcDecoderConfig', () => {
  it('reads a real x264 record', () => {
    const config = parseAvcDecoderConfig(X264_RECORD, X264_RECORD);
    expect(config).toMatchObject({
      kind: 'video',
      codec: 'avc',
      codecString: 'avc1.42c00d',
      width: 320,
      height: 240,
      profile: 66,
      level: 13,
      frameRate: 30,
    });
    expect(config.record).toBe(X264_RECORD);
  });

  it('reads high profile, scaling lists, cropping and VUI timing (profile 100, level 31)', () => {
    expect(parseAvcDecoderConfig(avcC(HIGH_SPS_WITH_SCALING_LISTS), Buffer.alloc(0))).toMatchObject({
      codecString: 'avc1.64001f',
      width: 1920,
      height: 1080,
      frameRate: 29.97,
    });
  });

  it('reads pic_order_cnt_type 1 and leaves the frame rate unknown without VUI', () => {
    expect(parseAvcSps(BASELINE_SPS_POC_TYPE_1)).toEqual({
      profileIdc: 66,
      constraintFlags: 0xc0,
      levelIdc: 21,
      width: 352,
      height: 288,
      frameRate: undefined,
    });
  });

  it('keeps a usable SPS whose VUI is cut short', () => {
    const cut = HIGH_SPS_WITH_SCALING_LISTS.subarray(0, HIGH_SPS_WITH_SCALING_LISTS.length - 6);
    expect(parseAvcSps(cut)).toMatchObject({ width: 1920, height: 1080, frameRate: undefined });
  });

  it('rejects records without an SPS, truncated ones and non-SPS units', () => {
    expect(() => parseAvcDecoderConfig(Buffer.from([1, 66, 0, 13, 0xff, 0xe0, 0]), Buffer.alloc(0))).toThrow(
      MediaParseError,
    );
    expect(() => parseAvcDecoderConfig(X264_RECORD.subarray(0, 20), Buffer.alloc(0))).toThrow(
      MediaParseError,
    );
    expect(() => parseAvcSps(Buffer.from([0x68, 1, 2, 3]))).toThrow(MediaParseError);
  });

  it('never throws anything but MediaParseError on arbitrary bytes', () => {
    fc.assert(
      fc.property(damagedOrRandom(X264_RECORD, 64), (record) => {
        try {
          const config = parseAvcDecoderConfig(record, record);
          expect(config.width).toBeGreaterThan(0);
        } catch (error) {
          if (!(error instanceof MediaParseError)) throw error;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('avcParameterSets', () => {
  it('returns views of the SPS and PPS, and the NAL length size', () => {
    const { sps, pps } = avcParameterSets(X264_RECORD);
    expect(sps).toHaveLength(1);
    expect(pps).toHaveLength(1);
    expect(sps[0]![0]! & 0x1f).toBe(7);
    expect(pps[0]!.toString('hex')).toBe('68ce0fc8');
    expect(sps[0]!.buffer).toBe(X264_RECORD.buffer);
    expect(avcNalLengthSize(X264_RECORD)).toBe(4);
  });
});
