import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FlvFileError, readFlvTags } from './flv-file.js';

const dir = mkdtempSync(join(tmpdir(), 'livetape-flv-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function header(): Buffer {
  return Buffer.from('464c560105000000090000 0000'.replace(/ /g, ''), 'hex');
}

function tag(type: number, timestamp: number, body: Buffer): Buffer {
  const h = Buffer.alloc(11);
  h[0] = type;
  h.writeUIntBE(body.length, 1, 3);
  h.writeUIntBE(timestamp & 0xffffff, 4, 3);
  h[7] = timestamp >>> 24;
  const back = Buffer.alloc(4);
  back.writeUInt32BE(11 + body.length);
  return Buffer.concat([h, body, back]);
}

describe('readFlvTags', () => {
  it('reads the tags of an ffmpeg-made FLV with the counts ffprobe reports', () => {
    const file = join(dir, 'av.flv');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=1'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:v', 'libx264', '-g', '15'],
      ...['-c:a', 'aac', '-f', 'flv', file],
    ]);
    const probe = (stream: string) =>
      Number(
        execFileSync('ffprobe', [
          ...['-v', 'error', '-select_streams', stream, '-count_packets'],
          ...['-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file],
        ])
          .toString()
          .trim(),
      );
    const tags = [...readFlvTags(readFileSync(file))];
    // Byte 1 of AVC and AAC tag bodies is the packet type: 0 = sequence header, 1 = coded frame
    // (AVC also ends with an end-of-sequence tag, 2). ffprobe counts only the coded frames.
    const frames = (type: number) => tags.filter((t) => t.type === type && t.body[1] === 1).length;
    expect(frames(9)).toBe(probe('v'));
    expect(frames(8)).toBe(probe('a'));
    expect(tags[0]!.type).toBe(18);
    const video = tags.filter((t) => t.type === 9);
    expect(video.at(-1)!.timestamp).toBeGreaterThan(900);
  });

  it('joins the extended timestamp byte and skips unknown tag types', () => {
    const file = Buffer.concat([
      header(),
      tag(9, 0x01020304, Buffer.from('v')),
      tag(7, 0, Buffer.from('x')),
      tag(8, 5, Buffer.alloc(0)),
    ]);
    expect([...readFlvTags(file)].map((t) => [t.type, t.timestamp, t.body.toString()])).toEqual([
      [9, 0x01020304, 'v'],
      [8, 5, ''],
    ]);
  });

  it('rejects bad signatures, truncated tags and encrypted tags', () => {
    expect(() => [...readFlvTags(Buffer.from('FLX'))]).toThrow(FlvFileError);
    const good = Buffer.concat([header(), tag(9, 0, Buffer.alloc(10))]);
    expect(() => [...readFlvTags(good.subarray(0, good.length - 6))]).toThrow(/truncated tag body/);
    expect(() => [...readFlvTags(Buffer.concat([header(), tag(0x29, 0, Buffer.alloc(1))]))]).toThrow(
      /encrypted/,
    );
  });

  it('reads arbitrary bytes to tags or FlvFileError, never past the input', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([header(), Buffer.from(b)])),
    );
    fc.assert(
      fc.property(input, (buf) => {
        try {
          let bytes = 0;
          for (const t of readFlvTags(buf)) bytes += t.body.length + 11;
          expect(bytes).toBeLessThanOrEqual(buf.length);
        } catch (e) {
          expect(e).toBeInstanceOf(FlvFileError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
