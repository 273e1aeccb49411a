/**
 * The browser pages (console, player, watch) built by Vite into dist/web, served by LiveTape itself.
 * Only files found by listing that folder are ever read, so no spelling of a path (`..`, encoded slashes,
 * NUL) can reach anything else. The pages get no server-side data: they fetch the JSON APIs.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sendError } from './errors.js';

/** dist/web of this checkout: two levels up from both src/http/ (tsx) and dist/http/ (built). */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../dist/web', import.meta.url));

export interface WebPagesOptions {
  /** Where the built pages are; DEFAULT_WEB_DIR unless a test points elsewhere. */
  readonly webDir?: string;
  /**
   * A request for a name not listed re-lists the folder, at most this often, so that a rebuild (new
   * hashed names) needs no restart. 1 s by default.
   */
  readonly relistIntervalMs?: number;
  /** WATCH_PAGE: `false` leaves /watch out (404), like the API it reads. */
  readonly watchPage?: boolean;
}

const NOT_BUILT = 'the web console is not built: run `npm run build`\n';

const POLICY = [
  "default-src 'self'",
  // No plugins, no <base> that re-points relative URLs, no form posting elsewhere.
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "img-src 'self' data: http: https:",
  "media-src 'self' blob: http: https:",
  "connect-src 'self' http: https:",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
].join('; ');
/** The console acts on the operator's behalf: no other site may frame it (clickjacking). */
const CONSOLE_CSP = `${POLICY}; frame-ancestors 'none'`;
/** The player and the watch page are made to be embedded anywhere. */
const EMBEDDABLE_CSP = `${POLICY}; frame-ancestors *`;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Vite puts content-hashed files under assets/: a new build gives them new names. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const HIDDEN = { schema: { hide: true } };

export async function registerWebPages(app: FastifyInstance, options: WebPagesOptions = {}): Promise<void> {
  const webDir = options.webDir ?? DEFAULT_WEB_DIR;
  const relistIntervalMs = options.relistIntervalMs ?? 1000;
  let files = await listFiles(webDir);
  let listedAt = Date.now();
  if (!files.has('console.html')) {
    app.log.warn({ webDir }, 'the web console is not built (run `npm run build`): its pages answer 503');
  }
  const filesFor = async (name: string) => {
    if (!files.has(name) && Date.now() - listedAt >= relistIntervalMs) {
      listedAt = Date.now();
      files = await listFiles(webDir);
    }
    return files;
  };

  const send = async (reply: FastifyReply, name: string, csp = CONSOLE_CSP) => {
    const listed = await filesFor(name);
    if (!listed.has(name)) {
      return listed.size === 0
        ? reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT)
        : sendError(reply, 'not_found', 'no such file');
    }
    let body: Buffer;
    try {
      body = await readFile(join(webDir, name));
    } catch (error) {
      // Removed by a rebuild since the folder was listed.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return sendError(reply, 'not_found', 'no such file');
    }
    const type = CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
    reply.header('content-type', type).header('x-content-type-options', 'nosniff');
    if (type.startsWith('text/html')) {
      reply
        .header('cache-control', 'no-cache')
        .header('referrer-policy', 'same-origin')
        .header('content-security-policy', csp);
    } else {
      reply.header('cache-control', name.startsWith('assets/') ? IMMUTABLE : 'no-cache');
    }
    return reply.send(body);
  };
  const page = (name: string, csp: string) => async (_request: unknown, reply: FastifyReply) =>
    send(reply, name, csp);

  app.get('/', HIDDEN, async (_request, reply) => reply.redirect('/console', 302));
  // Client-side routing: every path under /console is the same page.
  app.get('/console', HIDDEN, page('console.html', CONSOLE_CSP));
  app.get('/console/*', HIDDEN, page('console.html', CONSOLE_CSP));
  app.get('/play/:id', HIDDEN, page('play.html', EMBEDDABLE_CSP));
  if (options.watchPage ?? true) app.get('/watch', HIDDEN, page('watch.html', EMBEDDABLE_CSP));
  app.get<{ Params: { '*': string } }>('/ui/*', HIDDEN, async (request, reply) =>
    send(reply, request.params['*']),
  );
}

/** Relative `/`-separated paths of the regular files under `dir` (none when it does not exist). */
async function listFiles(dir: string): Promise<ReadonlySet<string>> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw error;
  }
  return new Set(
    entries
      .filter((entry) => entry.isFile())
      .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/')),
  );
}
