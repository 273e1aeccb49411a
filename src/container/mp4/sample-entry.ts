/**
 * Sample entries (the single entry of each track's stsd) built from our codec configs. The result is
 * plain bytes: the fragmented file's init segment carries them, and finalization copies them back
 * verbatim from there, so a codec config is turned into MP4 terms exactly once.
 */
import type { AudioConfig, CodecConfig, VideoCodec, VideoConfig } from '../../media/packet.js';
import { box, Fields, serialize } from './boxes.js';
import { Mp4WriteError } from './errors.js';

/** Sample-entry code and decoder configuration box per codec (ISO/IEC 14496-15, AV1-ISOBMFF, VP-ISOBMFF). */
const VIDEO_ENTRIES: Readonly<Record<VideoCodec, { entry: string; configBox: string }>> = {
  avc: { entry: 'avc1', configBox: 'avcC' },
  // hvc1: parameter sets live in hvcC only, which Safari requires and our FLV source guarantees.
  hevc: { entry: 'hvc1', configBox: 'hvcC' },
  av1: { entry: 'av01', configBox: 'av1C' },
  // E-RTMP carries the whole vpcC body (FullBox version/flags included), so it is boxed as is.
  vp9: { entry: 'vp09', configBox: 'vpcC' },
};

/** ISO/IEC 14496-1 objectTypeIndication values. */
const OBJECT_TYPE_AAC = 0x40;
const OBJECT_TYPE_MPEG1_AUDIO = 0x6b;
const OBJECT_TYPE_MPEG2_AUDIO = 0x69;
/** MPEG-1 audio runs at 32/44.1/48 kHz; lower rates are the MPEG-2/2.5 "LSF" extension. */
const MPEG1_MIN_SAMPLE_RATE = 32000;
const AUDIO_STREAM_TYPE = 0x05;

const VISUAL_ENTRY_FIELDS = 78;
const AUDIO_ENTRY_FIELDS = 28;
const DPI_72 = 0x00480000;

export function buildSampleEntry(config: CodecConfig): Buffer {
  return config.kind === 'video' ? videoSampleEntry(config) : audioSampleEntry(config);
}

function videoSampleEntry(config: VideoConfig): Buffer {
  if (config.record.length === 0)
    throw new Mp4WriteError(`${config.codec} track has no decoder configuration`);
  const { entry, configBox } = VIDEO_ENTRIES[config.codec];
  const entryFields = new Fields(VISUAL_ENTRY_FIELDS)
    .zeros(6)
    .u16(1) // data_reference_index
    .zeros(16) // pre_defined, reserved, pre_defined[3]
    .u16(config.width)
    .u16(config.height)
    .u32(DPI_72)
    .u32(DPI_72)
    .u32(0)
    .u16(1) // frame_count
    .zeros(32) // compressorname
    .u16(0x0018) // depth: colour, no alpha
    .u16(0xffff) // pre_defined = -1
    .done();
  return serialize([box(entry, entryFields, box(configBox, config.record))]);
}

function audioSampleEntry(config: AudioConfig): Buffer {
  const objectType = audioObjectType(config);
  const entryFields = new Fields(AUDIO_ENTRY_FIELDS)
    .zeros(6)
    .u16(1) // data_reference_index
    .zeros(8)
    .u16(config.channels)
    .u16(16) // samplesize
    .zeros(4)
    // 16.16 fixed point; rates above 65535 Hz do not fit, and decoders take the rate from the ASC.
    .u32(config.sampleRate <= 0xffff ? config.sampleRate * 0x10000 : 0)
    .done();
  return serialize([
    box('mp4a', entryFields, esds(objectType, config.codec === 'aac' ? config.record : undefined)),
  ]);
}

function audioObjectType(config: AudioConfig): number {
  if (config.codec === 'aac') {
    if (config.record.length === 0) throw new Mp4WriteError('AAC track has no AudioSpecificConfig');
    return OBJECT_TYPE_AAC;
  }
  if (config.codec === 'mp3') {
    return config.sampleRate >= MPEG1_MIN_SAMPLE_RATE ? OBJECT_TYPE_MPEG1_AUDIO : OBJECT_TYPE_MPEG2_AUDIO;
  }
  throw new Mp4WriteError(`audio codec ${config.codec} cannot be stored in MP4`);
}

/** ES_Descriptor of ISO/IEC 14496-1 §7.2.6.5, inside an esds FullBox (ISO/IEC 14496-14 §5.6). */
function esds(objectType: number, decoderSpecificInfo: Buffer | undefined) {
  const decoderConfig = descriptor(
    0x04,
    new Fields(13)
      .u8(objectType)
      .u8((AUDIO_STREAM_TYPE << 2) | 1) // upStream 0, reserved 1
      .u24(0) // bufferSizeDB
      .u32(0) // maxBitrate
      .u32(0) // avgBitrate
      .done(),
    ...(decoderSpecificInfo ? [descriptor(0x05, decoderSpecificInfo)] : []),
  );
  const slConfig = descriptor(0x06, Buffer.of(0x02)); // predefined: MP4 file
  const esDescriptor = descriptor(0x03, Buffer.of(0, 0, 0), decoderConfig, slConfig); // ES_ID 0, no flags
  return box('esds', Buffer.alloc(4), esDescriptor);
}

/** A descriptor with the 4-byte size form every MP4 reader accepts. */
function descriptor(tag: number, ...parts: Buffer[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const header = Buffer.of(
    tag,
    0x80 | ((length >> 21) & 0x7f),
    0x80 | ((length >> 14) & 0x7f),
    0x80 | ((length >> 7) & 0x7f),
    length & 0x7f,
  );
  return Buffer.concat([header, ...parts], header.length + length);
}
