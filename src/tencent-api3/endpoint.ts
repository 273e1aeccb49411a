/**
 * The Tencent Cloud API 3.0 endpoint (`live`, version 2018-08-01): `POST /` and `GET /` carrying an
 * `X-TC-Action` header, signed with TC3-HMAC-SHA256 by a TENCENT_API_SECRETS pair. A backend written with
 * the official SDK points its endpoint here and works unchanged. Every answer is HTTP 200 with
 * `{"Response": {…, "RequestId"}}`; errors are `Response.Error.{Code, Message}` (the SDK discards the
 * body of any other status). Requests without `X-TC-Action` never reach these routes.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../log.js';
import { Api3Error } from './api3-error.js';
import { type ParamObject, Params, paramsFromJson, paramsFromQuery } from './params.js';
import { verifyTc3 } from './tc3-signature.js';

export const API3_VERSION = '2018-08-01';

/** One action: its parameters in, its response fields (without RequestId) out; throws Api3Error. */
export type Api3Action = (params: Params) => Promise<Record<string, unknown>>;

export interface Api3EndpointOptions {
  /** SecretId → SecretKey; the endpoint is not registered when empty. */
  readonly secrets: ReadonlyMap<string, string>;
  readonly actions: ReadonlyMap<string, Api3Action>;
  readonly log: Logger;
  readonly now?: () => number;
}

const ACTION_HEADER = 'x-tc-action';
/** GET packets are at most 32 KB (spec §1.1); POST bodies get the same generous bound as the REST API. */
const BODY_LIMIT = 1024 * 1024;

export async function registerTencentApi3(app: FastifyInstance, options: Api3EndpointOptions): Promise<void> {
  if (options.secrets.size === 0) return;
  const log = options.log.child({ component: 'tencent-api3' });
  const now = options.now ?? Date.now;
  // Only requests naming an action are routed here, so `GET /` stays the console's redirect.
  app.addConstraintStrategy({
    name: 'tcAction',
    storage() {
      const handlers = new Map<string, unknown>();
      return {
        get: (value: string) => (handlers.get(value) ?? null) as never,
        set: (value: string, handler: unknown) => void handlers.set(value, handler),
      };
    },
    deriveConstraint: (request: { headers: Record<string, unknown> }) =>
      request.headers[ACTION_HEADER] === undefined ? undefined : 'api3',
    mustMatchWhenDerived: true,
  });
  await app.register(async (scope) => {
    // The signature covers the raw bytes: keep them as they came, whatever the content type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) =>
      done(null, body),
    );
    const handler = async (request: FastifyRequest) => {
      const requestId = randomUUID();
      const action = header(request, ACTION_HEADER) ?? '';
      try {
        const fields = await answer(request, action, options, now());
        log.debug({ action, requestId }, 'API 3.0 call answered');
        return { Response: { ...fields, RequestId: requestId } };
      } catch (error) {
        const known = error instanceof Api3Error;
        if (!known) log.error({ err: error, action, requestId }, 'API 3.0 call failed');
        else log.info({ action, requestId, code: error.code }, 'API 3.0 call refused');
        const code = known ? error.code : 'InternalError';
        const message = known ? error.message : 'An internal error occurred.';
        return { Response: { Error: { Code: code, Message: message }, RequestId: requestId } };
      }
    };
    const routeOptions = { constraints: { tcAction: 'api3' }, schema: { hide: true } };
    for (const method of ['POST', 'GET'] as const) {
      scope.route({
        method,
        url: '/',
        ...routeOptions,
        onSend: async (request, reply, payload) => {
          const traceId = header(request, 'x-tc-traceid');
          if (traceId !== undefined && /^[\w-]{1,128}$/.test(traceId)) reply.header('X-TC-TraceId', traceId);
          return payload;
        },
        handler,
      });
    }
  });
}

async function answer(
  request: FastifyRequest,
  action: string,
  options: Api3EndpointOptions,
  nowMs: number,
): Promise<Record<string, unknown>> {
  const url = request.raw.url ?? '/';
  const rawQuery = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const headers: Record<string, string | undefined> = {};
  for (const name of Object.keys(request.headers)) headers[name] = header(request, name);
  const verdict = verifyTc3(
    { method: request.method, rawQuery, headers, body },
    options.secrets,
    Math.floor(nowMs / 1000),
  );
  if (!verdict.ok) throw new Api3Error(verdict.code, verdict.message);
  const version = headers['x-tc-version'];
  if (version !== API3_VERSION) {
    throw new Api3Error(
      'NoSuchVersion',
      `The API version \`${String(version).slice(0, 32)}\` does not exist; use ${API3_VERSION}.`,
    );
  }
  const run = options.actions.get(action);
  if (run === undefined) {
    throw new Api3Error(
      'InvalidAction',
      `The action \`${action.slice(0, 64)}\` does not exist or is not supported by LiveTape.`,
    );
  }
  const params: ParamObject = request.method === 'GET' ? paramsFromQuery(rawQuery) : paramsFromJson(body);
  return run(new Params(params));
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
