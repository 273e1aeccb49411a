import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TimeShift } from '../container/hls/live-window.js';
import type { BackpressureOptions } from '../live/backpressure.js';
import type { HlsPackager } from '../live/hls-packager.js';
import type { LiveHlsService } from '../live/hls-service.js';
import type { StreamHub } from '../live/hub.js';
import type { LiveStream } from '../live/live-stream.js';
import { TagSink } from '../live/tag-sink.js';
import { queryOf } from '../vod/play-guard.js';
import { sendError } from './errors.js';
import { HttpFlvOutput, openFlvResponse } from './flv-output.js';
import type { LiveRelay } from './live-relay.js';
import { type PlaybackTarget, playbackOf } from './playback-auth.js';
import { parseTimeShift, TimeShiftParamError } from './time-shift-params.js';

export interface LiveRouteDeps {
  hub: StreamHub;
  backpressure: BackpressureOptions;
  hls: LiveHlsService;
  hlsTargetDurationMs: number;
  /** LIVE_DVR_WINDOW (s): how far back playlists and time shift reach; 0 turns time shift off. */
  dvrWindowSec: number;
  /** Clusters: the NODE_URL of the node a stream not live here is live on, if any. */
  liveElsewhere?: (app: string, stream: string) => string | undefined;
  /** Clusters: this node's shared pulls of streams live on other nodes. */
  relay?: LiveRelay;
}

/**
 * Live playback over HTTP (CORS as CORS_ORIGINS says, through the app's CORS plugin):
 * - `GET /live/{app}/{stream}.flv` — HTTP-FLV, chunked;
 * - `GET /live/{app}/{stream}.m3u8` + `/live/{app}/{stream}/{seq}.ts` — live HLS, for phones and Safari;
 *   the playlist reaches back LIVE_DVR_WINDOW seconds, and takes Tencent's time-shift query
 *   (`txTimeshift=on&tsDelay=…` or `tsStart`/`tsEnd`/`tsFormat`: see time-shift-params.ts).
 */
export function registerLiveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  app.get<{ Params: { app: string; file: string } }>(
    '/live/:app/:file',
    { config: { playback: async (request) => liveFile(request.params as { file: string }) } },
    async (request, reply) => {
      const { app: appName } = request.params;
      const { stream: name, ext } = liveFile(request.params);
      if (ext !== 'flv' && ext !== 'm3u8') {
        return sendError(reply, 'not_found', 'live playback is /live/{app}/{stream}.flv or .m3u8');
      }
      const stream = deps.hub.get(appName, name);
      const elsewhere = stream ? undefined : deps.liveElsewhere?.(appName, name);
      if (elsewhere !== undefined && deps.relay && ext === 'flv')
        return deps.relay.playFlv(elsewhere, appName, name, request, reply);
      if (ext === 'm3u8') {
        // A malformed time shift is refused before a packager is made for it.
        let shift: TimeShift | undefined;
        try {
          shift = parseTimeShift(queryOf(request.url), {
            maxDelaySec: deps.dvrWindowSec,
            minSpanSec: deps.hlsTargetDurationMs / 1000,
            nowMs: Date.now(),
          });
        } catch (error) {
          if (error instanceof TimeShiftParamError) return sendError(reply, 'bad_request', error.message);
          throw error;
        }
        let packager: HlsPackager | undefined;
        if (stream) packager = deps.hls.packagerFor(stream);
        else if (elsewhere !== undefined && deps.relay) {
          // Cut here from this node's one shared pull of the stream (live-relay.ts).
          packager = await deps.relay.hlsPackager(elsewhere, appName, name, request, reply);
          if (!packager) return reply;
        } else packager = deps.hls.endedPackager(appName, name);
        if (!packager) return notLive(reply, appName, name);
        return servePlaylist(deps, packager, name, shift, request, reply);
      }
      if (!stream) return notLive(reply, appName, name);
      serveFlv(deps, stream, reply, request.log);
    },
  );

  app.get<{ Params: { app: string; stream: string; segment: string } }>(
    '/live/:app/:stream/:segment',
    { config: { playback: async (request) => ({ stream: (request.params as { stream: string }).stream }) } },
    async (request, reply) => {
      const { app: appName, stream: name, segment } = request.params;
      const match = /^(\d{1,12})\.ts$/.exec(segment);
      const stream = deps.hub.get(appName, name);
      if (!stream && match && deps.relay) {
        // This node's packaging of a stream pushed elsewhere: a segment it has not cut yet is waited for.
        const relayed = await deps.relay.relayedSegment(
          appName,
          name,
          Number(match[1]),
          deps.hlsTargetDurationMs * 3,
        );
        if (relayed) return sendSegment(reply, segment, relayed.data);
      }
      const packager = stream
        ? deps.hls.packagerFor(stream)
        : (deps.relay?.relayedPackager(appName, name) ?? deps.hls.endedPackager(appName, name));
      if (match && !packager && deps.liveElsewhere?.(appName, name) !== undefined)
        // Live on another node, but not packaged here: segment numbers are each node's own, so one
        // asked of this node before its playlist was cannot be served.
        return sendError(
          reply,
          'not_found',
          `segment ${segment} is not in this node's live window: ask this node for ${name}.m3u8 first`,
        );
      if (!match || !packager) return notLive(reply, appName, name);
      return sendSegment(reply, segment, await packager.segment(Number(match[1])));
    },
  );
}

function sendSegment(reply: FastifyReply, segment: string, data: Buffer | undefined) {
  if (!data) return sendError(reply, 'not_found', `segment ${segment} is not in the live window`);
  reply.header('Content-Type', 'video/mp2t').header('Cache-Control', 'max-age=60');
  return reply.send(data);
}

/** `{stream}.flv` / `{stream}.m3u8` as the router decoded it: the name is cut at its last dot. */
function liveFile(params: { readonly file: string }): PlaybackTarget & { readonly ext: string } {
  const dot = params.file.lastIndexOf('.');
  return dot > 0
    ? { stream: params.file.slice(0, dot), ext: params.file.slice(dot + 1) }
    : { stream: params.file, ext: '' };
}

function notLive(reply: FastifyReply, app: string, stream: string) {
  return sendError(reply, 'not_live', `${app}/${stream} is not live`);
}

async function servePlaylist(
  deps: LiveRouteDeps,
  packager: HlsPackager,
  name: string,
  shift: TimeShift | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  // A first request waits for the first segment rather than handing players an empty playlist.
  const ready = await packager.ready(deps.hlsTargetDurationMs * 3);
  if (packager.unsupportedReason) {
    return sendError(reply, 'unsupported_codec', `live HLS unavailable: ${packager.unsupportedReason}`);
  }
  if (!ready)
    return sendError(reply.header('Retry-After', '2'), 'not_ready', 'no segment yet; retry shortly');
  // The player's own signature goes onto the segment URIs, so its segment requests pass too.
  const signature = playbackOf(request).signature;
  const query = signature === '' ? '' : `?${signature}`;
  const uriFor = (seq: number) => `${encodeURIComponent(name)}/${seq}.ts${query}`;
  const playlist = shift ? packager.timeShiftPlaylist(uriFor, shift) : packager.playlist(uriFor);
  if (playlist === undefined) {
    return shift?.kind === 'range'
      ? sendError(reply, 'not_found', 'nothing of this stream was live between tsStart and tsEnd')
      : sendError(reply.header('Retry-After', '2'), 'not_ready', 'nothing old enough for tsDelay yet');
  }
  return reply
    .header('Content-Type', 'application/vnd.apple.mpegurl')
    .header('Cache-Control', 'no-cache')
    .send(playlist);
}

function serveFlv(
  deps: LiveRouteDeps,
  stream: LiveStream,
  reply: FastifyReply,
  log: FastifyReply['log'],
): void {
  const res = openFlvResponse(reply);
  const where = log.child({ app: stream.publisher.app, stream: stream.publisher.stream });
  const output = new HttpFlvOutput(res, (reason, dropped) => {
    stream.detach(sink);
    if (dropped) where.warn({ dropped: sink.droppedPackets }, `HTTP-FLV player disconnected: ${reason}`);
  });
  const sink = new TagSink(output, deps.backpressure, () => stream.stats.bitrate);
  output.start(
    stream.audioConfig !== undefined || !stream.videoConfig,
    stream.videoConfig !== undefined || !stream.audioConfig,
  );
  res.on('close', () => stream.detach(sink));
  stream.attach(sink);
  where.info('HTTP-FLV play started');
}
