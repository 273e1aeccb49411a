import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flvToPackets, makeTestFlv } from '../../test/helpers/flv-packets.js';
import { MediaParseError } from './errors.js';
import type { MediaPacket } from './packet.js';
import type { ConfigChange } from './packetizer.js';
import { MediaPacketizer } from './packetizer.js';

const run = promisify(execFile);

/** AVC sequence header and frame tags around a real 320x240 baseline avcC (made by libx264). */
const AVC_RECORD = Buffer.from(
  '0142c00dffe100166742c00dda0507ec0440000003004000000f03c50aa801000468ce0fc8',
  'hex',
);
const avcConfigTag = (record = AVC_RECORD) => Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), record]);
const avcFrameTag = (keyframe: boolean, cts = 0) =>
  Buffer.from([keyframe ? 0x17 : 0x27, 1, 0, 0, cts, 0, 0, 0, 1, 0x65]);
/** MPEG-1 Layer III, 128 kbit/s, 44100 Hz, joint stereo. */
const MP3_FRAME = Buffer.from([0xff, 0xfb, 0x90, 0x44, 0, 0, 0, 0]);

function isConfig(value: unknown): value is ConfigChange {
  return typeof value === 'object' && value !== null && (value as ConfigChange).type === 'config';
}

describe('MediaPacketizer', () => {
  it('reports a sequence header once, and again only when its bytes change', () => {
    const packetizer = new MediaPacketizer();
    const first = packetizer.video(0, avcConfigTag());
    expect(isConfig(first) && first.config).toMatchObject({ codec: 'avc', width: 320, height: 240 });
    expect(packetizer.video(0, avcConfigTag(Buffer.from(AVC_RECORD)))).toBeUndefined();
    const changed = Buffer.from(AVC_RECORD);
    changed[changed.length - 1]! ^= 1; // a different PPS
    const second = packetizer.video(0, avcConfigTag(changed));
    expect(isConfig(second)).toBe(true);
    expect(packetizer.videoConfig).toBe(isConfig(second) ? second.config : undefined);
  });

  it('drops frames that arrive before their sequence header, without starting the clock', () => {
    const packetizer = new MediaPacketizer();
    expect(packetizer.video(5000, avcFrameTag(true))).toBeUndefined();
    expect(packetizer.audio(5000, Buffer.from([0xaf, 1, 0x21]))).toBeUndefined();
    packetizer.video(6000, avcConfigTag());
    const packet = packetizer.video(6000, avcFrameTag(true, 40)) as MediaPacket;
    expect(packet).toMatchObject({ kind: 'video', dts: 0, pts: 40, keyframe: true });
  });

  it('hands out views of the tag and the config in force', () => {
    const packetizer = new MediaPacketizer();
    packetizer.video(0, avcConfigTag());
    const tag = avcFrameTag(false);
    const packet = packetizer.video(33, tag) as MediaPacket;
    expect(packet.tag).toBe(tag);
    expect(packet.data.buffer).toBe(tag.buffer);
    expect(packet.data.byteOffset).toBe(tag.byteOffset + 5);
    expect(packet.config).toBe(packetizer.videoConfig);
  });

  it('synthesizes an MP3 config from the first frame and keeps the same object while it holds', () => {
    const packetizer = new MediaPacketizer();
    const first = packetizer.audio(0, Buffer.concat([Buffer.from([0x2f]), MP3_FRAME])) as MediaPacket;
    expect(first.config).toMatchObject({
      codec: 'mp3',
      codecString: 'mp4a.6B',
      sampleRate: 44100,
      channels: 2,
    });
    // Same MP3 stream, different (wrong) FLV rate bits: still the same config object.
    const second = packetizer.audio(26, Buffer.concat([Buffer.from([0x2b]), MP3_FRAME])) as MediaPacket;
    expect(second.config).toBe(first.config);
    const lsf = Buffer.from([0xff, 0xf3, 0x90, 0xc4, 0, 0]); // MPEG-2, 22050 Hz, mono
    const third = packetizer.audio(52, Buffer.concat([Buffer.from([0x2a]), lsf])) as MediaPacket;
    expect(third.config).not.toBe(first.config);
    expect(third.config).toMatchObject({ codecString: 'mp4a.69', sampleRate: 22050, channels: 1 });
  });

  it('synthesizes pass-through audio configs from the FLV sound bits', () => {
    const packetizer = new MediaPacketizer();
    expect((packetizer.audio(0, Buffer.from([0x52, 1, 2])) as MediaPacket).config).toMatchObject({
      codec: 'other',
      sampleRate: 8000,
      channels: 1,
    });
    expect((packetizer.audio(0, Buffer.from([0x3f, 1, 2])) as MediaPacket).config).toMatchObject({
      codec: 'other',
      sampleRate: 44100,
      channels: 2,
    });
  });

  it('passes VP9 frames without a config and requires one for AV1', () => {
    const packetizer = new MediaPacketizer();
    expect(packetizer.video(0, Buffer.from([0x91, ...Buffer.from('av01'), 0x12]))).toBeUndefined();
    const vp9 = packetizer.video(0, Buffer.from([0x91, ...Buffer.from('vp09'), 0x82])) as MediaPacket;
    expect(vp9).toMatchObject({ kind: 'video', keyframe: true, config: undefined });
    const av1 = packetizer.video(0, Buffer.from([0x90, ...Buffer.from('av01'), 0x81, 0x08, 0x0c, 0x00]));
    expect(isConfig(av1) && av1.config).toMatchObject({
      codec: 'av1',
      codecString: 'av01.0.08M.08',
      width: 0,
    });
    expect(packetizer.video(33, Buffer.from([0x91, ...Buffer.from('av01'), 0x12]))).toMatchObject({
      kind: 'video',
    });
  });

  it('rejects a malformed sequence header with MediaParseError', () => {
    expect(() => new MediaPacketizer().video(0, avcConfigTag(Buffer.from([1, 2, 3])))).toThrow(
      MediaParseError,
    );
    expect(() => new MediaPacketizer().audio(0, Buffer.from([0xaf, 0]))).toThrow(MediaParseError);
  });

  it('never throws anything but MediaParseError on arbitrary bodies', () => {
    const packetizer = new MediaPacketizer();
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.uint8Array({ maxLength: 80 }), (video, timestamp, bytes) => {
        try {
          if (video) packetizer.video(timestamp, Buffer.from(bytes));
          else packetizer.audio(timestamp, Buffer.from(bytes));
        } catch (error) {
          if (!(error instanceof MediaParseError)) throw error;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('MediaPacketizer on a real ffmpeg FLV, against ffprobe', () => {
  it('gives every packet ffprobe sees, with its dts, pts and key flag', async () => {
    const path = await makeTestFlv({ seconds: 2, bframes: true, gop: 15 });
    const { packets, videoConfig, audioConfig } = flvToPackets(await readFile(path));
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-of',
      'json',
      '-show_entries',
      'packet=codec_type,dts,pts,flags',
      path,
    ]);
    const probed = (
      JSON.parse(stdout) as { packets: { codec_type: string; dts: number; pts: number; flags: string }[] }
    ).packets;
    const base = probed[0]!.dts;
    expect(packets.map((p) => [p.kind, p.dts, p.pts, p.keyframe])).toEqual(
      probed.map((p) => [
        p.codec_type,
        p.dts - base,
        p.pts - base,
        p.codec_type === 'audio' || p.flags.startsWith('K'),
      ]),
    );
    expect(packets.some((p) => p.pts > p.dts)).toBe(true);
    expect(videoConfig).toMatchObject({ codec: 'avc', profile: 77 });
    expect(audioConfig).toMatchObject({ codec: 'aac', sampleRate: 44100 });
  });
});
