import type { MediaPacket } from '../media/packet.js';

/** An in-place correction written after the last byte (FLV duration and size, for instance). */
export interface Patch {
  position: number;
  data: Buffer;
}

/**
 * The pure half of a recording format: bytes in file order, no I/O. The recorder appends what it
 * returns; `startDts` is the first packet's dts, so every file starts at time 0.
 */
export interface ContainerWriter {
  start(): readonly Buffer[];
  write(packet: MediaPacket): readonly Buffer[] | undefined;
  end(): readonly Buffer[] | undefined;
  patches(facts: { durationMs: number; sizeBytes: number }): Patch[];
}
