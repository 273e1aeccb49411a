/** Audio elementary streams: AAC as ADTS (stream_type 0x0F) and MP3 as-is (0x03 / 0x04). */
import { adtsHeader } from '../../media/aac.js';
import type { AudioConfig, MediaPacket } from '../../media/packet.js';
import type { ElementaryStream } from './elementary-stream.js';
import { asTsMuxError } from './errors.js';
import { AUDIO_STREAM_ID } from './pes-header.js';
import type { TsPacketStream } from './ts-packet-stream.js';

export class AdtsAudioStream implements ElementaryStream<AudioConfig> {
  readonly streamType = 0x0f;
  readonly streamId = AUDIO_STREAM_ID;
  private header: Buffer = Buffer.alloc(0);

  measure(pkt: MediaPacket, config: AudioConfig): number {
    if (pkt.data.length === 0) return 0;
    this.header = asTsMuxError(() => adtsHeader(config, pkt.data.length));
    return this.header.length + pkt.data.length;
  }

  write(pkt: MediaPacket, out: TsPacketStream): void {
    out.write(this.header);
    out.write(pkt.data);
  }
}

export class Mp3AudioStream implements ElementaryStream<AudioConfig> {
  readonly streamId = AUDIO_STREAM_ID;
  /** ISO 11172-3 audio for the MPEG-1 rates, ISO 13818-3 for the lower MPEG-2 (and 2.5) rates. */
  readonly streamType: number;

  constructor(sampleRate: number) {
    this.streamType = sampleRate >= 32000 ? 0x03 : 0x04;
  }

  measure(pkt: MediaPacket): number {
    return pkt.data.length;
  }

  write(pkt: MediaPacket, out: TsPacketStream): void {
    out.write(pkt.data);
  }
}
