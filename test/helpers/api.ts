import { expect } from 'vitest';
import type { TestServer } from './server.js';

/** One JSON API call to a test server (loopback, so no token): status and parsed body (undefined if empty). */
export async function apiCall<T>(
  t: TestServer,
  path: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(t.httpUrl(path), {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

/** A GET that must answer 200; its body. */
export async function apiGet<T>(t: TestServer, path: string): Promise<T> {
  const { status, body } = await apiCall<T>(t, path);
  expect(status, path).toBe(200);
  return body;
}
