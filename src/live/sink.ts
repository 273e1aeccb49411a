import type { CodecConfig, MediaPacket } from '../media/packet.js';

/**
 * Anything that consumes a live stream: a player connection, a recorder, the live-HLS packager.
 * The hub calls these synchronously on the publisher's path, so implementations must not block:
 * each owns its bounded queue (see BackpressureGate) and drops or disconnects itself.
 */
export interface StreamSink {
  /** Viewers are counted in the stream's audience; recorders and packagers are `internal`. */
  readonly role: 'viewer' | 'internal';
  /** The publisher's onMetaData, re-encoded as an AMF0 `onMetaData` data body (no @setDataFrame). */
  metadata(body: Buffer): void;
  config(config: CodecConfig): void;
  packet(packet: MediaPacket): void;
  /** The publisher went away; the sink is detached after this call. */
  end(reason: string): void;
}
