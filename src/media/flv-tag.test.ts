import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AudioTagUnit,
  MediaParseError,
  parseAudioTag,
  parseVideoTag,
  type VideoTagUnit,
} from './flv-tag.js';

/** Concatenates bytes, FourCC strings and buffers into one tag body. */
function body(...parts: (number | string | Buffer)[]): Buffer {
  return Buffer.concat(
    parts.map((part) =>
      typeof part === 'number'
        ? Buffer.from([part])
        : typeof part === 'string'
          ? Buffer.from(part, 'latin1')
          : part,
    ),
  );
}
const u24 = (value: number) => Buffer.from([(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]);
const payload = Buffer.from('payload');

/** Enhanced video byte 0: IsExHeader | FrameType | PacketType. */
const exVideo = (frameType: number, packetType: number) => 0x80 | (frameType << 4) | packetType;

describe('legacy video tags', () => {
  it('reads an AVC sequence header', () => {
    expect(parseVideoTag(body(0x17, 0, u24(0), payload))).toEqual({
      type: 'config',
      codec: 'avc',
      record: payload,
    });
  });

  it('reads AVC NALUs with a signed composition time', () => {
    expect(parseVideoTag(body(0x27, 1, u24(0xfffff6), payload))).toEqual({
      type: 'frame',
      codec: 'avc',
      keyframe: false,
      cts: -10,
      data: payload,
    });
    expect(parseVideoTag(body(0x17, 1, u24(66), payload))).toMatchObject({ keyframe: true, cts: 66 });
  });

  it('returns views into the body, not copies', () => {
    const tag = body(0x17, 1, u24(0), payload);
    const unit = parseVideoTag(tag);
    if (unit.type !== 'frame') throw new Error('expected a frame');
    expect(unit.data.buffer).toBe(tag.buffer);
    expect(unit.data.byteOffset).toBe(tag.byteOffset + 5);
  });

  it('accepts HEVC as codec id 12', () => {
    expect(parseVideoTag(body(0x1c, 0, u24(0), payload))).toMatchObject({ type: 'config', codec: 'hevc' });
    expect(parseVideoTag(body(0x2c, 1, u24(40), payload))).toMatchObject({
      type: 'frame',
      codec: 'hevc',
      cts: 40,
    });
  });

  it('reads end of sequence', () => {
    expect(parseVideoTag(body(0x17, 2, u24(0)))).toEqual({ type: 'end' });
  });

  it.each([
    ['info/command frames', body(0x57, 0)],
    ['Sorenson H.263', body(0x22, 1, 2, 3)],
    ['VP6', body(0x14, 0)],
    ['empty messages', Buffer.alloc(0)],
  ])('ignores %s', (_name, tag) => {
    expect(parseVideoTag(tag).type).toBe('ignored');
  });

  it.each([
    ['a truncated header', body(0x17, 1, 0)],
    ['an unknown AVCPacketType', body(0x17, 3, u24(0))],
  ])('rejects %s', (_name, tag) => {
    expect(() => parseVideoTag(tag)).toThrow(MediaParseError);
  });
});

describe('Enhanced RTMP video tags', () => {
  it('reads SequenceStart for each FourCC', () => {
    for (const [fourCc, codec] of [
      ['avc1', 'avc'],
      ['hvc1', 'hevc'],
      ['av01', 'av1'],
      ['vp09', 'vp9'],
    ]) {
      expect(parseVideoTag(body(exVideo(1, 0), fourCc!, payload))).toEqual({
        type: 'config',
        codec,
        record: payload,
      });
    }
  });

  it('reads the composition time of CodedFrames only for avc1 and hvc1', () => {
    expect(parseVideoTag(body(exVideo(1, 1), 'hvc1', u24(0xffffff), payload))).toEqual({
      type: 'frame',
      codec: 'hevc',
      keyframe: true,
      cts: -1,
      data: payload,
    });
    expect(parseVideoTag(body(exVideo(2, 1), 'av01', payload))).toEqual({
      type: 'frame',
      codec: 'av1',
      keyframe: false,
      cts: 0,
      data: payload,
    });
  });

  it('reads CodedFramesX with a zero composition time', () => {
    expect(parseVideoTag(body(exVideo(2, 3), 'avc1', payload))).toMatchObject({
      type: 'frame',
      cts: 0,
      data: payload,
    });
  });

  it('reads SequenceEnd', () => {
    expect(parseVideoTag(body(exVideo(1, 2), 'hvc1'))).toEqual({ type: 'end' });
  });

  it.each([
    ['Metadata', body(exVideo(1, 4), 'hvc1', payload)],
    ['MPEG2TSSequenceStart', body(exVideo(1, 5), 'av01', payload)],
    ['unknown FourCCs', body(exVideo(1, 1), 'vp08', payload)],
    ['command frames', body(exVideo(5, 1), 0)],
  ])('ignores %s', (_name, tag) => {
    expect(parseVideoTag(tag).type).toBe('ignored');
  });

  it('skips ModEx data with an 8-bit and a 16-bit size', () => {
    // ModEx TimestampOffsetNano (type 0) with 3 bytes of data, then the real packet type (CodedFrames).
    const short = body(exVideo(1, 7), 2, 0xaa, 0xbb, 0xcc, 0x01, 'avc1', u24(5), payload);
    expect(parseVideoTag(short)).toMatchObject({ type: 'frame', codec: 'avc', cts: 5, data: payload });
    const long = body(exVideo(1, 7), 255, 0x01, 0x2b, Buffer.alloc(300, 0xee), 0x00, 'hvc1', payload);
    expect(parseVideoTag(long)).toEqual({ type: 'config', codec: 'hevc', record: payload });
  });

  it('takes track 0 of a one-track multitrack message', () => {
    expect(parseVideoTag(body(exVideo(1, 6), 0x00, 'av01', 0, payload))).toEqual({
      type: 'config',
      codec: 'av1',
      record: payload,
    });
    expect(parseVideoTag(body(exVideo(1, 6), 0x00, 'av01', 1, payload)).type).toBe('ignored');
  });

  it('finds track 0 among many tracks and ignores the rest', () => {
    const other = Buffer.from('other track');
    const tag = body(
      exVideo(2, 6),
      0x11,
      'avc1',
      2,
      u24(other.length),
      other,
      0,
      u24(3 + payload.length),
      u24(7),
      payload,
    );
    expect(parseVideoTag(tag)).toEqual({
      type: 'frame',
      codec: 'avc',
      keyframe: false,
      cts: 7,
      data: payload,
    });
  });

  it('reads per-track FourCCs of many-codec multitrack messages', () => {
    const other = Buffer.from('vp9 data');
    const tag = body(
      exVideo(1, 6),
      0x20,
      'vp09',
      1,
      u24(other.length),
      other,
      'hvc1',
      0,
      u24(payload.length),
      payload,
    );
    expect(parseVideoTag(tag)).toEqual({ type: 'config', codec: 'hevc', record: payload });
  });

  it.each([
    ['a truncated FourCC', body(exVideo(1, 0), 'hv')],
    ['a track size past the end', body(exVideo(1, 6), 0x10, 'avc1', 0, u24(99), 1)],
    ['a truncated ModEx', body(exVideo(1, 7), 5, 1)],
    ['a nested multitrack', body(exVideo(1, 6), 0x06, 'avc1', 0)],
    ['a CodedFrames without its composition time', body(exVideo(1, 1), 'avc1', 1)],
  ])('rejects %s', (_name, tag) => {
    expect(() => parseVideoTag(tag)).toThrow(MediaParseError);
  });
});

describe('legacy audio tags', () => {
  it('reads the AAC sequence header and raw frames', () => {
    expect(parseAudioTag(body(0xaf, 0, payload))).toEqual({ type: 'config', codec: 'aac', record: payload });
    expect(parseAudioTag(body(0xaf, 1, payload))).toEqual({
      type: 'frame',
      codec: 'aac',
      data: payload,
      soundFormat: 10,
      soundRate: 3,
      soundSize: 1,
      soundType: 1,
    });
  });

  it('reads MP3 (including the 8 kHz format) and passes other formats through', () => {
    expect(parseAudioTag(body(0x2e, payload))).toMatchObject({
      type: 'frame',
      codec: 'mp3',
      soundRate: 3,
      soundType: 0,
    });
    expect(parseAudioTag(body(0xe2, payload))).toMatchObject({ codec: 'mp3', soundFormat: 14 });
    expect(parseAudioTag(body(0x52, payload))).toMatchObject({
      codec: 'other',
      soundFormat: 5,
      data: payload,
    });
  });

  it('rejects a bad AACPacketType and a truncated AAC header', () => {
    expect(() => parseAudioTag(body(0xaf, 2, payload))).toThrow(MediaParseError);
    expect(() => parseAudioTag(body(0xaf))).toThrow(MediaParseError);
  });
});

describe('Enhanced RTMP audio tags', () => {
  it('reads mp4a SequenceStart and CodedFrames', () => {
    expect(parseAudioTag(body(0x90, 'mp4a', payload))).toEqual({
      type: 'config',
      codec: 'aac',
      record: payload,
    });
    expect(parseAudioTag(body(0x91, 'mp4a', payload))).toMatchObject({
      type: 'frame',
      codec: 'aac',
      soundFormat: 9,
      data: payload,
    });
  });

  it('reads .mp3 frames', () => {
    expect(parseAudioTag(body(0x91, '.mp3', payload))).toMatchObject({
      type: 'frame',
      codec: 'mp3',
      data: payload,
    });
  });

  it('ignores codecs we do not record and multichannel configs', () => {
    expect(parseAudioTag(body(0x91, 'Opus', payload)).type).toBe('ignored');
    expect(parseAudioTag(body(0x94, 'mp4a', payload)).type).toBe('ignored');
  });

  it('takes track 0 of multitrack audio, after ModEx', () => {
    const other = Buffer.from('second');
    const tag = body(
      0x97,
      0,
      0x00,
      0x15,
      0x11,
      'mp4a',
      1,
      u24(other.length),
      other,
      0,
      u24(payload.length),
      payload,
    );
    expect(parseAudioTag(tag)).toMatchObject({ type: 'frame', codec: 'aac', data: payload });
  });
});

describe('arbitrary bytes', () => {
  const withinBody = (tag: Buffer, unit: VideoTagUnit | AudioTagUnit) => {
    const view = 'data' in unit ? unit.data : 'record' in unit ? unit.record : undefined;
    if (view === undefined) return;
    expect(view.buffer).toBe(tag.buffer);
    expect(view.byteOffset + view.length).toBeLessThanOrEqual(tag.byteOffset + tag.length);
  };
  const parsesOrThrowsMediaParseError =
    (parse: (tag: Buffer) => VideoTagUnit | AudioTagUnit) => (bytes: Uint8Array) => {
      const tag = Buffer.from(bytes);
      try {
        withinBody(tag, parse(tag));
      } catch (error) {
        if (!(error instanceof MediaParseError)) throw error;
      }
    };
  // The first byte is biased towards the interesting headers (ex-header, AVC, HEVC, AAC).
  const tagBytes = fc
    .tuple(
      fc.constantFrom(0x17, 0x1c, 0x27, 0x80, 0x86, 0x87, 0x96, 0x97, 0x90, 0xaf, 0x2f),
      fc.uint8Array({ maxLength: 64 }),
    )
    .map(([first, rest]) => Uint8Array.of(first, ...rest));

  it('never make the video parser throw anything but MediaParseError', () => {
    fc.assert(
      fc.property(
        fc.oneof(tagBytes, fc.uint8Array({ maxLength: 64 })),
        parsesOrThrowsMediaParseError(parseVideoTag),
      ),
      {
        numRuns: 5000,
      },
    );
  });

  it('never make the audio parser throw anything but MediaParseError', () => {
    fc.assert(
      fc.property(
        fc.oneof(tagBytes, fc.uint8Array({ maxLength: 64 })),
        parsesOrThrowsMediaParseError(parseAudioTag),
      ),
      {
        numRuns: 5000,
      },
    );
  });
});
