/**
 * Live playback of a stream pushed to another node (PostgreSQL clusters): the request is relayed to
 * the node the registry names (its NODE_URL), path and query unchanged, so that node checks the play
 * signature too and the player gets the same HTTP-FLV or live HLS bytes. One upstream request per
 * player; the player leaving ends it.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyReply, FastifyRequest } from 'fastify';

const RELAYED_HEADERS = ['content-type', 'cache-control', 'content-length'];

export async function relayFromNode(nodeUrl: string, request: FastifyRequest, reply: FastifyReply) {
  const abort = new AbortController();
  reply.raw.on('close', () => abort.abort());
  let upstream: Response;
  try {
    upstream = await fetch(`${nodeUrl}${request.url}`, { signal: abort.signal });
  } catch (err) {
    request.log.warn({ err, nodeUrl }, 'live relay: the node holding the stream did not answer');
    return reply
      .code(502)
      .send({ error: 'bad_gateway', message: 'the node holding this stream did not answer' });
  }
  reply.code(upstream.status);
  for (const name of RELAYED_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) reply.header(name, value);
  }
  if (upstream.body === null) return reply.send();
  return reply.send(Readable.fromWeb(upstream.body as WebReadableStream));
}
