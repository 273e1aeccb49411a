import { Fmp4Writer } from '../container/mp4/fmp4-writer.js';
import type { MediaPacket } from '../media/packet.js';
import type { ContainerWriter } from './container-writer.js';
import type { FileTracks } from './file-splitter.js';

/**
 * MP4 while recording is a fragmented MP4 of ~1 s fragments (see docs/decisions/0003): the recorder
 * appends each fragment as it completes, and `finalizeMp4` turns the file into a fast-start MP4 after.
 */
export class Mp4Container implements ContainerWriter {
  private readonly writer: Fmp4Writer;

  constructor(tracks: FileTracks) {
    this.writer = new Fmp4Writer(tracks);
  }

  start(): Buffer[] {
    return [this.writer.init()];
  }

  write(packet: MediaPacket): Buffer[] | undefined {
    return this.writer.push(packet);
  }

  end(): Buffer[] | undefined {
    return this.writer.end();
  }

  patches(): [] {
    return [];
  }
}
