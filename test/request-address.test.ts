/**
 * Without PUBLIC_URL, the URLs in an answer use the address the client reached the server at (its Host
 * header), so a console opened from another machine gets players and push URLs it can use; with
 * PUBLIC_URL they always use that. A Host that is not a plain host[:port] falls back to the derived base.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../src/catalog/db.js';
import { requestAddress } from '../src/http/request-address.js';
import { addRecording } from './helpers/catalog-rows.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const TOKEN = 'request-address-token';

interface Answer {
  recordings: Array<{ url: string; playerUrl: string }>;
  server: string;
}

/** node:http rather than fetch: fetch does not let a caller choose the Host header. */
function call(
  t: TestServer,
  path: string,
  host: string,
  body?: unknown,
): Promise<{ status: number; json: Answer }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      t.httpUrl(path),
      {
        method: payload === undefined ? 'GET' : 'POST',
        headers: {
          host,
          // A loopback client naming another host is not trusted by itself (issue 11): use a token.
          authorization: `Bearer ${TOKEN}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('requestAddress', () => {
  it.each([
    ['tv.example:8080', 'http://tv.example:8080', 'tv.example'],
    ['192.168.1.20:8080', 'http://192.168.1.20:8080', '192.168.1.20'],
    ['[::1]:8080', 'http://[::1]:8080', '[::1]'],
    ['TV.Example', 'http://tv.example', 'tv.example'],
  ])('takes %s', (host, origin, hostname) => {
    expect(requestAddress('http', host)).toEqual({ origin, hostname });
  });

  it.each([undefined, '', 'a/b', 'user@host', 'host:port', 'host:8080/x', 'a b', 'host?x', 'ho\u0000st'])(
    'refuses %j',
    (host) => {
      expect(requestAddress('http', host)).toBeUndefined();
    },
  );
});

describe.each([
  ['without PUBLIC_URL', {}, 'http://tv.example:8080', 'tv.example'],
  [
    'with PUBLIC_URL',
    { PUBLIC_URL: 'https://media.example.org' },
    'https://media.example.org',
    'media.example.org',
  ],
] as const)('URLs in answers %s', (_what, settings, base, rtmpHost) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ ...settings, API_TOKENS: TOKEN });
    const catalog = await openCatalog({ dataDir: t.dataDir });
    await addRecording(catalog, { stream: 'addr', startTime: Date.now() - 60_000 });
    await catalog.close();
  });
  afterAll(() => t.close());

  it('builds recording, player and push URLs on the address the client used', async () => {
    const listed = await call(t, '/api/v1/recordings?stream=addr', 'tv.example:8080');
    expect(listed.status).toBe(200);
    const recording = listed.json.recordings[0]!;
    expect(recording.url).toMatch(new RegExp(`^${base}/vod/`));
    expect(recording.playerUrl).toMatch(new RegExp(`^${base}/play/`));
    const pushUrl = await call(t, '/api/v1/push-urls', 'tv.example:8080', { stream: 'cam' });
    expect(pushUrl.status).toBe(200);
    expect(pushUrl.json.server).toBe(`rtmp://${rtmpHost}:${t.server.rtmpPort}/live`);
  });

  it('falls back to the configured or derived base for a Host that is not a plain address', async () => {
    const listed = await call(t, '/api/v1/recordings?stream=addr', 'evil.example@x');
    const fallback = 'PUBLIC_URL' in settings ? base : `http://127.0.0.1:${t.server.httpPort}`;
    expect(listed.json.recordings[0]!.url.startsWith(`${fallback}/vod/`)).toBe(true);
  });
});
