/**
 * Signed playback, decided in one place for every route that serves media (live HTTP-FLV, live HLS and
 * its segments, VOD files, replays, the player API). Each such route names, in its route config, how
 * the thing it plays is found from the PARSED route parameters (`playback`); this hook finds it and checks
 * the play signature for its stream before the handler runs. Deciding from what the router matched —
 * never from the raw URL — means that no spelling of a path (`/%6Cive/…`, `%2E` in a name) can reach a
 * handler the check did not see.
 *
 * Denied by default: a route under a media prefix that names no `playback` cannot be registered, and a
 * request whose target is not found is refused with the same answer as a bad signature (with signing
 * on), so an unsigned client learns nothing about which recordings exist.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type PlayGuard, queryOf, signatureQuery } from '../vod/play-guard.js';
import { sendError } from './errors.js';

/** What a media route plays: at least the stream name its signature is made over. */
export interface PlaybackTarget {
  readonly stream: string;
}

/** Finds a media route's target from `request.params`; undefined when there is none. */
export type FindPlaybackTarget = (request: FastifyRequest) => Promise<PlaybackTarget | undefined>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on every route that serves media: see playback-auth.ts. */
    playback?: FindPlaybackTarget;
  }
}

/** Path prefixes of the routes that serve media (route patterns, as registered). */
export const MEDIA_ROUTE_PREFIXES = ['/live/', '/vod/', '/replay/', '/api/play/'] as const;

export interface Playback<T extends PlaybackTarget> {
  /** Undefined only with signing off (the handler answers 404 then). */
  readonly target: T | undefined;
  /** `txSecret=…&txTime=…` of the request, for the URLs its answer hands on; '' with signing off. */
  readonly signature: string;
}

const decided = new WeakMap<FastifyRequest, Playback<PlaybackTarget>>();

/** What the hook found for this request; only for routes that declare `playback`. */
export function playbackOf<T extends PlaybackTarget>(request: FastifyRequest): Playback<T> {
  const found = decided.get(request);
  if (found === undefined) throw new Error(`${request.routeOptions.url} declares no playback target`);
  return found as Playback<T>;
}

/** Before any media route is registered: the hook and the registration check see every one after. */
export function registerPlaybackAuth(app: FastifyInstance, guard: PlayGuard): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.playback === undefined && isMediaRoute(route.url)) {
      throw new Error(
        `media route ${route.url} must declare how its playback is authorized (config.playback)`,
      );
    }
  });
  // preHandler: after the route's own validation, so a malformed parameter still gets its 400.
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const find = request.routeOptions.config.playback;
    if (find === undefined) {
      // A media path the router matched to no media route (a 404 handler); nothing is served.
      return;
    }
    const target = await find(request);
    if (!guard.enabled) {
      decided.set(request, { target, signature: '' });
      return;
    }
    const query = queryOf(request.url);
    const verdict = target === undefined ? guard.refuseUnknown(query) : guard.check(target.stream, query);
    if (!verdict.ok) return sendError(reply, 'forbidden', verdict.message);
    decided.set(request, { target, signature: signatureQuery(query) });
  });
}

function isMediaRoute(url: string | undefined): boolean {
  return url !== undefined && MEDIA_ROUTE_PREFIXES.some((prefix) => url.startsWith(prefix));
}
