/**
 * The APIs behind the console, player and watch pages (issue 6): runtime keys and retention, the push
 * URL generator, rooms, and the public watch and play endpoints.
 */
import type { FastifyInstance } from 'fastify';
import type { KeyRing } from '../auth/key-ring.js';
import type { PlaybackContext } from '../vod/playback-context.js';
import { registerKeyRoutes } from './keys-routes.js';
import { registerPushUrlRoutes } from './push-urls-routes.js';
import { type RetentionRouteDeps, registerRetentionRoutes } from './retention-routes.js';
import { registerRoomRoutes } from './rooms-routes.js';
import { registerWatchRoutes } from './watch-routes.js';

export interface ConsoleApiDeps {
  keys: KeyRing;
  retention: RetentionRouteDeps;
  playback: PlaybackContext;
  intervalMinSec: number;
  intervalMaxSec: number;
  /** WATCH_PAGE */
  watchPage: boolean;
}

export function registerConsoleApi(app: FastifyInstance, deps: ConsoleApiDeps): void {
  registerKeyRoutes(app, deps.keys);
  registerRetentionRoutes(app, deps.retention);
  registerPushUrlRoutes(app, {
    keys: deps.keys,
    rtmpBaseUrl: deps.playback.rtmpBaseUrl,
    intervalMinSec: deps.intervalMinSec,
    intervalMaxSec: deps.intervalMaxSec,
  });
  registerRoomRoutes(app, deps.playback.catalog);
  registerWatchRoutes(app, deps);
}
