import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adtsHeader, parseAudioSpecificConfig, readAdtsHeader } from './aac.js';
import { MediaParseError } from './errors.js';

const parse = (hex: string) => parseAudioSpecificConfig(Buffer.from(hex, 'hex'), Buffer.alloc(0));

describe('parseAudioSpecificConfig', () => {
  it.each([
    [
      'AAC-LC 44.1 kHz stereo',
      '1210',
      { objectType: 2, codecString: 'mp4a.40.2', sampleRate: 44100, channels: 2 },
    ],
    ['AAC-LC 48 kHz 5.1', '11b0', { objectType: 2, sampleRate: 48000, channels: 6 }],
    ['AAC-LC channel configuration 7 (7.1)', '11b8', { channels: 8 }],
    // SBR signalled implicitly: nothing in the ASC but the core rate.
    ['implicit HE-AAC (core 24 kHz)', '1310', { objectType: 2, sampleRate: 24000, channels: 2 }],
    // AOT 5, core 24 kHz, stereo, extension 48 kHz, then AOT 2.
    [
      'explicit HE-AAC',
      '2b118800',
      { objectType: 5, codecString: 'mp4a.40.5', sampleRate: 24000, channels: 2 },
    ],
    // AOT 29, core 24 kHz, mono core with PS → stereo output.
    [
      'explicit HE-AAC v2',
      'eb098800',
      { objectType: 29, codecString: 'mp4a.40.29', sampleRate: 24000, channels: 2 },
    ],
    // AOT 2, then sync extension 0x2b7 with SBR, then 0x548 with PS.
    ['backward-compatible HE-AAC v2', '131056e59d4880', { objectType: 29, sampleRate: 24000, channels: 2 }],
    [
      'backward-compatible HE-AAC',
      '138856e5a0',
      { objectType: 5, codecString: 'mp4a.40.5', sampleRate: 22050, channels: 1 },
    ],
    // AOT escape 31 + 10 = 42, explicit 24-bit sample rate 37800.
    [
      'escaped object type and explicit rate',
      'f95e01275040',
      { objectType: 42, codecString: 'mp4a.40.42', sampleRate: 37800, channels: 2 },
    ],
  ])('%s', (_name, hex, expected) => {
    expect(parse(hex)).toMatchObject({ kind: 'audio', codec: 'aac', ...expected });
  });

  it('rejects reserved sampling frequency indexes and truncated configs', () => {
    expect(() => parse('1690')).toThrow(MediaParseError); // index 13
    expect(() => parse('12')).toThrow(MediaParseError);
    expect(() => parse('')).toThrow(MediaParseError);
  });

  it('never throws anything but MediaParseError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        try {
          const config = parseAudioSpecificConfig(Buffer.from(bytes), Buffer.alloc(0));
          expect(config.sampleRate).toBeGreaterThan(0);
        } catch (error) {
          if (!(error instanceof MediaParseError)) throw error;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('adtsHeader', () => {
  it('writes HE-AAC as LC at the core rate', () => {
    const header = adtsHeader(parse('2b118800'), 100);
    // profile 1 (LC), rate index 6 (24 kHz), 2 channels, frame length 107, fullness 0x7FF.
    expect(header.toString('hex')).toBe('fff158800d7ffc');
  });

  it('refuses what ADTS cannot carry', () => {
    expect(() => adtsHeader(parse('1210'), 8185)).toThrow(MediaParseError);
    expect(() => adtsHeader(parse('f95e01275040'), 100)).toThrow(MediaParseError);
  });
});

describe('readAdtsHeader', () => {
  it('reads back the length and rate of every header adtsHeader writes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('1210', '1190', '2b118800', '1308', '1588'),
        fc.integer({ min: 0, max: 0x1fff - 7 }),
        (config, frameLength) => {
          const audio = parse(config);
          expect(readAdtsHeader(adtsHeader(audio, frameLength))).toEqual({
            length: frameLength + 7,
            sampleRate: audio.sampleRate,
          });
        },
      ),
    );
  });

  it('never throws on arbitrary bytes, and finds no header where there is none (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        const frame = readAdtsHeader(Buffer.from(bytes));
        if (bytes.length < 7 || bytes[0] !== 0xff) expect(frame).toBeUndefined();
        else if (frame) expect(frame.length).toBeGreaterThanOrEqual(7);
      }),
    );
  });
});
