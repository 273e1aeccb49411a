import { EventEmitter } from 'node:events';
import {
  type EndReason,
  type GopCacheLimits,
  type IngestFlow,
  LiveStream,
  type PublisherInfo,
  type StopPublisher,
  streamKey,
} from './live-stream.js';
import type { StreamSink } from './sink.js';

/** A live encoder sends media many times a second; this long without any, its connection is dead. */
export const TAKEOVER_SILENCE_MS = 3000;

export class StreamBusyError extends Error {
  constructor(readonly key: string) {
    super(`stream ${key} is already being published`);
    this.name = 'StreamBusyError';
  }
}

export interface HubEvents {
  publish: [stream: LiveStream];
  unpublish: [stream: LiveStream, reason: EndReason];
  sinkError: [stream: LiveStream, sink: StreamSink, error: unknown];
}

/**
 * The registry of live streams: one publisher per app/stream, any number of sinks. Recorders and the
 * notifier learn about pushes through the `publish`/`unpublish` events; nothing here knows RTMP.
 */
export class StreamHub extends EventEmitter<HubEvents> {
  private readonly streams = new Map<string, LiveStream>();

  constructor(private readonly gopLimits: GopCacheLimits) {
    super();
  }

  /**
   * Registers a publisher; a second publisher of a stream whose publisher is sending is refused and the
   * first keeps going. One whose publisher has sent nothing for `TAKEOVER_SILENCE_MS` is taken over:
   * that holder is a connection left dead by a network change (no FIN arrives, so only the idle timeout,
   * 30 s by default, would end it), and its encoder is the one reconnecting. `stop` lets the server end
   * the push (`LiveStream.kick`); `flow` lets consumers pause it.
   */
  publish(info: PublisherInfo, stop?: StopPublisher, flow?: IngestFlow): LiveStream {
    const key = streamKey(info.app, info.stream);
    const holder = this.streams.get(key);
    if (holder && holder.silentForMs() >= TAKEOVER_SILENCE_MS)
      holder.kick(
        `taken over by a new publish after ${Math.round(holder.silentForMs() / 1000)} s without media`,
      );
    if (this.streams.has(key)) throw new StreamBusyError(key);
    const stream = new LiveStream(info, this.gopLimits, stop, flow);
    stream.onSinkError = (sink, error) => this.emit('sinkError', stream, sink, error);
    this.streams.set(key, stream);
    this.emit('publish', stream);
    return stream;
  }

  unpublish(stream: LiveStream, reason: EndReason): void {
    if (this.streams.get(stream.key) !== stream) return;
    this.streams.delete(stream.key);
    stream.end(reason);
    this.emit('unpublish', stream, reason);
  }

  get(app: string, stream: string): LiveStream | undefined {
    return this.streams.get(streamKey(app, stream));
  }

  list(): LiveStream[] {
    return [...this.streams.values()];
  }
}
