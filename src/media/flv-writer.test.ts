import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flvToPackets, makeTestFlv } from '../../test/helpers/flv-packets.js';
import { decodeAmf0 } from '../amf/amf0.js';
import { flvFileHeader, flvTag, flvTagHeader, flvTagTrailer, onMetaDataTag } from './flv-writer.js';
import type { MediaPacket } from './packet.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livetape-flv-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('flv framing', () => {
  it('writes the 9-byte header and PreviousTagSize0', () => {
    expect(flvFileHeader({ audio: true, video: true }).toString('hex')).toBe('464c5601050000000900000000');
    expect(flvFileHeader({ audio: true, video: false })[4]).toBe(4);
    expect(flvFileHeader({ audio: false, video: true })[4]).toBe(1);
  });

  it('puts timestamp bits 24..31 in the extended byte', () => {
    expect(flvTagHeader(9, 0x12345678, 0x0a0b0c).toString('hex')).toBe('090a0b0c34567812000000');
    expect(
      flvTagHeader(8, 2 ** 32 + 5, 1)
        .subarray(4, 8)
        .toString('hex'),
    ).toBe('00000500');
  });

  it('rejects bodies that do not fit 24 bits', () => {
    expect(() => flvTagHeader(9, 0, 0x1000000)).toThrow(RangeError);
  });

  it('frames a tag without copying its body', () => {
    const body = Buffer.from('abc');
    const [header, sameBody, trailer] = flvTag(8, 7, body);
    expect(sameBody).toBe(body);
    expect(header!.readUIntBE(1, 3)).toBe(3);
    expect(trailer).toEqual(flvTagTrailer(14));
  });

  it('encodes onMetaData as a string and an ECMA array, leaving out undefined fields', () => {
    const body = onMetaDataTag({ duration: 12.5, width: 320, stereo: true, framerate: undefined });
    expect(body[13]).toBe(0x08); // ECMA array marker right after the 'onMetaData' string
    expect(decodeAmf0(body)).toEqual(['onMetaData', { duration: 12.5, width: 320, stereo: true }]);
  });
});

/** Rewrites packets as an FLV file the way a recorder does: metadata, sequence headers, tags. */
function writeFlv(packets: MediaPacket[], meta: Parameters<typeof onMetaDataTag>[0], timeOffset = 0): Buffer {
  const parts = [flvFileHeader({ audio: true, video: true }), ...flvTag(18, 0, onMetaDataTag(meta))];
  const sentConfigs = new Set<object>();
  for (const packet of packets) {
    const type = packet.kind === 'video' ? 9 : 8;
    if (packet.config && !sentConfigs.has(packet.config)) {
      sentConfigs.add(packet.config);
      parts.push(...flvTag(type, packet.dts + timeOffset, packet.config.tag));
    }
    parts.push(...flvTag(type, packet.dts + timeOffset, packet.tag));
  }
  return Buffer.concat(parts);
}

async function ffprobeJson(path: string, ...args: string[]) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-of', 'json', ...args, path]);
  return JSON.parse(stdout);
}

describe('FLV written from packets, read back by ffprobe/ffmpeg', () => {
  it('decodes without errors, with every frame and the metadata duration', async () => {
    const source = flvToPackets(await readFile(await makeTestFlv({ seconds: 2, bframes: true })));
    const path = join(dir, 'roundtrip.flv');
    await writeFile(path, writeFlv(source.packets, { duration: 123.5, width: 320, height: 240 }));

    const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
    expect(stderr).toBe('');
    const probed = await ffprobeJson(path, '-count_frames', '-show_streams', '-show_format');
    const frames = (type: string) =>
      Number(probed.streams.find((s: { codec_type: string }) => s.codec_type === type).nb_read_frames);
    expect(frames('video')).toBe(source.packets.filter((p) => p.kind === 'video').length);
    expect(frames('audio')).toBe(source.packets.filter((p) => p.kind === 'audio').length);
    expect(Number(probed.format.duration)).toBe(123.5);
  });

  it('carries timestamps beyond 24 bits through the extended byte', async () => {
    const source = flvToPackets(await readFile(await makeTestFlv({ seconds: 1 })));
    const path = join(dir, 'extended.flv');
    const offset = 0x1000000 + 1000; // 16778.216 s
    await writeFile(path, writeFlv(source.packets, {}, offset));
    const probed = await ffprobeJson(path, '-show_entries', 'packet=dts_time', '-select_streams', 'v');
    const dts = probed.packets.map((p: { dts_time: string }) => Number(p.dts_time));
    const firstVideo = source.packets.find((p) => p.kind === 'video')!;
    expect(dts[0]).toBeCloseTo((offset + firstVideo.dts) / 1000, 3);
    expect(dts[dts.length - 1]).toBeGreaterThan(offset / 1000 + 0.9);
  });
});
