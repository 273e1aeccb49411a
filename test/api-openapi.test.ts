/**
 * The OpenAPI document and the Swagger UI page, from a real server: every route of the REST API is
 * described with its parameters, responses and the bearer requirement; every `$ref` resolves; the page
 * and its scripts come from the server itself (no CDN).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeIfAble } from './helpers/needs.js';
import { run } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const hasChromium = spawnSync('chromium', ['--version']).status === 0;

interface Operation {
  summary?: string;
  parameters?: Array<{ in: string; name: string; required?: boolean }>;
  requestBody?: unknown;
  security?: unknown;
  responses: Record<string, unknown>;
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

let t: TestServer;
let doc: OpenApiDoc;
beforeAll(async () => {
  t = await startTestServer({ API_TOKENS: 'doc-token' });
  const res = await fetch(t.httpUrl('/api/docs/openapi.json'));
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDoc;
});
afterAll(() => t.close());

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with a bearer security scheme', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['ApiError', 'Recording', 'RecordingSettings', 'LiveStream']),
    );
  });

  it.each<[string, string, string[], string[]]>([
    [
      'get',
      '/api/v1/recordings',
      ['app', 'stream', 'format', 'status', 'broadcastId', 'from', 'to', 'sort', 'limit', 'cursor'],
      ['200', '400'],
    ],
    ['get', '/api/v1/recordings/{id}', ['id'], ['200', '400', '404']],
    ['delete', '/api/v1/recordings/{id}', ['id'], ['204', '400', '409']],
    ['get', '/api/v1/streams', [], ['200']],
    ['get', '/api/v1/streams/{app}/{stream}', ['app', 'stream'], ['200', '404']],
    ['get', '/api/v1/settings/recording', [], ['200']],
    ['put', '/api/v1/settings/recording', [], ['200', '400']],
    ['get', '/metrics', [], ['200']],
  ])('describes %s %s: parameters, responses, bearer auth', (method, path, params, statuses) => {
    const op = doc.paths[path]?.[method];
    expect(op, `${method} ${path}`).toBeDefined();
    expect(op!.summary).toBeTruthy();
    expect(op!.parameters?.map((p) => p.name) ?? []).toEqual(params);
    expect(Object.keys(op!.responses)).toEqual(expect.arrayContaining([...statuses, '401', '403']));
    expect(op!.security).toEqual([{ bearerAuth: [] }]);
  });

  it('describes the settings body and the public health check', () => {
    expect(doc.paths['/api/v1/settings/recording']!.put!.requestBody).toBeDefined();
    const health = doc.paths['/healthz']!.get!;
    expect(Object.keys(health.responses)).toEqual(['200', '503']);
    expect(health.security).toBeUndefined();
  });

  it('leaves playback and the docs themselves out', () => {
    const paths = Object.keys(doc.paths);
    expect(paths.every((p) => p.startsWith('/api/v1/') || p === '/metrics' || p === '/healthz')).toBe(true);
  });

  it('has no dangling $ref', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of refs) {
      const target = ref.slice('"$ref":"'.length, -1);
      expect(target).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[target.split('/').pop()!], target).toBeDefined();
    }
  });
});

describe('Swagger UI page', () => {
  it('is served without a token, with every script and stylesheet from this server', async () => {
    const res = await fetch(t.httpUrl('/api/docs/'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    // Served over plain HTTP on a LAN, a page that upgrades its requests to https would load nothing.
    expect(res.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const url = new URL(asset, t.httpUrl('/api/docs/'));
      const fetched = await fetch(url);
      expect(fetched.status, asset).toBe(200);
      expect((await fetched.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
  });

  describeIfAble(
    'chromium',
    'in a real browser (Chromium)',
    hasChromium ? undefined : 'chromium is not installed',
    () => {
      it('renders every operation', async () => {
        const browser = await run(
          'chromium',
          [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--virtual-time-budget=5000',
            '--dump-dom',
            t.httpUrl('/api/docs'),
          ],
          { timeoutMs: 45_000 },
        );
        expect(browser.code).toBe(0);
        const summaries = [...browser.stdout.matchAll(/opblock-summary-description">([^<]+)</g)].map(
          (m) => m[1],
        );
        expect(summaries).toEqual(
          expect.arrayContaining([
            'List recordings',
            'Get a recording',
            'Delete a recording',
            'Prometheus metrics',
            'Health check',
          ]),
        );
      });
    },
  );
});
