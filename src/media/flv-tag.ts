/**
 * FLV/RTMP audio and video tag BODIES → codec units, for legacy FLV (AVC, the HEVC id-12 fork,
 * AAC, MP3) and Enhanced RTMP v1/v2 (FourCC codecs, ModEx, multitrack). Zero-copy: every Buffer in
 * a result is a view into the body. Malformed bodies throw MediaParseError and nothing else.
 *
 * What comes back as `ignored` (passed through live by the session, never recorded): video
 * command/info frames, legacy codecs other than AVC/HEVC (Sorenson, VP6, screen video), Enhanced
 * RTMP metadata and MPEG2TSSequenceStart packets, FourCCs we do not record (vp08, Opus, fLaC, AC-3…),
 * and in multitrack messages every track except track 0.
 */
import { MediaParseError } from './errors.js';
import type { AudioCodec, VideoCodec } from './packet.js';

export { MediaParseError } from './errors.js';

export type VideoTagUnit =
  | { readonly type: 'config'; readonly codec: VideoCodec; readonly record: Buffer }
  | {
      readonly type: 'frame';
      readonly codec: VideoCodec;
      readonly keyframe: boolean;
      /** Composition time offset in ms, signed (pts - dts). */
      readonly cts: number;
      readonly data: Buffer;
    }
  | { readonly type: 'end' }
  | { readonly type: 'ignored'; readonly reason: string };

export interface AudioFrameUnit {
  readonly type: 'frame';
  readonly codec: AudioCodec;
  readonly data: Buffer;
  /** FLV SoundFormat (10 AAC, 2 MP3, 9 Enhanced RTMP…); the three fields below are 0 for Enhanced RTMP. */
  readonly soundFormat: number;
  /** 0 = 5.5 kHz, 1 = 11 kHz, 2 = 22 kHz, 3 = 44 kHz. */
  readonly soundRate: number;
  /** 0 = 8-bit, 1 = 16-bit samples. */
  readonly soundSize: number;
  /** 0 = mono, 1 = stereo. */
  readonly soundType: number;
}

export type AudioTagUnit =
  | { readonly type: 'config'; readonly codec: 'aac'; readonly record: Buffer }
  | AudioFrameUnit
  | { readonly type: 'ignored'; readonly reason: string };

const fourCc = (text: string): number => Buffer.from(text, 'latin1').readUInt32BE(0);

const VIDEO_FOURCCS = new Map<number, VideoCodec>([
  [fourCc('avc1'), 'avc'],
  [fourCc('hvc1'), 'hevc'],
  [fourCc('av01'), 'av1'],
  [fourCc('vp09'), 'vp9'],
]);
const FOURCC_MP4A = fourCc('mp4a');
const FOURCC_MP3 = fourCc('.mp3');

const LEGACY_VIDEO_CODECS: ReadonlyMap<number, VideoCodec> = new Map([
  [7, 'avc'],
  [12, 'hevc'],
]);
const FRAME_TYPE_KEY = 1;
const FRAME_TYPE_COMMAND = 5;

const VIDEO_SEQUENCE_START = 0;
const VIDEO_CODED_FRAMES = 1;
const VIDEO_SEQUENCE_END = 2;
const VIDEO_CODED_FRAMES_X = 3;
const VIDEO_METADATA = 4;
const VIDEO_MULTITRACK = 6;
const AUDIO_SEQUENCE_START = 0;
const AUDIO_CODED_FRAMES = 1;
const AUDIO_MULTITRACK = 5;
const PACKET_TYPE_MODEX = 7;

const MULTITRACK_ONE_TRACK = 0;
const MULTITRACK_MANY_CODECS = 2;

const SOUND_FORMAT_MP3 = 2;
const SOUND_FORMAT_EX_HEADER = 9;
const SOUND_FORMAT_AAC = 10;
const SOUND_FORMAT_MP3_8K = 14;

function need(body: Buffer, end: number, what: string): void {
  if (end > body.length) throw new MediaParseError(`${what} truncated`);
}

export function parseVideoTag(body: Buffer): VideoTagUnit {
  if (body.length === 0) return { type: 'ignored', reason: 'empty video message' };
  const first = body[0]!;
  return first & 0x80 ? parseExVideoTag(body) : parseLegacyVideoTag(body, first);
}

function parseLegacyVideoTag(body: Buffer, first: number): VideoTagUnit {
  const frameType = first >> 4;
  const codecId = first & 0x0f;
  if (frameType === FRAME_TYPE_COMMAND) return { type: 'ignored', reason: 'video info/command frame' };
  const codec = LEGACY_VIDEO_CODECS.get(codecId);
  if (codec === undefined) return { type: 'ignored', reason: `unsupported legacy video codec id ${codecId}` };
  need(body, 5, 'AVC/HEVC video tag header');
  const packetType = body[1]!;
  if (packetType === 0) return { type: 'config', codec, record: body.subarray(5) };
  if (packetType === 1) {
    const cts = body.readIntBE(2, 3);
    return { type: 'frame', codec, keyframe: frameType === FRAME_TYPE_KEY, cts, data: body.subarray(5) };
  }
  if (packetType === 2) return { type: 'end' };
  throw new MediaParseError(`unknown AVCPacketType ${packetType}`);
}

/** The part of an Enhanced RTMP message that belongs to the one track we keep. */
interface ExTrack {
  readonly packetType: number;
  readonly fourCc: number;
  readonly payload: Buffer;
}

/** Skips ModEx packets; their only defined modifier (TimestampOffsetNano) refines time below 1 ms. */
function skipModEx(body: Buffer): { packetType: number; position: number } {
  let packetType = body[0]! & 0x0f;
  let position = 1;
  while (packetType === PACKET_TYPE_MODEX) {
    need(body, position + 1, 'ModEx size');
    let size = body[position]! + 1;
    position += 1;
    if (size === 256) {
      need(body, position + 2, 'ModEx size');
      size = body.readUInt16BE(position) + 1;
      position += 2;
    }
    need(body, position + size + 1, 'ModEx data');
    position += size;
    packetType = body[position]! & 0x0f;
    position += 1;
  }
  return { packetType, position };
}

/**
 * Reads the FourCC and the payload of track 0; undefined when the message has no track 0.
 * `multitrackPacketType` is the packet type value that announces a multitrack message.
 */
function selectTrack(
  body: Buffer,
  multitrackPacketType: number,
  header = skipModEx(body),
): ExTrack | undefined {
  let { packetType, position } = header;
  if (packetType !== multitrackPacketType) {
    need(body, position + 4, 'FourCC');
    return { packetType, fourCc: body.readUInt32BE(position), payload: body.subarray(position + 4) };
  }
  need(body, position + 1, 'multitrack header');
  const multitrackType = body[position]! >> 4;
  packetType = body[position]! & 0x0f;
  position += 1;
  if (packetType === multitrackPacketType) throw new MediaParseError('nested multitrack packet');
  let sharedFourCc = 0;
  if (multitrackType !== MULTITRACK_MANY_CODECS) {
    need(body, position + 4, 'FourCC');
    sharedFourCc = body.readUInt32BE(position);
    position += 4;
  }
  while (position < body.length) {
    let trackFourCc = sharedFourCc;
    if (multitrackType === MULTITRACK_MANY_CODECS) {
      need(body, position + 4, 'track FourCC');
      trackFourCc = body.readUInt32BE(position);
      position += 4;
    }
    need(body, position + 1, 'track id');
    const trackId = body[position]!;
    position += 1;
    let end = body.length;
    if (multitrackType !== MULTITRACK_ONE_TRACK) {
      need(body, position + 3, 'track size');
      end = position + 3 + body.readUIntBE(position, 3);
      position += 3;
      need(body, end, 'track data');
    }
    if (trackId === 0) return { packetType, fourCc: trackFourCc, payload: body.subarray(position, end) };
    position = end;
  }
  return undefined;
}

function parseExVideoTag(body: Buffer): VideoTagUnit {
  const frameType = (body[0]! >> 4) & 0x07;
  const header = skipModEx(body);
  if (frameType === FRAME_TYPE_COMMAND && header.packetType !== VIDEO_METADATA) {
    return { type: 'ignored', reason: 'video command frame' };
  }
  const track = selectTrack(body, VIDEO_MULTITRACK, header);
  if (track === undefined) return { type: 'ignored', reason: 'multitrack video without track 0' };
  const codec = VIDEO_FOURCCS.get(track.fourCc);
  if (codec === undefined)
    return { type: 'ignored', reason: `unsupported video FourCC ${fourCcText(track.fourCc)}` };
  const keyframe = frameType === FRAME_TYPE_KEY;
  const { payload } = track;
  switch (track.packetType) {
    case VIDEO_SEQUENCE_START:
      return { type: 'config', codec, record: payload };
    case VIDEO_CODED_FRAMES:
      if (codec === 'avc' || codec === 'hevc') {
        need(payload, 3, 'composition time');
        return { type: 'frame', codec, keyframe, cts: payload.readIntBE(0, 3), data: payload.subarray(3) };
      }
      return { type: 'frame', codec, keyframe, cts: 0, data: payload };
    case VIDEO_CODED_FRAMES_X:
      return { type: 'frame', codec, keyframe, cts: 0, data: payload };
    case VIDEO_SEQUENCE_END:
      return { type: 'end' };
    default:
      return { type: 'ignored', reason: `video packet type ${track.packetType} not recorded` };
  }
}

export function parseAudioTag(body: Buffer): AudioTagUnit {
  if (body.length === 0) return { type: 'ignored', reason: 'empty audio message' };
  const first = body[0]!;
  const soundFormat = first >> 4;
  if (soundFormat === SOUND_FORMAT_EX_HEADER) return parseExAudioTag(body);
  if (soundFormat === SOUND_FORMAT_AAC) {
    need(body, 2, 'AAC audio tag header');
    const packetType = body[1]!;
    if (packetType === 0) return { type: 'config', codec: 'aac', record: body.subarray(2) };
    if (packetType !== 1) throw new MediaParseError(`unknown AACPacketType ${packetType}`);
    return legacyAudioFrame('aac', first, body.subarray(2));
  }
  const codec = soundFormat === SOUND_FORMAT_MP3 || soundFormat === SOUND_FORMAT_MP3_8K ? 'mp3' : 'other';
  return legacyAudioFrame(codec, first, body.subarray(1));
}

function legacyAudioFrame(codec: AudioCodec, first: number, data: Buffer): AudioFrameUnit {
  return {
    type: 'frame',
    codec,
    data,
    soundFormat: first >> 4,
    soundRate: (first >> 2) & 3,
    soundSize: (first >> 1) & 1,
    soundType: first & 1,
  };
}

function parseExAudioTag(body: Buffer): AudioTagUnit {
  const track = selectTrack(body, AUDIO_MULTITRACK);
  if (track === undefined) return { type: 'ignored', reason: 'multitrack audio without track 0' };
  const { packetType, fourCc, payload } = track;
  if (fourCc === FOURCC_MP4A && packetType === AUDIO_SEQUENCE_START) {
    return { type: 'config', codec: 'aac', record: payload };
  }
  if (packetType === AUDIO_CODED_FRAMES && (fourCc === FOURCC_MP4A || fourCc === FOURCC_MP3)) {
    const codec = fourCc === FOURCC_MP4A ? 'aac' : 'mp3';
    return {
      type: 'frame',
      codec,
      data: payload,
      soundFormat: SOUND_FORMAT_EX_HEADER,
      soundRate: 0,
      soundSize: 0,
      soundType: 0,
    };
  }
  return { type: 'ignored', reason: `audio ${fourCcText(fourCc)} packet type ${packetType} not recorded` };
}

function fourCcText(value: number): string {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(value);
  return JSON.stringify(bytes.toString('latin1'));
}
