/**
 * Codec configuration parsers against real encoder output, with ffprobe as the oracle: every case
 * encodes a few frames with ffmpeg, pulls the decoder configuration record out of the MP4 (or the
 * FLV sequence header), parses it, and compares with what ffprobe says about the same file.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adtsHeader, parseAudioSpecificConfig } from './aac.js';
import { parseAv1DecoderConfig } from './av1.js';
import { parseAvcDecoderConfig } from './avc.js';
import { readFlvTags } from './flv-file.js';
import { parseVideoTag } from './flv-tag.js';
import { parseHevcDecoderConfig } from './hevc.js';
import { MediaPacketizer } from './packetizer.js';
import { parseVp9DecoderConfig } from './vp9.js';

const run = promisify(execFile);
let dir: string;
let fileCounter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livetape-codec-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface ProbedStream {
  width?: number;
  height?: number;
  profile?: string;
  level?: number;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
}

/** Encodes lavfi input with the given output options; returns the file path. */
async function encode(input: string[], output: string[], extension: string): Promise<string> {
  const path = join(dir, `media-${fileCounter++}.${extension}`);
  await run('ffmpeg', ['-v', 'error', '-y', ...input, ...output, path]);
  return path;
}

const videoInput = (size: string, rate = '25') => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=${size}:rate=${rate}`,
  '-frames:v',
  '1',
];

async function probe(path: string): Promise<ProbedStream> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', path]);
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams[0]!;
}

/** Body of the first box of the given type in an MP4 file (good enough for files ffmpeg just wrote). */
function boxBody(file: Buffer, type: string): Buffer {
  const at = file.indexOf(type, 0, 'latin1');
  if (at < 4) throw new Error(`no ${type} box`);
  return file.subarray(at + 4, at - 4 + file.readUInt32BE(at - 4));
}

function ratio(text: string | undefined): number {
  const [numerator, denominator] = (text ?? '0/1').split('/').map(Number);
  return numerator! / denominator!;
}

const AVC_PROFILES: Record<string, number> = {
  'Constrained Baseline': 66,
  Main: 77,
  High: 100,
  'High 10': 110,
  'High 4:2:2': 122,
  'High 4:4:4 Predictive': 244,
};

describe('AVC decoder configuration vs ffprobe', () => {
  it.each([
    { size: '320x240', rate: '30', options: ['-profile:v', 'baseline'] },
    { size: '854x480', rate: '25', options: ['-profile:v', 'main'] },
    { size: '1280x720', rate: '30000/1001', options: ['-profile:v', 'high'] },
    { size: '1920x1080', rate: '60', options: [] },
    { size: '642x362', rate: '25', options: ['-pix_fmt', 'yuv444p'] },
    { size: '642x362', rate: '24', options: ['-pix_fmt', 'yuv422p'] },
    { size: '640x482', rate: '50', options: ['-pix_fmt', 'yuv420p10le'] },
    { size: '1920x1080', rate: '25', options: ['-flags', '+ildct+ilme', '-x264-params', 'interlaced=1'] },
  ])('$size $options at $rate fps', async ({ size, rate, options }) => {
    const path = await encode(
      videoInput(size, rate),
      ['-c:v', 'libx264', '-preset', 'ultrafast', ...options, '-f', 'mp4'],
      'mp4',
    );
    const record = boxBody(await readFile(path), 'avcC');
    const config = parseAvcDecoderConfig(record, record);
    const expected = await probe(path);
    expect(config).toMatchObject({
      codec: 'avc',
      width: expected.width,
      height: expected.height,
      level: expected.level,
    });
    expect(config.profile).toBe(AVC_PROFILES[expected.profile!]);
    expect(config.frameRate).toBeCloseTo(ratio(expected.r_frame_rate), 2);
    expect(config.codecString).toBe(`avc1.${record.subarray(1, 4).toString('hex')}`);
  });
});

const HEVC_PROFILES: Record<string, number> = { Main: 1, 'Main 10': 2, Rext: 4 };

describe('HEVC decoder configuration vs ffprobe', () => {
  it.each([
    { size: '322x242', rate: '25', options: [] },
    { size: '1920x1080', rate: '30000/1001', options: ['-x265-params', 'log-level=error:bframes=8:ref=5'] },
    { size: '640x360', rate: '30', options: ['-pix_fmt', 'yuv420p10le'] },
    {
      size: '322x242',
      rate: '24',
      options: ['-pix_fmt', 'yuv444p', '-x265-params', 'log-level=error:scaling-list=default'],
    },
    { size: '322x242', rate: '50', options: ['-pix_fmt', 'yuv422p10le'] },
  ])('$size $options at $rate fps', async ({ size, rate, options }) => {
    const path = await encode(
      videoInput(size, rate),
      ['-c:v', 'libx265', '-x265-params', 'log-level=error', ...options, '-tag:v', 'hvc1', '-f', 'mp4'],
      'mp4',
    );
    const record = boxBody(await readFile(path), 'hvcC');
    const config = parseHevcDecoderConfig(record, record);
    const expected = await probe(path);
    expect(config).toMatchObject({
      codec: 'hevc',
      width: expected.width,
      height: expected.height,
      level: expected.level,
    });
    expect(config.profile).toBe(HEVC_PROFILES[expected.profile!]);
    expect(config.frameRate).toBeCloseTo(ratio(expected.r_frame_rate), 2);
    expect(config.codecString).toMatch(
      new RegExp(`^hvc1\\.${config.profile}\\.[0-9A-F]+\\.L${config.level}(\\.[0-9A-F]{1,2})*$`),
    );
  });
});

describe('AV1 decoder configuration vs ffprobe', () => {
  it.each([
    {
      size: '320x240',
      options: ['-c:v', 'libsvtav1', '-preset', '12'],
      codecString: 'av01.0.00M.08',
      profile: 0,
    },
    {
      size: '322x242',
      options: ['-c:v', 'libsvtav1', '-preset', '12', '-pix_fmt', 'yuv420p10le'],
      codecString: 'av01.0.00M.10',
      profile: 0,
    },
    {
      size: '320x240',
      options: ['-c:v', 'libaom-av1', '-cpu-used', '8', '-usage', 'realtime', '-pix_fmt', 'yuv444p'],
      codecString: 'av01.1.00M.08',
      profile: 1,
    },
  ])('$options', async ({ size, options, codecString, profile }) => {
    const path = await encode(videoInput(size), [...options, '-f', 'mp4'], 'mp4');
    const record = boxBody(await readFile(path), 'av1C');
    const config = parseAv1DecoderConfig(record, record);
    const expected = await probe(path);
    expect(config).toMatchObject({
      codec: 'av1',
      width: expected.width,
      height: expected.height,
      codecString,
      profile,
    });
  });
});

describe('VP9 decoder configuration', () => {
  it.each([
    { pixelFormat: 'yuv420p', codecString: /^vp09\.00\.\d\d\.08$/ },
    { pixelFormat: 'yuv420p10le', codecString: /^vp09\.02\.\d\d\.10$/ },
  ])('$pixelFormat', async ({ pixelFormat, codecString }) => {
    const path = await encode(
      videoInput('322x242'),
      ['-c:v', 'libvpx-vp9', '-pix_fmt', pixelFormat, '-f', 'mp4'],
      'mp4',
    );
    const record = boxBody(await readFile(path), 'vpcC');
    const config = parseVp9DecoderConfig(record, record);
    expect(config.codecString).toMatch(codecString);
    expect(`Profile ${config.profile}`).toBe((await probe(path)).profile);
  });
});

function audioConfigOf(file: Buffer) {
  const packetizer = new MediaPacketizer();
  for (const tag of readFlvTags(file)) if (tag.type === 8) packetizer.audio(tag.timestamp, tag.body);
  return packetizer.audioConfig!;
}

const audioInput = (rate: number) => [
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=440:sample_rate=${rate}`,
  '-t',
  '0.5',
];

describe('AAC configuration and ADTS vs ffmpeg', () => {
  it.each([
    { rate: 44100, channels: 2 },
    { rate: 48000, channels: 1 },
    { rate: 22050, channels: 2 },
    { rate: 8000, channels: 6 },
  ])('$rate Hz, $channels channels', async ({ rate, channels }) => {
    const output = ['-c:a', 'aac', '-ac', String(channels)];
    const flv = await encode(audioInput(rate), [...output, '-f', 'flv'], 'flv');
    const config = audioConfigOf(await readFile(flv));
    const expected = await probe(flv);
    expect(config).toMatchObject({
      codec: 'aac',
      codecString: 'mp4a.40.2',
      objectType: 2,
      channels: expected.channels,
    });
    expect(config.sampleRate).toBe(Number(expected.sample_rate));

    // The ADTS muxer writes the same header we must produce for MPEG-TS, frame by frame.
    const adts = await readFile(await encode(audioInput(rate), [...output, '-f', 'adts'], 'aac'));
    let frames = 0;
    for (let at = 0; at < adts.length; frames++) {
      const length = (adts.readUIntBE(at + 3, 3) >> 5) & 0x1fff;
      expect(adtsHeader(config, length - 7)).toEqual(adts.subarray(at, at + 7));
      at += length;
    }
    expect(frames).toBeGreaterThan(3);
  });

  it('parses the ASC of a real FLV sequence header tag', async () => {
    const flv = await readFile(await encode(audioInput(44100), ['-c:a', 'aac', '-f', 'flv'], 'flv'));
    const header = [...readFlvTags(flv)].find((tag) => tag.type === 8)!;
    expect(header.body.subarray(0, 2)).toEqual(Buffer.from([0xaf, 0x00]));
    expect(parseAudioSpecificConfig(header.body.subarray(2), header.body).sampleRate).toBe(44100);
  });
});

describe('MP3 configuration from the first frame vs ffprobe', () => {
  it.each([
    { rate: 44100, channels: 2, codecString: 'mp4a.6B' },
    { rate: 22050, channels: 1, codecString: 'mp4a.69' },
    { rate: 11025, channels: 2, codecString: 'mp4a.69' },
  ])('$rate Hz, $channels channels', async ({ rate, channels, codecString }) => {
    const flv = await encode(
      audioInput(rate),
      ['-c:a', 'libmp3lame', '-ac', String(channels), '-f', 'flv'],
      'flv',
    );
    const config = audioConfigOf(await readFile(flv));
    const expected = await probe(flv);
    expect(config).toMatchObject({
      codec: 'mp3',
      codecString,
      channels: expected.channels,
      sampleRate: Number(expected.sample_rate),
    });
  });
});

describe('FLV video sequence header from ffmpeg', () => {
  it('carries the same avcC as the MP4 muxer writes', async () => {
    const output = ['-c:v', 'libx264', '-preset', 'ultrafast', '-bitexact'];
    const flv = await readFile(await encode(videoInput('320x240'), [...output, '-f', 'flv'], 'flv'));
    const mp4 = await readFile(await encode(videoInput('320x240'), [...output, '-f', 'mp4'], 'mp4'));
    const unit = parseVideoTag([...readFlvTags(flv)].find((tag) => tag.type === 9)!.body);
    expect(unit).toMatchObject({ type: 'config', codec: 'avc' });
    if (unit.type === 'config') expect(unit.record).toEqual(boxBody(mp4, 'avcC'));
  });
});
