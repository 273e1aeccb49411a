import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWebPages } from './web-pages.js';

/** A raw GET: fetch() would resolve `..` and re-encode the path before sending it. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
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

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'livetape-web-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function appFor(webDir: string, logLines: string[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: 'warn', stream: { write: (line: string) => logLines.push(line) } },
  });
  await registerWebPages(app, { webDir, relistIntervalMs: 0 });
  return app;
}

describe('a built web folder', () => {
  let app: FastifyInstance;
  let port: number;
  beforeAll(async () => {
    const web = join(root, 'site', 'web');
    await mkdir(join(web, 'assets'), { recursive: true });
    for (const page of ['console', 'play', 'watch'])
      await writeFile(join(web, `${page}.html`), `<!doctype html><title>${page}</title>`);
    await writeFile(join(web, 'assets', 'console-AbC123.js'), 'console.log(1)');
    await writeFile(join(web, 'assets', 'style-9f8e.css'), 'body{}');
    await writeFile(join(web, 'favicon.svg'), '<svg/>');
    // Next to the served folder: must never be reachable.
    await writeFile(join(root, 'site', 'secret.txt'), 'TOP-SECRET');
    await writeFile(join(root, 'site', 'web-secret.txt'), 'TOP-SECRET');
    app = await appFor(web);
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it('redirects / to the console', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/console');
  });

  it.each([
    ['/console', 'console', "frame-ancestors 'none'"],
    ['/console/live', 'console', "frame-ancestors 'none'"],
    ['/console/recordings/deep/link', 'console', "frame-ancestors 'none'"],
    ['/play/1234567890123456789', 'play', 'frame-ancestors *'],
    ['/watch', 'watch', 'frame-ancestors *'],
  ])('%s is the %s page, with its security headers', async (url, page, frameRule) => {
    const res = await app.inject(url);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`<title>${page}</title>`);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("media-src 'self' blob: http: https:");
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp.endsWith(frameRule)).toBe(true);
  });

  it('serves hashed assets as immutable, other files revalidated, with their types', async () => {
    const js = await app.inject('/ui/assets/console-AbC123.js');
    expect(js.statusCode).toBe(200);
    expect(js.body).toBe('console.log(1)');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    const css = await app.inject('/ui/assets/style-9f8e.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const svg = await app.inject('/ui/favicon.svg');
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.headers['cache-control']).toBe('no-cache');
    const head = await app.inject({ method: 'HEAD', url: '/ui/assets/console-AbC123.js' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it.each([
    '/ui/../secret.txt',
    '/ui/..%2fsecret.txt',
    '/ui/%2e%2e/secret.txt',
    '/ui/%2e%2e%2fsecret.txt',
    '/ui/assets/..%2F..%2Fsecret.txt',
    '/ui/assets/%2e%2e/%2e%2e/secret.txt',
    '/ui/..%5csecret.txt',
    '/ui/%2Fetc%2Fpasswd',
    '//etc/passwd',
    '/ui//etc/passwd',
    '/ui/assets/console-AbC123.js%00.html',
    '/ui/console.html%00',
    '/ui/%00',
    '/ui/../web-secret.txt',
    '/ui/ASSETS/console-AbC123.js',
    '/ui/assets/',
    '/ui/',
    '/ui/%zz',
  ])('never serves anything outside the listed files for %s', async (path) => {
    const res = await rawGet(port, path);
    expect([400, 404], `${path} → ${res.status}`).toContain(res.status);
    expect(res.body).not.toContain('TOP-SECRET');
    expect(res.body).not.toContain('root:');
  });
});

describe('a folder that was never built', () => {
  it('answers 503 with what to do on every page (warning once), and 302 still for /', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    for (const webDir of [empty, join(root, 'missing')]) {
      const logLines: string[] = [];
      const app = await appFor(webDir, logLines);
      for (const url of ['/console', '/console/live', '/play/1', '/watch', '/ui/assets/x.js']) {
        const res = await app.inject(url);
        expect(res.statusCode, url).toBe(503);
        expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(res.body).toContain('the web console is not built: run `npm run build`');
      }
      expect((await app.inject('/')).statusCode).toBe(302);
      expect(logLines.filter((line) => line.includes('not built'))).toHaveLength(1);
      await app.close();
    }
  });
});

describe('WATCH_PAGE off', () => {
  it('leaves /watch out and serves the other pages', async () => {
    const web = join(root, 'site', 'web');
    const app = Fastify();
    await registerWebPages(app, { webDir: web, watchPage: false });
    expect((await app.inject('/watch')).statusCode).toBe(404);
    expect((await app.inject('/console')).statusCode).toBe(200);
    await app.close();
  });
});

describe('a rebuild while running', () => {
  it('serves the new files without a restart, and the pages once a first build appears', async () => {
    const web = join(root, 'later');
    const app = await appFor(web);
    expect((await app.inject('/console')).statusCode).toBe(503);
    await mkdir(join(web, 'assets'), { recursive: true });
    await writeFile(join(web, 'console.html'), '<title>console</title>');
    await writeFile(join(web, 'assets', 'console-New1.js'), 'new()');
    expect((await app.inject('/console')).statusCode).toBe(200);
    const asset = await app.inject('/ui/assets/console-New1.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('new()');
    await rm(join(web, 'assets', 'console-New1.js'));
    expect((await app.inject('/ui/assets/console-New1.js')).statusCode).toBe(404);
    await app.close();
  });
});
