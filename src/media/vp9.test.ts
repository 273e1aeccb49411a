import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MediaParseError } from './errors.js';
import { parseVp9DecoderConfig } from './vp9.js';

describe('parseVp9DecoderConfig', () => {
  it('reads profile, level and bit depth from the vpcC body (as written by ffmpeg, 10-bit)', () => {
    const record = Buffer.from('010000000214a20202020000', 'hex');
    expect(parseVp9DecoderConfig(record, record)).toMatchObject({
      codec: 'vp9',
      codecString: 'vp09.02.20.10',
      profile: 2,
      level: 20,
      width: 0,
      height: 0,
    });
  });

  it('rejects short records and unknown versions', () => {
    expect(() => parseVp9DecoderConfig(Buffer.alloc(11, 1), Buffer.alloc(0))).toThrow(MediaParseError);
    expect(() => parseVp9DecoderConfig(Buffer.alloc(12, 0), Buffer.alloc(0))).toThrow(MediaParseError);
  });

  it('never throws anything but MediaParseError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), (bytes) => {
        try {
          expect(parseVp9DecoderConfig(Buffer.from(bytes), Buffer.alloc(0)).codecString).toMatch(
            /^vp09\.\d{2,3}\.\d{2,3}\.\d\d$/,
          );
        } catch (error) {
          if (!(error instanceof MediaParseError)) throw error;
        }
      }),
    );
  });
});
