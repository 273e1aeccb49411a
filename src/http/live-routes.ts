import type { FastifyInstance } from 'fastify';
import type { BackpressureOptions } from '../live/backpressure.js';
import type { StreamHub } from '../live/hub.js';
import { TagSink } from '../live/tag-sink.js';
import { HttpFlvOutput } from './flv-output.js';

export interface LiveRouteDeps {
  hub: StreamHub;
  backpressure: BackpressureOptions;
}

/** Live playback over HTTP: `GET /live/{app}/{stream}.flv` (HTTP-FLV, chunked, CORS open). */
export function registerLiveRoutes(app: FastifyInstance, deps: LiveRouteDeps): void {
  app.get<{ Params: { app: string; file: string } }>('/live/:app/:file', async (request, reply) => {
    const { app: appName, file } = request.params;
    if (!file.endsWith('.flv')) {
      return reply.code(404).send({ error: 'not_found', message: 'live playback is served as /live/{app}/{stream}.flv' });
    }
    const streamName = file.slice(0, -'.flv'.length);
    const stream = deps.hub.get(appName, streamName);
    if (!stream) {
      return reply.code(404).send({ error: 'not_live', message: `${appName}/${streamName} is not live` });
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'video/x-flv',
      'Cache-Control': 'no-cache, no-store',
      'Access-Control-Allow-Origin': '*',
      Connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    const log = request.log.child({ app: appName, stream: streamName });
    const output = new HttpFlvOutput(res, (reason, dropped) => {
      stream.detach(sink);
      if (dropped) log.warn({ dropped: sink.droppedPackets }, `HTTP-FLV player disconnected: ${reason}`);
    });
    const sink = new TagSink(output, deps.backpressure, () => stream.stats.bitrate);
    output.start(stream.audioConfig !== undefined || !stream.videoConfig, stream.videoConfig !== undefined || !stream.audioConfig);
    res.on('close', () => stream.detach(sink));
    stream.attach(sink);
    log.info('HTTP-FLV play started');
  });
}
