import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { TagOutput, TagType } from '../live/tag-sink.js';

/** How long the end of the stream may take to reach the player before its connection is cut. */
const CLOSE_FLUSH_TIMEOUT_MS = 2000;

/** Takes the response over from Fastify and sends the HTTP-FLV status and headers. */
export function openFlvResponse(reply: FastifyReply): ServerResponse {
  // Headers set by hooks (CORS) are only sent by Fastify's own reply, which a hijacked one bypasses.
  const hookHeaders = reply.getHeaders();
  reply.hijack();
  const res = reply.raw;
  for (const [name, value] of Object.entries(hookHeaders))
    if (value !== undefined) res.setHeader(name, value);
  res.writeHead(200, {
    'Content-Type': 'video/x-flv',
    'Cache-Control': 'no-cache, no-store',
    Connection: 'keep-alive',
  });
  res.socket?.setNoDelay(true);
  return res;
}

/**
 * FLV over a chunked HTTP response. Each tag goes out as two writes: the previous tag's size glued to
 * this tag's 11-byte header, then the body itself (never copied).
 */
export class HttpFlvOutput implements TagOutput {
  private previousTagSize = 0;
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly onClose: (reason: string, dropped: boolean) => void,
  ) {}

  /** The 9-byte FLV file header; PreviousTagSize0 goes out with the first tag. */
  start(audio: boolean, video: boolean): void {
    const header = Buffer.from([0x46, 0x4c, 0x56, 0x01, (audio ? 4 : 0) | (video ? 1 : 0), 0, 0, 0, 9]);
    this.res.write(header);
  }

  writeTag(type: TagType, timestamp: number, body: Buffer): void {
    if (this.ended) return;
    const head = Buffer.allocUnsafe(15);
    head.writeUInt32BE(this.previousTagSize, 0);
    head[4] = type;
    head.writeUIntBE(body.length, 5, 3);
    head.writeUIntBE(timestamp & 0xffffff, 8, 3);
    head[11] = (timestamp >>> 24) & 0xff;
    head.writeUIntBE(0, 12, 3);
    // One writev per tag instead of two socket writes.
    this.res.cork();
    this.res.write(head);
    this.res.write(body);
    this.res.uncork();
    this.previousTagSize = body.length + 11;
  }

  get queuedBytes(): number {
    return this.res.writableLength;
  }

  close(reason: string, dropped: boolean): void {
    if (this.ended) return;
    this.ended = true;
    if (dropped) {
      this.res.destroy();
    } else {
      // end() alone waits for a player that may never read again, holding its socket, the queued
      // media and server shutdown (which waits for every connection) forever.
      const deadline = setTimeout(() => this.res.destroy(), CLOSE_FLUSH_TIMEOUT_MS);
      this.res.end(() => clearTimeout(deadline));
    }
    this.onClose(reason, dropped);
  }
}
