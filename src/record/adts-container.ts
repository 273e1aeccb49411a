import { adtsHeader } from '../media/aac.js';
import type { AudioConfig, MediaPacket } from '../media/packet.js';
import type { ContainerWriter } from './container-writer.js';
import type { FileTracks } from './file-splitter.js';

/**
 * `record=aac`: a raw AAC file (ADTS), the format Tencent calls AAC. Every frame carries its own
 * header, so the file is playable up to the last complete frame whatever happens.
 */
export class AdtsContainer implements ContainerWriter {
  private readonly audio: AudioConfig | undefined;

  constructor(tracks: FileTracks) {
    this.audio = tracks.audio?.codec === 'aac' ? tracks.audio : undefined;
  }

  start(): Buffer[] {
    return [];
  }

  write(packet: MediaPacket): Buffer[] | undefined {
    if (packet.kind !== 'audio' || !this.audio) return undefined;
    return [adtsHeader(this.audio, packet.data.length), packet.data];
  }

  end(): undefined {
    return undefined;
  }

  patches(): [] {
    return [];
  }
}
