import type { RtmpMessage } from '../../src/rtmp/chunk-reader.js';
import { ChunkWriter } from '../../src/rtmp/chunk-writer.js';
import { setChunkSize } from '../../src/rtmp/messages.js';

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
