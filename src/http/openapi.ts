/**
 * The OpenAPI 3.1 document of the REST API, built from the routes' own schemas, at
 * `/api/docs/openapi.json`, and a Swagger UI page at `/api/docs` served from the package (no CDN).
 * Both are public: they describe the API, they give no access to it. Must be registered before the
 * routes it documents.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { isGuardedRoute, isPublicApiRoute } from './api-auth.js';
import { errorResponses } from './api-schemas.js';

export const OPENAPI_PATH = '/api/docs/openapi.json';

const DESCRIPTION = `The native REST API of LiveTape: recordings (list, get, delete), live streams, settings.

Send \`Authorization: Bearer <token>\` with one of the server's API_TOKENS. With no token configured the
API answers loopback clients only. A browser logged into the console (\`POST /api/v1/session\`) is
authorized by its session cookie instead. Errors are \`{ "error": code, "message": text }\`; the message names
the bad parameter. Lists are paged with an opaque \`cursor\`: pass back \`nextCursor\` until it is null.`;

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'LiveTape API', version: 'v1', description: DESCRIPTION },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    // Shared schemas keep their `$id` as their name in `components.schemas`.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    transform: ({ schema, url }) => ({ schema: documented(url, schema), url }),
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { deepLinking: true, persistAuthorization: true },
    staticCSP: true,
    // The plugin's policy upgrades every request to https, which breaks the page on a plain-HTTP server.
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}

/**
 * Only the API and the operator endpoints are documented here (playback and `/common_access` have
 * their own pages in docs/api.md); guarded routes get the bearer requirement and its errors.
 */
function documented(url: string, schema: FastifySchema | undefined): FastifySchema & { hide?: boolean } {
  const own = schema ?? {};
  if (isGuardedRoute(url)) {
    return {
      ...own,
      security: [{ bearerAuth: [] }],
      response: { ...errorResponses(401, 403), ...(own.response as object | undefined) },
    } as FastifySchema;
  }
  return url === '/healthz' || isPublicApiRoute(url) ? own : { ...own, hide: true };
}
