/**
 * The pages' one way to call the LiveTape JSON API: same-origin cookies, JSON bodies, and every error
 * answer turned into an `ApiError` carrying the server's `{ error, message }`.
 */
import type { ApiErrorBody } from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | undefined>;
export type SendMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

let unauthorizedHandler: (() => void) | undefined;

/** The console registers its "show the login view" here; 401/403 answers call it before throwing. */
export function onUnauthorized(handler: (() => void) | undefined): void {
  unauthorizedHandler = handler;
}

export function apiGet<T>(path: string, query: Query = {}): Promise<T> {
  return request<T>('GET', withQuery(path, query));
}

export function apiSend<T = void>(method: SendMethod, path: string, body?: unknown): Promise<T> {
  return request<T>(method, path, body);
}

/** `/api/v1/x?a=1`: empty and undefined values are left out so they never reach a strict validator. */
export function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    // A JSON content type without a body is refused by the server, so only bodies declare one.
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => undefined);
  if (response.ok) return payload as T;
  if (response.status === 401 || response.status === 403) unauthorizedHandler?.();
  throw errorOf(response, payload);
}

function errorOf(response: Response, payload: unknown): ApiError {
  const body = (payload ?? {}) as Partial<ApiErrorBody>;
  const message =
    typeof body.message === 'string' ? body.message : `${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, typeof body.error === 'string' ? body.error : 'http_error', message);
}

/** A message for any failure a caller may show a person. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return `Could not reach the server (${error.message})`;
  return String(error);
}
