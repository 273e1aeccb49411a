/** Types of chunk-walker.mjs (plain JavaScript, so the Node floor receiver runs under a bare `node`). */
import type { RtmpMessage } from '../../src/rtmp/messages.js';

export declare const MAX_KEPT_MESSAGE: number;
export declare const MAX_CHUNK_SIZE: number;

export declare class ChunkWalkError extends Error {}

export declare class ChunkWalker {
  bytes: number;
  videoMessages: number;
  audioMessages: number;
  constructor(onMessage: (m: RtmpMessage) => void);
  push(buf: Buffer): void;
}
