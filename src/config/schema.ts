/**
 * The configuration schema: one table, one line per key. Everything else (the typed `Config`, env var
 * and flag names, file keys, the CLI help, docs/configuration.md, livetape.example.yaml) derives from it.
 */
import type { LevelWithSilent } from 'pino';
import {
  baseUrlOrEmpty,
  boolean,
  decimal,
  directory,
  type FieldType,
  hostName,
  integer,
  keyList,
  oneOf,
  subsetOf,
} from './fields.js';

export const RECORD_FORMATS = ['flv', 'mp4', 'hls', 'aac'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const satisfies readonly LevelWithSilent[];
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A value as written by a person: defaults are written this way too, so they pass the same validation. */
export type RawValue = string | number | boolean;

export interface FieldSpec<T> {
  readonly type: FieldType<T>;
  readonly default: RawValue;
  readonly description: string;
  /** Shown as *** in error messages so a typo in a key does not print the key. */
  readonly secret: boolean;
}

function field<T>(type: FieldType<T>, defaultValue: RawValue, description: string): FieldSpec<T> {
  return { type, default: defaultValue, description, secret: false };
}

function secret<T>(type: FieldType<T>, defaultValue: RawValue, description: string): FieldSpec<T> {
  return { type, default: defaultValue, description, secret: true };
}

// biome-ignore format: one key per line is the point of this table
export const CONFIG_FIELDS = {
  host: field(hostName(), '0.0.0.0', 'Address the RTMP and HTTP listeners bind to (`0.0.0.0` all IPv4, `::` all interfaces).'),
  rtmpPort: field(integer(0, 65535), 1935, 'RTMP listen port; `0` picks a free port (for tests).'),
  httpPort: field(integer(0, 65535), 8080, 'HTTP listen port (API, playback, live HTTP-FLV/HLS, console); `0` picks a free port.'),
  dataDir: field(directory(), './data', 'Folder for the database and recordings; a relative path is resolved against the working directory.'),
  publicUrl: field(baseUrlOrEmpty(), '', "Base URL clients reach the HTTP server at, used in file URLs and callbacks. `''` derives `http://<host>:<http port>` (`localhost` when HOST is a wildcard)."),
  pushKey: secret(keyList(), '', "Push authentication keys, primary first then backups, comma-separated; `''` turns push authentication off. A push URL then needs `txSecret=md5(key + stream + txTime)&txTime=<hex expiry>` (see `livetape push-url`)."),
  playKey: secret(keyList(), '', "Playback signing keys, same shape as PUSH_KEY; `''` leaves playback open."),
  logLevel: field(oneOf(LOG_LEVELS), 'info', `Log level: ${LOG_LEVELS.join(', ')}.`),
  rtmpMaxMessageSize: field(integer(1024, 64 * 1024 * 1024), 16 * 1024 * 1024, 'Largest RTMP message accepted, in bytes (1 KiB–64 MiB); a bigger one closes the connection.'),
  rtmpHandshakeTimeout: field(decimal(0.1, 600), 10, 'Seconds a connection has to finish the handshake and its publish or play before it is closed.'),
  rtmpIdleTimeout: field(decimal(0.1, 3600), 30, 'Seconds without any received byte before a publisher is dropped.'),
  gopCache: field(boolean(), true, 'Keep the last GOP of each stream so a new player starts at a keyframe without waiting.'),
  playerMaxBuffer: field(decimal(0.1, 300), 8, 'Seconds of media a player may lag before it skips to the next keyframe; it is disconnected at twice that.'),
  record: field(subsetOf(RECORD_FORMATS), '', "Record every stream in these formats (`flv`, `mp4`, `hls`, `aac`, joined by `|` or `,`); `''` records only streams whose push URL asks with `record=`."),
  recordInterval: field(integer(1, 86400), 1800, 'Seconds per FLV/MP4 file when the push URL gives no `record_interval`; a file is cut at the next keyframe.'),
  recordIntervalMin: field(integer(1, 86400), 60, 'Smallest `record_interval` honoured; a smaller one from a push URL is raised to this.'),
  recordIntervalMax: field(integer(1, 86400), 5400, 'Largest `record_interval` honoured; a larger one from a push URL is lowered to this.'),
  hlsSegmentDuration: field(integer(1, 60), 4, 'Target HLS segment length in seconds (segments are cut at keyframes).'),
  hlsLiveWindow: field(integer(2, 100), 6, 'Number of segments in the live sliding HLS playlist.'),
  hlsResumeWindow: field(integer(0, 1800), 0, 'Seconds a dropped push has to come back and continue the same HLS recording; `0` starts a new recording on every reconnect.'),
} as const;

export type ConfigKey = keyof typeof CONFIG_FIELDS;
type ValueOf<S> = S extends FieldSpec<infer T> ? T : never;
export type Config = { readonly [K in ConfigKey]: ValueOf<(typeof CONFIG_FIELDS)[K]> };

/** Pairs `[a, b]` that must satisfy `a ≤ b` once all sources are merged. */
export const ORDERED_KEYS: ReadonlyArray<readonly [ConfigKey, ConfigKey]> = [
  ['recordIntervalMin', 'recordInterval'],
  ['recordInterval', 'recordIntervalMax'],
];

export const CONFIG_KEYS = Object.keys(CONFIG_FIELDS) as ConfigKey[];

/** `rtmpPort` → `RTMP_PORT`, the name the docs use. */
export function keyName(key: ConfigKey): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
}

export const ENV_PREFIX = 'LIVETAPE_';

export function envName(key: ConfigKey): string {
  return ENV_PREFIX + keyName(key);
}

/** Flag name without the leading dashes: `rtmp-port`. */
export function flagName(key: ConfigKey): string {
  return keyName(key).toLowerCase().replaceAll('_', '-');
}

export function fileKey(key: ConfigKey): string {
  return keyName(key).toLowerCase();
}

export interface ConfigReferenceEntry {
  /** `RTMP_PORT` */
  readonly key: string;
  /** `LIVETAPE_RTMP_PORT` */
  readonly env: string;
  /** `--rtmp-port` */
  readonly flag: string;
  /** `rtmp_port` */
  readonly fileKey: string;
  /** `rtmpPort`, the property of `Config` */
  readonly property: ConfigKey;
  /** As it would be written in a file or the environment. */
  readonly default: string;
  readonly description: string;
  /** The accepted values, e.g. `an integer 0–65535`. */
  readonly accepts: string;
}

export function configReference(): ConfigReferenceEntry[] {
  return CONFIG_KEYS.map((key) => {
    const spec: FieldSpec<unknown> = CONFIG_FIELDS[key];
    return {
      key: keyName(key),
      env: envName(key),
      flag: `--${flagName(key)}`,
      fileKey: fileKey(key),
      property: key,
      default: String(spec.default),
      description: spec.description,
      accepts: spec.type.expected.replace(/^expected /, ''),
    };
  });
}
