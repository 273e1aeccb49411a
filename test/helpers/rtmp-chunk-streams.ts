/** RTMP chunk streams for the property tests of the chunk parsers (ChunkReader, the bench's ChunkWalker). */
import fc from 'fast-check';
import type { RtmpMessage } from '../../src/rtmp/chunk-reader.js';
import { ChunkWriter } from '../../src/rtmp/chunk-writer.js';
import { setChunkSize } from '../../src/rtmp/messages.js';

/** Where to cut a stream, as fractions of its length (see `splitAt`). */
export const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 });

/** `stream` cut at the given fractions of its length: headers and payloads split anywhere. */
export function splitAt(stream: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * stream.length)))].sort((a, b) => a - b);
  return [0, ...points].map((from, i) => stream.subarray(from, points[i] ?? stream.length));
}

/**
 * Each op written in turn by one ChunkWriter: a message, or a number for a Set Chunk Size message after which
 * the writer uses that size. Returns the bytes and every message sent, Set Chunk Size ones included.
 */
export function writtenWithChunkSizes(ops: ReadonlyArray<RtmpMessage | number>): {
  bytes: Buffer;
  sent: RtmpMessage[];
} {
  const writer = new ChunkWriter();
  const sent: RtmpMessage[] = [];
  const out: Buffer[] = [];
  for (const op of ops) {
    const m = typeof op === 'number' ? setChunkSize(op) : op;
    out.push(...writer.encode(m));
    sent.push(m);
    if (typeof op === 'number') writer.setChunkSize(op);
  }
  return { bytes: Buffer.concat(out), sent };
}

/**
 * `sent` written as a peer may: a Set Chunk Size of `chunkSize` first, then the messages' chunks with the chunk
 * streams interleaved (`picks` chooses which stream's next chunk goes next), each stream's own chunks in order.
 * Returns the bytes, and the chunk streams that carried messages.
 */
export function interleavedChunks(
  sent: readonly RtmpMessage[],
  chunkSize: number,
  picks: readonly number[],
): { bytes: Buffer; csids: number[] } {
  const writer = new ChunkWriter();
  const order: Buffer[] = [...writer.encode(setChunkSize(chunkSize))];
  writer.setChunkSize(chunkSize);
  const queues = new Map<number, Buffer[]>();
  for (const m of sent) {
    const bufs = writer.encode(m);
    const queue = queues.get(m.csid) ?? [];
    queues.set(m.csid, queue);
    // ChunkWriter returns each chunk as its header and its piece of the payload.
    for (let i = 0; i < bufs.length; i += 2) queue.push(Buffer.concat(bufs.slice(i, i + 2)));
  }
  const live = [...queues.values()];
  for (let pick = 0; live.length > 0; pick++) {
    const i = (picks[pick % Math.max(1, picks.length)] ?? 0) % live.length;
    order.push(live[i]!.shift()!);
    if (live[i]!.length === 0) live.splice(i, 1);
  }
  return { bytes: Buffer.concat(order), csids: [...queues.keys()] };
}
