/**
 * A stream live on another node, rebuilt on this node from the tags of its shared HTTP-FLV pull, so
 * this node can package it as live HLS itself (one pull serves every HLS player here). It is a
 * LiveStream of its own, never put in the hub: nothing here registers, records, snapshots or announces
 * it — the node it is pushed to does all of that.
 */
import { randomUUID } from 'node:crypto';
import { type GopCacheLimits, LiveStream } from '../live/live-stream.js';
import { MediaParseError } from '../media/errors.js';
import { MediaPacketizer } from '../media/packetizer.js';
import type { FlvStreamTag } from './flv-tag-splitter.js';

export class RelayedStream {
  readonly stream: LiveStream;
  private readonly packetizer = new MediaPacketizer();

  constructor(app: string, stream: string, nodeUrl: string, gopLimits: GopCacheLimits) {
    this.stream = new LiveStream(
      {
        // Names this node's packaging of it (its DVR spill folder), not the push on the other node.
        sessionId: `relay-${randomUUID()}`,
        app,
        stream,
        streamParam: '',
        remoteAddress: nodeUrl,
        protocol: 'rtmp',
        startedAt: Date.now(),
      },
      gopLimits,
    );
  }

  /** One tag of the pull, in order: script data is the stream's onMetaData, the rest its media. */
  add(tag: FlvStreamTag): void {
    if (tag.type === 18) {
      this.stream.setMetadata(tag.body);
      return;
    }
    if (tag.body.length === 0) return;
    let out: ReturnType<MediaPacketizer['video']>;
    try {
      out =
        tag.type === 9
          ? this.packetizer.video(tag.timestamp, tag.body)
          : this.packetizer.audio(tag.timestamp, tag.body);
    } catch (error) {
      // The other node only forwards what its own ingest parsed; a tag that still fails is skipped.
      if (error instanceof MediaParseError) return;
      throw error;
    }
    if (out === undefined) return;
    if ('type' in out) this.stream.setConfig(out.config);
    else this.stream.push(out);
  }

  end(): void {
    this.stream.end('the stream ended on its node');
  }
}
