import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aacConfig } from '../../../test/helpers/media-configs.js';
import { adtsHeader, parseAudioSpecificConfig } from '../../media/aac.js';
import { adtsFrames } from './adts-frames.js';

describe('adtsFrames', () => {
  it('undoes adtsHeader: the raw frames back, and an AudioSpecificConfig of the same rate, channels and type', () => {
    const config = fc.record({
      sampleRate: fc.constantFrom(8000, 16000, 22050, 44100, 48000, 96000),
      channels: fc.integer({ min: 1, max: 6 }),
      objectType: fc.integer({ min: 1, max: 4 }),
    });
    const frames = fc.array(
      fc.uint8Array({ minLength: 1, maxLength: 900 }).map((b) => Buffer.from(b)),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(config, frames, (settings, raw) => {
        const audio = aacConfig(settings);
        const pes = Buffer.concat(raw.flatMap((frame) => [adtsHeader(audio, frame.length), frame]));
        const { frames: back, audioSpecificConfig } = adtsFrames(pes);
        expect(back).toEqual(raw);
        const parsed = parseAudioSpecificConfig(audioSpecificConfig!, Buffer.alloc(0));
        expect([parsed.sampleRate, parsed.channels, parsed.objectType]).toEqual([
          settings.sampleRate,
          settings.channels,
          settings.objectType,
        ]);
      }),
    );
  });

  it('skips a CRC after a header that announces one, and stops at bytes that are no ADTS frame', () => {
    const header = adtsHeader(aacConfig(), 5 + 2);
    header[1]! &= 0xfe; // protection_absent = 0: two CRC bytes follow the header
    const frame = Buffer.concat([header, Buffer.of(0xaa, 0xbb), Buffer.of(1, 2, 3, 4, 5)]);
    expect(adtsFrames(Buffer.concat([frame, Buffer.of(0, 1, 2)])).frames).toEqual([Buffer.of(1, 2, 3, 4, 5)]);
    expect(adtsFrames(Buffer.of(1, 2, 3))).toEqual({ frames: [], audioSpecificConfig: undefined });
  });
});
