import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MediaParseError } from './errors.js';
import { mp3CodecString, parseMp3FrameHeader } from './mp3.js';

describe('parseMp3FrameHeader', () => {
  it.each([
    [
      'MPEG-1 44.1 kHz joint stereo',
      'fffb9044',
      { mpegVersion: 1, sampleRate: 44100, channels: 2 },
      'mp4a.6B',
    ],
    ['MPEG-1 48 kHz mono', 'fffb94c4', { mpegVersion: 1, sampleRate: 48000, channels: 1 }, 'mp4a.6B'],
    ['MPEG-2 22.05 kHz mono', 'fff390c4', { mpegVersion: 2, sampleRate: 22050, channels: 1 }, 'mp4a.69'],
    ['MPEG-2.5 8 kHz stereo', 'ffe39800', { mpegVersion: 2, sampleRate: 8000, channels: 2 }, 'mp4a.69'],
  ])('%s', (_name, hex, expected, codecString) => {
    const header = parseMp3FrameHeader(Buffer.from(hex, 'hex'));
    expect(header).toEqual(expected);
    expect(mp3CodecString(header)).toBe(codecString);
  });

  it.each([
    ['no sync', '7ffb9044'],
    ['reserved version', 'ffeb9044'],
    ['reserved layer', 'fff99044'],
    ['reserved sample rate', 'fffb9c44'],
    ['too short', 'fffb90'],
  ])('rejects %s', (_name, hex) => {
    expect(() => parseMp3FrameHeader(Buffer.from(hex, 'hex'))).toThrow(MediaParseError);
  });

  it('never throws anything but MediaParseError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), (bytes) => {
        try {
          parseMp3FrameHeader(Buffer.from(bytes));
        } catch (error) {
          if (!(error instanceof MediaParseError)) throw error;
        }
      }),
    );
  });
});
