/**
 * Signed playback for the live HTTP routes, as a hook in front of them: `/live/{app}/{stream}.flv|.m3u8`
 * and `/live/{app}/{stream}/{segment}` are refused with 403 unless signed for `{stream}`, and a live
 * playlist served to a signed player carries the signature on its segment URIs. The path is read here
 * rather than from route parameters so that a live route added later is guarded too (fail closed).
 */
import type { FastifyInstance } from 'fastify';
import { type PlayGuard, queryOf, signatureQuery } from './play-guard.js';
import { withQueryOnUris } from './replay-playlist.js';

const LIVE_PREFIX = '/live/';

/** The stream name a live playback path is for; undefined when the path has neither live shape. */
export function liveStreamNameOf(path: string): string | undefined {
  if (!path.startsWith(LIVE_PREFIX)) return undefined;
  const parts = path.slice(LIVE_PREFIX.length).split('/');
  let encoded: string | undefined;
  if (parts.length === 2) {
    const dot = parts[1]!.lastIndexOf('.');
    encoded = dot > 0 ? parts[1]!.slice(0, dot) : undefined;
  } else if (parts.length === 3) {
    encoded = parts[1];
  }
  if (!encoded) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/** The hooks are always in place: play keys can be set at run time, and then apply at once. */
export function registerLivePlayAuth(app: FastifyInstance, guard: PlayGuard): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    if (!path.startsWith(LIVE_PREFIX) || !guard.enabled) return;
    const stream = liveStreamNameOf(path);
    const verdict =
      stream === undefined
        ? { ok: false as const, message: 'signed playback: not a live playback path' }
        : guard.check(stream, queryOf(request.url));
    if (!verdict.ok) return reply.code(403).send({ error: 'forbidden', message: verdict.message });
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const path = pathOf(request.url);
    if (!path.startsWith(LIVE_PREFIX) || !path.endsWith('.m3u8')) return payload;
    if (reply.statusCode !== 200 || typeof payload !== 'string' || !guard.enabled) return payload;
    return withQueryOnUris(payload, signatureQuery(queryOf(request.url)));
  });
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
