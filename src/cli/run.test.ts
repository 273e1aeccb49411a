import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { KeyRing } from '../auth/key-ring.js';
import { verifyPublishAuth } from '../auth/tx-secret.js';
import { openCatalog } from '../catalog/db.js';
import { type Config, configReference } from '../config/index.js';
import { createLogger, type Logger } from '../log.js';
import type { RunningServer } from '../server.js';
import type { CliContext } from './context.js';
import { formatDuration, parseDuration } from './duration.js';
import { runCli } from './run.js';
import type { ServeDeps } from './serve.js';

const NOW_MS = Date.UTC(2026, 10, 24, 10, 0, 0);
const dir = mkdtempSync(join(tmpdir(), 'livetape-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function fakeServeDeps(overrides: Partial<ServeDeps> = {}) {
  const close = vi.fn(async (_reason?: string) => {});
  // Only what serve uses of a running server.
  const running = { rtmpPort: 41935, httpPort: 48080, close };
  const startServer = vi.fn(
    async (config: Config, _log: Logger) =>
      ({ ...running, pushKeys: config.pushKey }) as unknown as RunningServer,
  );
  const signals = new EventEmitter();
  const exit = vi.fn();
  const logLines: string[] = [];
  const deps: ServeDeps = {
    loadServer: async () => ({ startServer }),
    createLogger: (level) =>
      createLogger(level, { pretty: false, destination: { write: (l) => void logLines.push(l) } }),
    signals,
    exit,
    ...overrides,
  };
  return { deps, close, startServer, signals, exit, logLines };
}

function start(args: string[], env: Record<string, string> = {}, deps = fakeServeDeps().deps) {
  const out = { stdout: '', stderr: '' };
  const context: CliContext = {
    env,
    cwd: dir,
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
    now: () => NOW_MS,
  };
  const done = runCli(args, context, deps);
  return { out, done };
}

async function run(
  args: string[],
  env: Record<string, string> = {},
  deps = fakeServeDeps().deps,
): Promise<Outcome> {
  const { out, done } = start(args, env, deps);
  const code = await done;
  return { code, ...out };
}

function lineValue(output: string, label: string): string {
  const line = output.split('\n').find((l) => l.startsWith(label));
  if (line === undefined) throw new Error(`no "${label}" line in:\n${output}`);
  return line.slice(label.length).trim();
}

describe('livetape push-url', () => {
  it('prints a URL signed with the primary key that verifies, with OBS fields and an ffmpeg line', async () => {
    const result = await run(['push-url', 'cam1', '--record', 'mp4,hls', '--record-type', 'video'], {
      LIVETAPE_PUSH_KEY: 'primary,backup',
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const url = new URL(result.stdout.split('\n')[0]!);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe('rtmp://localhost:1935/live/cam1');
    expect(url.searchParams.get('record')).toBe('mp4|hls');
    expect(url.searchParams.get('record_type')).toBe('video');
    const verify = (keys: string[], nowSeconds: number) =>
      verifyPublishAuth({ keys, streamName: 'cam1', query: url.searchParams, nowSeconds });
    expect(verify(['primary'], NOW_MS / 1000)).toEqual({ ok: true });
    expect(verify(['backup'], NOW_MS / 1000)).toMatchObject({ reason: 'bad_signature' });
    expect(verify(['primary'], NOW_MS / 1000 + 86401)).toMatchObject({ reason: 'expired' });

    const server = lineValue(result.stdout, 'OBS Server:');
    const streamKey = lineValue(result.stdout, 'OBS Stream key:');
    expect(`${server}/${streamKey}`).toBe(url.href.replace('%7C', '|'));
    expect(server).toBe('rtmp://localhost:1935/live');
    expect(lineValue(result.stdout, 'Expires:')).toBe('2026-11-25T10:00:00Z (24h from now)');
    expect(lineValue(result.stdout, 'ffmpeg:')).toBe(
      `ffmpeg -re -i input.mp4 -c:v libx264 -preset veryfast -c:a aac -f flv '${server}/${streamKey}'`,
    );
  });

  it('honours --app, --host, --expires and the configured RTMP port', async () => {
    const result = await run(
      ['push-url', 's', '--app', 'show', '--host', 'live.example.com', '--expires', '90m'],
      {
        LIVETAPE_PUSH_KEY: 'k',
        LIVETAPE_RTMP_PORT: '1936',
      },
    );
    expect(result.stdout).toMatch(
      /^rtmp:\/\/live\.example\.com:1936\/show\/s\?txSecret=[0-9a-f]{32}&txTime=/,
    );
    expect(lineValue(result.stdout, 'Expires:')).toBe('2026-11-24T11:30:00Z (90m from now)');
    const withPort = await run(['push-url', 's', '--host', '[::1]:2000']);
    expect(withPort.stdout.split('\n')[0]).toBe('rtmp://[::1]:2000/live/s');
  });

  it('takes the host from PUBLIC_URL', async () => {
    const result = await run(['push-url', 's'], { LIVETAPE_PUBLIC_URL: 'https://tv.example.org/base' });
    expect(result.stdout.split('\n')[0]).toBe('rtmp://tv.example.org:1935/live/s');
  });

  it('reads the key from a config file or a server flag', async () => {
    const config = join(dir, 'keys.yaml');
    writeFileSync(config, 'push_key: [from-file]\n');
    for (const args of [['--config', config], ['--push-key', 'from-file'], ['--push-key=from-file']]) {
      const result = await run(['push-url', 'x', ...args]);
      const query = new URL(result.stdout.split('\n')[0]!).searchParams;
      expect(
        verifyPublishAuth({ keys: ['from-file'], streamName: 'x', query, nowSeconds: NOW_MS / 1000 }),
      ).toEqual({
        ok: true,
      });
    }
  });

  it('prints an unsigned URL and says so when push auth is off', async () => {
    const result = await run(['push-url', 'open']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('rtmp://localhost:1935/live/open');
    expect(result.stdout).not.toContain('Expires:');
    expect(result.stderr).toBe(
      'note: push authentication is off (no PUSH_KEY, none set in the console), so this URL is unsigned\n',
    );
  });

  it('signs with the push key set in the console, which overrides PUSH_KEY on the server', async () => {
    const dataDir = join(dir, 'console-keys');
    const catalog = await openCatalog({ dataDir });
    const ring = await KeyRing.load(catalog.settings, { push: ['configured'], play: [] });
    await ring.update({ push: ['set-in-console', 'configured'] });
    await catalog.close();
    const result = await run(['push-url', 'x', '--data-dir', dataDir], { LIVETAPE_PUSH_KEY: 'configured' });
    const query = new URL(result.stdout.split('\n')[0]!).searchParams;
    const verify = (key: string) =>
      verifyPublishAuth({ keys: [key], streamName: 'x', query, nowSeconds: NOW_MS / 1000 });
    expect(verify('set-in-console')).toEqual({ ok: true });
    expect(verify('configured')).toMatchObject({ reason: 'bad_signature' });
  });

  it('warns when the server will clamp record_interval', async () => {
    const result = await run(['push-url', 's', '--record', 'flv', '--record-interval', '10800']);
    expect(new URL(result.stdout.split('\n')[0]!).searchParams.get('record_interval')).toBe('10800');
    expect(result.stderr).toContain(
      'note: the server will use record_interval=5400 (its limits are 60–5400)',
    );
  });

  it.each([
    [['push-url'], 'livetape: push-url: missing <stream>; see livetape push-url --help'],
    [['push-url', 'a', 'b'], 'livetape: push-url: unexpected argument "b"'],
    [
      ['push-url', 'a b'],
      'livetape: invalid stream name "a b": use 1–128 characters of A-Z a-z 0-9 _ - . ~, not starting with "."',
    ],
    [
      ['push-url', 's', '--app', 'a/b'],
      'livetape: invalid app name "a/b": use 1–128 characters of A-Z a-z 0-9 _ - . ~, not starting with "."',
    ],
    [
      ['push-url', 's', '--expires', '0'],
      'livetape: --expires=0: expected a positive duration such as 24h, 90m, 3600s or 3600',
    ],
    [
      ['push-url', 's', '--expires', '1w'],
      'livetape: --expires=1w: expected a positive duration such as 24h, 90m, 3600s or 3600',
    ],
    [
      ['push-url', 's', '--record', 'mkv'],
      'livetape: --record=mkv: expected flv, mp4, hls, aac joined by | or ,',
    ],
    [['push-url', 's', '--record', ''], 'livetape: --record=: expected flv, mp4, hls, aac joined by | or ,'],
    [
      ['push-url', 's', '--record-interval', 'x'],
      'livetape: --record-interval=x: expected a positive number of seconds',
    ],
    [['push-url', 's', '--record-type', 'both'], 'livetape: --record-type=both: expected audio or video'],
    [['push-url', 's', '--record-name', ' '], 'livetape: --record-name: expected a non-empty name'],
    [['push-url', 's', '--host', 'a/b'], 'livetape: --host=a/b: expected host, host:port or [IPv6]:port'],
    [['push-url', 's', '--app'], 'livetape: --app: missing value'],
    [['push-url', 's', '--bogus', '1'], 'livetape: unknown option --bogus (command line)'],
    [
      ['push-url', 's', '--push-key'],
      "livetape: --push-key (command line): missing value; expected '' or a comma-separated list of keys without spaces",
    ],
  ])('rejects %j', async (args, message) => {
    expect(await run(args)).toEqual({ code: 2, stdout: '', stderr: `${message}\n` });
  });
});

describe('livetape help and dispatch', () => {
  it('prints the version and help texts', async () => {
    expect((await run(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect((await run(['--help'])).stdout).toContain('livetape push-url <stream>');
    expect((await run(['push-url', '--help'])).stdout).toContain('--record-interval <s>');
    expect((await run(['--help'])).stdout).toContain('livetape reset-admin-password');
    expect((await run(['reset-admin-password', '--help'])).stdout).toContain('--config <file>');
  });

  it('lists every configuration flag in serve --help', async () => {
    const { stdout, code } = await run(['serve', '--help']);
    expect(code).toBe(0);
    for (const entry of configReference()) {
      expect(stdout).toContain(`${entry.flag} <value>`);
      expect(stdout).toContain(entry.env);
    }
  });

  it('rejects an unknown command', async () => {
    expect(await run(['frobnicate'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'livetape: unknown command "frobnicate"; see livetape --help\n',
    });
  });
});

describe('livetape serve', () => {
  it('reports a bad configuration on one line with exit code 2, before starting anything', async () => {
    const fake = fakeServeDeps();
    const result = await run(['--rtmp-port', 'abc'], {}, fake.deps);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'livetape: --rtmp-port=abc (command line): expected an integer 0–65535\n',
    });
    expect(fake.startServer).not.toHaveBeenCalled();
  });

  it('starts with the loaded config, prints the banner, and closes on SIGTERM with exit code 0', async () => {
    const fake = fakeServeDeps();
    const { out, done } = start([], { LIVETAPE_HTTP_PORT: '0' }, fake.deps);
    await vi.waitFor(() => expect(out.stderr).toContain('LiveTape'));
    expect(fake.startServer.mock.calls[0]![0]).toMatchObject({ httpPort: 0 });
    expect(out.stderr).toContain('Push (RTMP)  rtmp://localhost:41935/live/<stream>');
    expect(out.stderr).toContain('Live play    http://localhost:48080/live/{app}/{stream}.flv');
    expect(fake.close).not.toHaveBeenCalled();
    fake.signals.emit('SIGTERM');
    expect(await done).toBe(0);
    expect(fake.close).toHaveBeenCalledWith('signal');
    expect(fake.exit).not.toHaveBeenCalled();
    expect(fake.signals.listenerCount('SIGTERM') + fake.signals.listenerCount('SIGINT')).toBe(0);
  });

  it('exits at once on a second signal while closing', async () => {
    let finishClose = () => {};
    const fake = fakeServeDeps();
    fake.close.mockImplementation(() => new Promise<void>((resolve) => (finishClose = resolve)));
    const { out, done } = start([], {}, fake.deps);
    await vi.waitFor(() => expect(out.stderr).toContain('LiveTape'));
    fake.signals.emit('SIGINT');
    await vi.waitFor(() => expect(fake.close).toHaveBeenCalled());
    fake.signals.emit('SIGINT');
    expect(fake.exit).toHaveBeenCalledWith(130);
    finishClose();
    expect(await done).toBe(0);
  });

  it('logs and exits 1 when the server cannot start', async () => {
    const fake = fakeServeDeps();
    fake.startServer.mockRejectedValueOnce(
      new Error('listen EADDRINUSE: address already in use 0.0.0.0:1935'),
    );
    const result = await run([], {}, fake.deps);
    expect(result.code).toBe(1);
    expect(fake.logLines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: 60, msg: 'could not start' }),
    );
  });

  it('signs the banner example when a push key is set', async () => {
    const fake = fakeServeDeps();
    const { out, done } = start([], { LIVETAPE_PUSH_KEY: 'k' }, fake.deps);
    await vi.waitFor(() => expect(out.stderr).toContain('LiveTape'));
    const example = /e\.g\. (\S+)/.exec(out.stderr)![1]!;
    const query = new URL(example).searchParams;
    expect(verifyPublishAuth({ keys: ['k'], streamName: 'test', query, nowSeconds: NOW_MS / 1000 })).toEqual({
      ok: true,
    });
    expect(out.stderr).toContain('sign others with: livetape push-url <stream>');
    fake.signals.emit('SIGTERM');
    await done;
  });
});

describe('durations', () => {
  it.each([
    ['24h', 86400],
    ['90m', 5400],
    ['3600s', 3600],
    ['3600', 3600],
    ['2d', 172800],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it('formats with the largest even unit', () => {
    expect([86400, 5400, 61].map(formatDuration)).toEqual(['24h', '90m', '61s']);
  });
});
