import type { FastifyCorsOptions } from '@fastify/cors';

/**
 * CORS for playback and the APIs from CORS_ORIGINS: `*` answers any origin with `*`, a list reflects
 * only the listed origins. Players reading byte ranges with fetch/XHR need the range headers exposed.
 */
export function corsOptions(origins: readonly string[]): FastifyCorsOptions {
  return {
    origin: origins.includes('*') ? '*' : [...origins],
    exposedHeaders: ['Content-Length', 'Content-Range', 'Accept-Ranges', 'ETag', 'Last-Modified'],
  };
}
