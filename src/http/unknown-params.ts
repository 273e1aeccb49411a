/**
 * Fastify's validator drops properties a schema does not declare (`removeAdditional`), so a misspelt
 * filter (`?strem=x`) would silently list everything. Routes whose query or body schema says
 * `additionalProperties: false` get a 400 naming the unknown parameter instead.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';

interface ObjectSchema {
  additionalProperties?: unknown;
  properties?: Record<string, unknown>;
}

/** A `preValidation` hook: it sees the input before the validator strips it. */
export async function rejectUnknownParams(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const schema = request.routeOptions.schema;
  const message =
    unknownParam('querystring', schema?.querystring as ObjectSchema | undefined, request.query) ??
    unknownParam('body', schema?.body as ObjectSchema | undefined, request.body);
  if (message !== undefined) return sendError(reply, 'bad_request', message);
}

function unknownParam(where: string, schema: ObjectSchema | undefined, input: unknown): string | undefined {
  if (schema?.additionalProperties !== false || typeof input !== 'object' || input === null) return undefined;
  const known = schema.properties ?? {};
  const name = Object.keys(input).find((key) => !Object.hasOwn(known, key));
  return name === undefined ? undefined : `${where} parameter "${name}" is not known`;
}
