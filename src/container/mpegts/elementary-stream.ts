import type { CodecConfig, MediaPacket } from '../../media/packet.js';
import type { TsPacketStream } from './ts-packet-stream.js';

/** Turns one track's packets into the elementary-stream bytes its TS stream_type expects. */
export interface ElementaryStream<C extends CodecConfig> {
  /** stream_type in the PMT (ISO 13818-1 Table 2-34). */
  readonly streamType: number;
  /** PES stream_id. */
  readonly streamId: number;
  /**
   * Prepares `pkt` under `config` and returns its payload size in bytes; 0 means the packet carries
   * nothing decodable. Must be followed by `write` for the same packet before the next `measure`.
   */
  measure(pkt: MediaPacket, config: C): number;
  write(pkt: MediaPacket, out: TsPacketStream): void;
}
