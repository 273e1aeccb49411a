import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { type LoadConfigOptions, loadConfig } from './load.js';
import { CONFIG_KEYS, type Config, envName, fileKey, flagName } from './schema.js';

const dir = mkdtempSync(join(tmpdir(), 'livetape-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function load(options: Partial<LoadConfigOptions> = {}): Config {
  return loadConfig({ argv: [], env: {}, cwd: dir, ...options });
}

function errorOf(options: Partial<LoadConfigOptions>): string {
  try {
    load(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  it('gives every documented default', () => {
    expect(load()).toEqual({
      host: '0.0.0.0',
      rtmpPort: 1935,
      httpPort: 8080,
      dataDir: join(dir, 'data'),
      publicUrl: '',
      pushKey: [],
      playKey: [],
      logLevel: 'info',
      rtmpMaxMessageSize: 16777216,
      rtmpHandshakeTimeout: 10,
      rtmpIdleTimeout: 30,
      rtmpReadPacing: 50,
      gopCache: true,
      playerMaxBuffer: 8,
      record: [],
      recordInterval: 1800,
      recordIntervalMin: 60,
      recordIntervalMax: 5400,
      recordBacklogHigh: 16,
      recordBacklogLow: 4,
      recordBacklogTotal: 256,
      recordSyncInterval: 10,
      recordWriteTimeout: 30,
      recordDirectWrites: true,
      hlsSegmentDuration: 4,
      hlsLiveWindow: 6,
      liveDvrWindow: 7200,
      hlsResumeWindow: 0,
      databaseUrl: '',
      appid: '',
      apiKey: [],
      tencentApiSecrets: new Map(),
      pushDomain: '',
      apiTokens: [],
      adminPassword: '',
      corsOrigins: ['*'],
      callbackUrl: '',
      callbackUrlPush: '',
      callbackUrlUnpush: '',
      callbackUrlRecord: '',
      callbackUrlSnapshot: '',
      callbackUrlRecordStatus: '',
      callbackKey: [],
      callbackStrict: false,
      callbackTimeout: 20,
      callbackRetryInterval: 60,
      callbackRetryCount: 12,
      callbackBackoff: 'fixed',
      callbackConcurrency: 16,
      nodeName: '',
      retentionDays: 0,
      retentionMaxGb: 0,
      snapshotInterval: 0,
      snapshotWidth: 0,
      snapshotHeight: 0,
      watchPage: true,
      signatureMaxTtl: 31536000,
      rtmpMaxConnections: 1000,
      httpMaxConnections: 10000,
      rtmpMaxConnectionsPerAddress: 100,
      storage: 'local',
      s3Endpoint: '',
      s3Bucket: '',
      s3Region: 'us-east-1',
      s3AccessKeyId: '',
      s3SecretAccessKey: '',
      s3ForcePathStyle: false,
      s3Prefix: '',
      s3PublicUrl: '',
      s3KeepLocal: false,
      s3UploadConcurrency: 8,
      nodeUrl: '',
      vodProxy: false,
    });
  });

  it('returns a frozen object', () => {
    const config = load();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.pushKey)).toBe(true);
  });
});

describe('loadConfig precedence: command line > environment > file > default', () => {
  const yaml = file('precedence.yaml', 'rtmp_port: 1001\nhttp_port: 1002\nhls_live_window: 9\n');

  it('lets each source override the ones below it, key by key', () => {
    const config = load({
      argv: ['--config', yaml, '--rtmp-port', '3001'],
      env: { LIVETAPE_RTMP_PORT: '2001', LIVETAPE_HTTP_PORT: '2002' },
    });
    expect(config.rtmpPort).toBe(3001);
    expect(config.httpPort).toBe(2002);
    expect(config.hlsLiveWindow).toBe(9);
    expect(config.hlsSegmentDuration).toBe(4);
  });

  it('takes the file from LIVETAPE_CONFIG, and --config over it', () => {
    const other = file('other.json', '{"rtmp_port": 1111}');
    expect(load({ env: { LIVETAPE_CONFIG: yaml } }).rtmpPort).toBe(1001);
    expect(load({ env: { LIVETAPE_CONFIG: yaml }, argv: [`--config=${other}`] }).rtmpPort).toBe(1111);
    expect(load({ env: { LIVETAPE_CONFIG: yaml }, argv: ['--config='] }).rtmpPort).toBe(1935);
  });

  it('resolves the file and DATA_DIR against cwd', () => {
    file('relative.yml', 'data_dir: media\n');
    expect(load({ argv: ['--config', 'relative.yml'] }).dataDir).toBe(join(dir, 'media'));
    expect(load({ env: { LIVETAPE_DATA_DIR: '/srv/livetape' } }).dataDir).toBe('/srv/livetape');
  });

  it('accepts --flag=value and --flag value', () => {
    expect(load({ argv: ['--http-port=81', '--log-level', 'DEBUG'] })).toMatchObject({
      httpPort: 81,
      logLevel: 'debug',
    });
  });

  it('maps every key to its env var, flag and file key', () => {
    for (const key of CONFIG_KEYS) {
      expect(envName(key)).toMatch(/^LIVETAPE_[A-Z0-9_]+$/);
      expect(flagName(key)).toBe(fileKey(key).replaceAll('_', '-'));
    }
    expect([
      envName('rtmpMaxMessageSize'),
      flagName('rtmpMaxMessageSize'),
      fileKey('rtmpMaxMessageSize'),
    ]).toEqual(['LIVETAPE_RTMP_MAX_MESSAGE_SIZE', 'rtmp-max-message-size', 'rtmp_max_message_size']);
  });
});

describe('loadConfig value forms', () => {
  it.each([
    ['true', true],
    ['FALSE', false],
    ['1', true],
    ['0', false],
    ['yes', true],
    ['No', false],
    [' on ', true],
    ['off', false],
  ])('reads boolean %j as %j', (raw, expected) => {
    expect(load({ env: { LIVETAPE_GOP_CACHE: raw } }).gopCache).toBe(expected);
  });

  it('reads key lists, primary first', () => {
    expect(load({ env: { LIVETAPE_PUSH_KEY: 'primary, backup' } }).pushKey).toEqual(['primary', 'backup']);
    expect(load({ env: { LIVETAPE_PUSH_KEY: '' } }).pushKey).toEqual([]);
  });

  it('reads record formats separated by | or , and drops repeats', () => {
    expect(load({ env: { LIVETAPE_RECORD: 'mp4|HLS,mp4' } }).record).toEqual(['mp4', 'hls']);
  });

  it('accepts fractional seconds for timeouts', () => {
    expect(load({ argv: ['--rtmp-idle-timeout', '0.5'] }).rtmpIdleTimeout).toBe(0.5);
  });

  it('reads a YAML file with typed scalars, strings and lists', () => {
    const path = file(
      'full.yaml',
      [
        '# comment',
        'host: 127.0.0.1',
        'rtmp_port: "1936"',
        'gop_cache: off',
        'push_key: [primary, backup]',
        'record: mp4|hls',
        'public_url: https://live.example.com/tape',
        'play_key:   # empty: left at its default',
        'player_max_buffer: 2.5',
      ].join('\n'),
    );
    expect(load({ argv: ['--config', path] })).toMatchObject({
      host: '127.0.0.1',
      rtmpPort: 1936,
      gopCache: false,
      pushKey: ['primary', 'backup'],
      playKey: [],
      record: ['mp4', 'hls'],
      publicUrl: 'https://live.example.com/tape',
      playerMaxBuffer: 2.5,
    });
  });

  it('reads a JSON file', () => {
    const path = file('full.json', '{"rtmp_port": 0, "gop_cache": false, "record": ["flv", "aac"]}');
    expect(load({ argv: ['--config', path] })).toMatchObject({
      rtmpPort: 0,
      gopCache: false,
      record: ['flv', 'aac'],
    });
  });

  it('reads an empty or comment-only file as no settings', () => {
    expect(load({ argv: ['--config', file('empty.yaml', '# nothing yet\n')] })).toEqual(load());
  });
});

const badFile = (name: string, text: string) => ({ argv: ['--config', file(name, text)] });

describe('loadConfig errors', () => {
  it.each<[string, Partial<LoadConfigOptions>, string]>([
    [
      'env integer',
      { env: { LIVETAPE_RTMP_PORT: 'abc' } },
      'LIVETAPE_RTMP_PORT=abc (environment): expected an integer 0–65535',
    ],
    [
      'flag integer',
      { argv: ['--http-port', '70000'] },
      '--http-port=70000 (command line): expected an integer 0–65535',
    ],
    ['negative', { argv: ['--rtmp-port=-1'] }, '--rtmp-port=-1 (command line): expected an integer 0–65535'],
    [
      'fraction',
      { env: { LIVETAPE_HLS_LIVE_WINDOW: '2.5' } },
      'LIVETAPE_HLS_LIVE_WINDOW=2.5 (environment): expected an integer 2–100',
    ],
    [
      'empty integer',
      { env: { LIVETAPE_HTTP_PORT: '' } },
      'LIVETAPE_HTTP_PORT= (environment): expected an integer 0–65535',
    ],
    [
      'message size',
      { env: { LIVETAPE_RTMP_MAX_MESSAGE_SIZE: '1000' } },
      'LIVETAPE_RTMP_MAX_MESSAGE_SIZE=1000 (environment): expected an integer 1024–67108864',
    ],
    [
      'snapshot interval below the reference minimum',
      { env: { LIVETAPE_SNAPSHOT_INTERVAL: '1' } },
      'LIVETAPE_SNAPSHOT_INTERVAL=1 (environment): expected 0 (off) or an integer 2–300',
    ],
    [
      'segment duration',
      { env: { LIVETAPE_HLS_SEGMENT_DURATION: '61' } },
      'LIVETAPE_HLS_SEGMENT_DURATION=61 (environment): expected an integer 1–60',
    ],
    [
      'resume window',
      { env: { LIVETAPE_HLS_RESUME_WINDOW: '1801' } },
      'LIVETAPE_HLS_RESUME_WINDOW=1801 (environment): expected an integer 0–1800',
    ],
    [
      'timeout',
      { env: { LIVETAPE_RTMP_HANDSHAKE_TIMEOUT: '0' } },
      'LIVETAPE_RTMP_HANDSHAKE_TIMEOUT=0 (environment): expected a number 0.1–600',
    ],
    [
      'boolean',
      { env: { LIVETAPE_GOP_CACHE: 'maybe' } },
      'LIVETAPE_GOP_CACHE=maybe (environment): expected a boolean (true/false, 1/0, yes/no, on/off)',
    ],
    [
      'log level',
      { argv: ['--log-level', 'verbose'] },
      '--log-level=verbose (command line): expected one of fatal, error, warn, info, debug, trace, silent',
    ],
    [
      'record format',
      { env: { LIVETAPE_RECORD: 'mp4|mkv' } },
      "LIVETAPE_RECORD=mp4|mkv (environment): expected '' or a list of flv, mp4, hls, aac separated by | or ,",
    ],
    [
      'public url slash',
      { env: { LIVETAPE_PUBLIC_URL: 'https://x.example/' } },
      "LIVETAPE_PUBLIC_URL=https://x.example/ (environment): expected '' or an absolute http(s) URL without a trailing slash, query or credentials",
    ],
    [
      'public url scheme',
      { env: { LIVETAPE_PUBLIC_URL: 'rtmp://x' } },
      "LIVETAPE_PUBLIC_URL=rtmp://x (environment): expected '' or an absolute http(s) URL without a trailing slash, query or credentials",
    ],
    [
      'public url relative',
      { env: { LIVETAPE_PUBLIC_URL: 'example.com' } },
      "LIVETAPE_PUBLIC_URL=example.com (environment): expected '' or an absolute http(s) URL without a trailing slash, query or credentials",
    ],
    [
      'host',
      { env: { LIVETAPE_HOST: 'a b' } },
      'LIVETAPE_HOST=a b (environment): expected a host name or IP address',
    ],
    [
      'data dir',
      { env: { LIVETAPE_DATA_DIR: ' ' } },
      'LIVETAPE_DATA_DIR=  (environment): expected a directory path',
    ],
    [
      'key hidden',
      { env: { LIVETAPE_PUSH_KEY: 'good,,bad' } },
      "LIVETAPE_PUSH_KEY=*** (environment): expected '' or a comma-separated list of keys without spaces",
    ],
    [
      'control chars',
      { env: { LIVETAPE_HOST: 'a\nb' } },
      'LIVETAPE_HOST="a\\nb" (environment): expected a host name or IP address',
    ],
    [
      'interval below min',
      { env: { LIVETAPE_RECORD_INTERVAL: '30' } },
      'LIVETAPE_RECORD_INTERVAL=30 (environment): must be at least RECORD_INTERVAL_MIN=60 (default)',
    ],
    [
      'interval above max',
      { argv: ['--record-interval', '6000'] },
      '--record-interval=6000 (command line): must be at most RECORD_INTERVAL_MAX=5400 (default)',
    ],
    [
      'max below interval',
      { env: { LIVETAPE_RECORD_INTERVAL_MAX: '600' } },
      'LIVETAPE_RECORD_INTERVAL_MAX=600 (environment): must be at least RECORD_INTERVAL=1800 (default)',
    ],
    [
      'min above interval',
      { env: { LIVETAPE_RECORD_INTERVAL: '100' }, argv: ['--record-interval-min', '200'] },
      '--record-interval-min=200 (command line): must be at most LIVETAPE_RECORD_INTERVAL=100 (environment)',
    ],
    ['unknown flag', { argv: ['--rtmp-prot', '1'] }, 'unknown option --rtmp-prot (command line)'],
    [
      'unknown flag guessed',
      { argv: ['--rtmpPort', '1'] },
      'unknown option --rtmpPort (command line); did you mean --rtmp-port?',
    ],
    ['short flag', { argv: ['-p', '1'] }, 'unknown option -p (command line)'],
    [
      'missing value',
      { argv: ['--rtmp-port'] },
      '--rtmp-port (command line): missing value; expected an integer 0–65535',
    ],
    [
      'value is a flag',
      { argv: ['--rtmp-port', '--http-port', '1'] },
      '--rtmp-port (command line): missing value; expected an integer 0–65535',
    ],
    [
      'missing config path',
      { argv: ['--config'] },
      '--config (command line): missing value; expected a file path',
    ],
    ['positional', { argv: ['serve'] }, 'unexpected argument "serve" (command line)'],
    [
      'config extension',
      { env: { LIVETAPE_CONFIG: 'livetape.toml' } },
      'LIVETAPE_CONFIG=livetape.toml (environment): expected a .yaml, .yml or .json file',
    ],
  ])('%s', (_name, options, message) => {
    expect(errorOf(options)).toBe(message);
  });

  it('names an unreadable file with its absolute path', () => {
    expect(errorOf({ argv: ['--config', 'missing.yaml'] })).toBe(
      `--config=missing.yaml (command line): cannot read ${join(dir, 'missing.yaml')} (ENOENT)`,
    );
  });

  it.each<[string, string, string]>([
    ['value.yaml', 'rtmp_port: abc\n', 'rtmp_port=abc (file {path}): expected an integer 0–65535'],
    ['object.yaml', 'rtmp_port: {a: 1}\n', 'rtmp_port={"a":1} (file {path}): expected an integer 0–65535'],
    ['float.json', '{"http_port": 80.5}', 'http_port=80.5 (file {path}): expected an integer 0–65535'],
    [
      'bool.yaml',
      'gop_cache: 2\n',
      'gop_cache=2 (file {path}): expected a boolean (true/false, 1/0, yes/no, on/off)',
    ],
    [
      'list.yaml',
      'record: [mp4, 3]\n',
      `record=["mp4",3] (file {path}): expected '' or a list of flv, mp4, hls, aac separated by | or ,`,
    ],
    ['unknown.yaml', 'rtmp_prot: 1\n', 'unknown key "rtmp_prot" (file {path})'],
    ['camel.yaml', 'rtmpPort: 1\n', 'unknown key "rtmpPort" (file {path}); did you mean "rtmp_port"?'],
    [
      'env-style.yaml',
      'LIVETAPE_HTTP_PORT: 1\n',
      'unknown key "LIVETAPE_HTTP_PORT" (file {path}); did you mean "http_port"?',
    ],
    ['config-key.yaml', 'config: other.yaml\n', 'unknown key "config" (file {path})'],
    ['top-list.yaml', '- a\n- b\n', 'file {path}: expected a mapping of keys to values at the top level'],
    ['top-scalar.json', '42', 'file {path}: expected a mapping of keys to values at the top level'],
    [
      'syntax.yaml',
      'a: [1\n',
      'file {path}: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1:',
    ],
    [
      'duplicate.yaml',
      'rtmp_port: 1\nrtmp_port: 2\n',
      'file {path}: invalid YAML: Map keys must be unique at line 2, column 1:',
    ],
    ['tag.yaml', '!secret x: 1\n', 'file {path}: invalid YAML: Unresolved tag: !secret at line 1, column 1:'],
    [
      'binary.yaml',
      'host: !!binary aGk=\n',
      'host={"type":"Buffer","data":[104,105]} (file {path}): expected a host name or IP address',
    ],
    [
      'syntax.json',
      '{"rtmp_port": }',
      `file {path}: invalid JSON: Unexpected token '}', "{"rtmp_port": }" is not valid JSON`,
    ],
  ])('file %s', (name, text, message) => {
    const options = badFile(name, text);
    expect(errorOf(options)).toBe(message.replace('{path}', join(dir, name)));
  });

  it('validates a value even when a higher source overrides it', () => {
    expect(errorOf({ env: { LIVETAPE_RTMP_PORT: 'abc' }, argv: ['--rtmp-port', '1'] })).toBe(
      'LIVETAPE_RTMP_PORT=abc (environment): expected an integer 0–65535',
    );
  });

  it('ignores environment variables it does not know', () => {
    expect(load({ env: { LIVETAPE_SOMETHING_ELSE: 'x', PATH: '/bin' } })).toEqual(load());
  });
});

describe('loadConfig on arbitrary input', () => {
  function loadsOrConfigError(run: () => unknown): void {
    try {
      run();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
    }
  }

  it('throws only ConfigError for any environment values', () => {
    const envEntry = fc.tuple(fc.constantFrom(...CONFIG_KEYS.map(envName)), fc.string({ maxLength: 30 }));
    fc.assert(
      fc.property(fc.array(envEntry, { maxLength: 6 }), (entries) => {
        loadsOrConfigError(() => load({ env: Object.fromEntries(entries) }));
      }),
    );
  });

  it('throws only ConfigError for any command line', () => {
    const arg = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(...CONFIG_KEYS.map((key) => `--${flagName(key)}`), '--', '-', '--='),
    );
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 8 }), (argv) => {
        loadsOrConfigError(() => load({ argv }));
      }),
    );
  });

  it('throws only ConfigError for any config file bytes', () => {
    const yamlish = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc
        .array(fc.tuple(fc.constantFrom(...CONFIG_KEYS.map(fileKey)), fc.jsonValue({ maxDepth: 2 })), {
          maxLength: 5,
        })
        .map((pairs) => pairs.map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join('\n')),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    );
    const path = join(dir, 'fuzz.yaml');
    const jsonPath = join(dir, 'fuzz.json');
    fc.assert(
      fc.property(yamlish, (text) => {
        writeFileSync(path, text);
        writeFileSync(jsonPath, text);
        loadsOrConfigError(() => load({ argv: ['--config', path] }));
        loadsOrConfigError(() => load({ argv: ['--config', jsonPath] }));
      }),
      { numRuns: 150 },
    );
  });

  it('survives YAML alias bombs', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 0; level < 9; level++) {
      const prev = String.fromCharCode(97 + level);
      const next = String.fromCharCode(98 + level);
      bomb.push(
        `${next}: &${next} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`,
      );
    }
    expect(errorOf(badFile('bomb.yaml', bomb.join('\n')))).toBe(
      `file ${join(dir, 'bomb.yaml')}: invalid YAML: Excessive alias count indicates a resource exhaustion attack`,
    );
  });
});
