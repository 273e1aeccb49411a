import { MediaParseError } from './errors.js';
import type { AudioFrameUnit } from './flv-tag.js';
import { mp3CodecString, parseMp3FrameHeader } from './mp3.js';
import type { AudioConfig } from './packet.js';

/** FLV SoundRate bits → Hz (5.5 kHz is really 5512.5; containers want an integer). */
const FLV_SOUND_RATES = [5512, 11025, 22050, 44100];
/** Sound formats whose rate the SoundRate bits cannot express (FLV spec E.4.2.1). */
const FIXED_RATE_FORMATS: ReadonlyMap<number, number> = new Map([
  [4, 16000], // Nellymoser 16 kHz mono
  [5, 8000], // Nellymoser 8 kHz mono
  [7, 8000], // G.711 A-law
  [8, 8000], // G.711 mu-law
  [11, 16000], // Speex
  [14, 8000], // MP3 8 kHz
]);
const EMPTY = Buffer.alloc(0);

/**
 * Builds the AudioConfig for an audio codec that has no sequence header (MP3 and the pass-through
 * formats) from its first frame: the MP3 frame header when it can be read (encoders often set the
 * FLV rate bits to 44 kHz whatever the real rate), else the FLV sound bits. `codecString` is empty
 * for formats without an RFC 6381 name.
 */
export function audioConfigFromFrame(frame: AudioFrameUnit): AudioConfig {
  if (frame.codec === 'mp3') {
    try {
      const header = parseMp3FrameHeader(frame.data);
      return synthesized('mp3', mp3CodecString(header), header.sampleRate, header.channels);
    } catch (error) {
      // Enhanced RTMP carries no sound bits to fall back on.
      if (!(error instanceof MediaParseError) || frame.soundFormat === 9) throw error;
    }
  }
  const sampleRate = FIXED_RATE_FORMATS.get(frame.soundFormat) ?? FLV_SOUND_RATES[frame.soundRate]!;
  const codecString = frame.codec === 'mp3' ? 'mp4a.6B' : '';
  return synthesized(frame.codec, codecString, sampleRate, frame.soundType + 1);
}

function synthesized(
  codec: AudioConfig['codec'],
  codecString: string,
  sampleRate: number,
  channels: number,
): AudioConfig {
  return {
    kind: 'audio',
    codec,
    record: EMPTY,
    tag: EMPTY,
    codecString,
    sampleRate,
    channels,
    objectType: 0,
  };
}
