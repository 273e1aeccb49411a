/**
 * The built pages (dist/web, made by `npm run build` or test/global-setup.ts) as the server serves them.
 * Headers and the not-built case are covered with a fixture folder in src/http/web-pages.test.ts.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** A GET sent as written: fetch() would resolve `..` and re-encode the path first. */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: t.server.httpPort, path }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the built pages', () => {
  it('redirects / to /console', async () => {
    const res = await fetch(t.httpUrl('/'), { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/console');
  });

  it.each([
    ['/console', "frame-ancestors 'none'"],
    ['/console/recordings', "frame-ancestors 'none'"],
    ['/play/1234567890123456789', 'frame-ancestors *'],
    ['/watch', 'frame-ancestors *'],
  ])('%s is an html page whose scripts and styles load from /ui/', async (path, frameRule) => {
    const res = await fetch(t.httpUrl(path));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('content-security-policy')?.endsWith(`; ${frameRule}`)).toBe(true);
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((asset) => asset.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      const file = await fetch(t.httpUrl(asset));
      expect(file.status, asset).toBe(200);
      expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const type = TYPES[asset.slice(asset.lastIndexOf('.'))];
      expect(type, `a type for ${asset}`).toBeDefined();
      expect(file.headers.get('content-type')).toBe(type);
      await file.arrayBuffer();
    }
  });

  it.each([
    '/ui/../package.json',
    '/ui/%2e%2e/%2e%2e/package.json',
    '/ui/..%2f..%2fpackage.json',
    '/ui/assets/..%2F..%2F..%2Fpackage.json',
    '/ui/%2e%2e%5c%2e%2e%5cpackage.json',
    '/ui/console.html%00.js',
    '/ui/%00',
    '/ui/%2Fetc%2Fpasswd',
  ])('%s reaches nothing outside dist/web', async (path) => {
    const res = await rawGet(path);
    expect([400, 404], `${path} → ${res.status}`).toContain(res.status);
    expect(res.body).not.toContain('"devDependencies"');
    expect(res.body).not.toContain('root:');
  });
});
