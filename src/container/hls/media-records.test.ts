import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aacConfig } from '../../../test/helpers/media-configs.js';
import {
  configRecord,
  type MediaRecord,
  MediaRecordError,
  RECORD_HEADER_SIZE,
  readMediaRecords,
  writePacketHeader,
} from './media-records.js';
import { muxRecordedSegment } from './recorded-segment.js';

const record: fc.Arbitrary<MediaRecord> = fc.oneof(
  fc.record({
    type: fc.constant('packet' as const),
    kind: fc.constantFrom('video' as const, 'audio' as const),
    keyframe: fc.boolean(),
    dts: fc.double({ noNaN: true, noDefaultInfinity: true }),
    pts: fc.double({ noNaN: true, noDefaultInfinity: true }),
    data: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  }),
  fc.record({ type: fc.constant('config' as const), configId: fc.nat({ max: 0xffffffff }) }),
);

function encode(records: readonly MediaRecord[]): Buffer {
  return Buffer.concat(
    records.flatMap((r) => {
      if (r.type === 'config') return [configRecord(r.configId)];
      const header = Buffer.alloc(RECORD_HEADER_SIZE);
      writePacketHeader(header, r.kind, r.keyframe, r.dts, r.pts, r.data.length);
      return [header, r.data];
    }),
  );
}

/** Reads, or throws a MediaRecordError; any other error fails the property. */
function readOrRefuse(bytes: Buffer): MediaRecord[] | MediaRecordError {
  try {
    return readMediaRecords(bytes);
  } catch (error) {
    if (error instanceof MediaRecordError) return error;
    throw error;
  }
}

describe('media records', () => {
  it('reads back what was written', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (records) => {
        expect(readMediaRecords(encode(records))).toEqual(records);
      }),
    );
  });

  it('refuses records cut short with a MediaRecordError', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 10 }), fc.nat(), (records, cut) => {
        const bytes = encode(records);
        const at = cut % bytes.length;
        // A cut that falls between two records leaves whole records: those are read.
        const result = readOrRefuse(bytes.subarray(0, at));
        if (!(result instanceof MediaRecordError))
          expect(encode(result).equals(bytes.subarray(0, at))).toBe(true);
      }),
    );
    const header = Buffer.alloc(RECORD_HEADER_SIZE);
    writePacketHeader(header, 'video', true, 0, 0, 10);
    expect(() => readMediaRecords(Buffer.concat([header, Buffer.alloc(9)]))).toThrow(MediaRecordError);
  });

  it('reads hostile bytes or refuses them with a MediaRecordError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        readOrRefuse(Buffer.from(bytes));
      }),
    );
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.nat({ max: 255 }),
        (records, at, value) => {
          const bytes = encode(records);
          bytes[at % bytes.length] = value;
          readOrRefuse(bytes);
        },
      ),
    );
    expect(() => readMediaRecords(Buffer.alloc(RECORD_HEADER_SIZE, 9))).toThrow(MediaRecordError);
  });

  it('refuses, when muxing, a config record naming a configuration the writer never had', () => {
    const tracks = { audio: aacConfig() };
    expect(() => muxRecordedSegment(configRecord(5), { tracks, timeOffsetMs: 0, configs: [] })).toThrow(
      MediaRecordError,
    );
  });
});
