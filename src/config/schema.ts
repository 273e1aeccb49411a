/**
 * The configuration schema: one table, one line per key. Everything else (the typed `Config`, env var
 * and flag names, file keys, the CLI help, docs/configuration.md, livetape.example.yaml) derives from it.
 */
import type { LevelWithSilent } from 'pino';
import {
  baseUrlOrEmpty,
  boolean,
  databaseUrlOrEmpty,
  decimal,
  directory,
  type FieldType,
  hostName,
  httpUrlOrEmpty,
  idKeyPairs,
  integer,
  keyList,
  offOrInteger,
  oneOf,
  plainText,
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
  publicUrl: field(baseUrlOrEmpty(), '', "Base URL clients reach the HTTP server at, used in every URL LiveTape hands out (files, players, push URLs, callbacks). `''`: an answer to a request uses the address the client used (its Host header); callbacks and printed URLs use `http://<host>:<http port>` (`localhost` when HOST is a wildcard)."),
  pushKey: secret(keyList(), '', "Push authentication keys, primary first then backups, comma-separated; `''` turns push authentication off. A push URL then needs `txSecret=md5(key + stream + txTime)&txTime=<hex expiry>` (see `livetape push-url`)."),
  playKey: secret(keyList(), '', "Playback signing keys, same shape as PUSH_KEY; `''` leaves playback open."),
  logLevel: field(oneOf(LOG_LEVELS), 'info', `Log level: ${LOG_LEVELS.join(', ')}.`),
  rtmpMaxMessageSize: field(integer(1024, 64 * 1024 * 1024), 16 * 1024 * 1024, 'Largest RTMP message accepted, in bytes (1 KiB–64 MiB); a bigger one closes the connection.'),
  rtmpHandshakeTimeout: field(decimal(0.1, 600), 10, 'Seconds a connection has to finish the handshake and its publish or play before it is closed.'),
  rtmpIdleTimeout: field(decimal(0.1, 3600), 30, 'Seconds a publisher may go without completing an RTMP message (silent, or dribbling bytes) before it is dropped.'),
  rtmpReadPacing: field(integer(0, 1000), 50, 'Milliseconds a real-time publisher\'s connection rests between reads, so the frames its encoder writes meanwhile arrive in one read (fewer wake-ups: about a fifth less ingest CPU than reading every frame at 8 pushes); adds up to this much ingest latency. A publisher with a backlog is read without rest. `0`: read every write as it arrives.'),
  gopCache: field(boolean(), true, 'Keep the last GOP of each stream so a new player starts at a keyframe without waiting.'),
  playerMaxBuffer: field(decimal(0.1, 300), 8, 'Seconds of media a player may lag before it skips to the next keyframe; it is disconnected at twice that.'),
  record: field(subsetOf(RECORD_FORMATS), '', "Record every stream in these formats (`flv`, `mp4`, `hls`, `aac`, joined by `|` or `,`); `''` records only streams whose push URL asks with `record=`."),
  recordInterval: field(integer(1, 86400), 1800, 'Seconds per FLV/MP4 file when the push URL gives no `record_interval`; a file is cut at the next keyframe.'),
  recordIntervalMin: field(integer(1, 86400), 60, 'Smallest `record_interval` honoured; a smaller one from a push URL is raised to this.'),
  recordIntervalMax: field(integer(1, 86400), 5400, 'Largest `record_interval` honoured; a larger one from a push URL is lowered to this.'),
  recordBacklogHigh: field(integer(1, 65536), 16, "MiB of one push's recorded data (all its formats) that may wait for storage before the publisher's connection is paused; TCP then slows the encoder and nothing is dropped."),
  recordBacklogLow: field(integer(0, 65536), 4, 'MiB a paused push waits down to before its publisher is read again.'),
  recordBacklogTotal: field(integer(1, 1048576), 256, 'MiB of recorded data that may wait for storage over all pushes; past it every recording publisher is paused until the total is back under half. Bounds memory under a burst of fast pushes.'),
  recordSyncInterval: field(decimal(0, 3600), 10, 'Seconds between forcing an open recording file\'s data to the disk (`fdatasync`), so a power loss or kernel crash costs at most about this much of each recording (a killed or crashed LiveTape loses nothing: written data is in the kernel). Every file is also synced when it closes. `0`: only at close.'),
  recordWriteTimeout: field(decimal(1, 3600), 30, 'Seconds a storage write (or create, sync) may make no progress before the recording is stopped as failed (its file is repaired and cataloged); a slow disk only pauses the publisher.'),
  recordDirectWrites: field(boolean(), true, 'Write recordings and the live DVR to the local disk from the main thread (a copy into the page cache, as nginx-rtmp does), which costs about half the CPU of a thread-pool write; a write slower than 20 ms sends the writes through the pool for a minute (RECORD_WRITE_TIMEOUT then watches them). Turn off for a network file system.'),
  hlsSegmentDuration: field(integer(1, 60), 4, 'Target HLS segment length in seconds (segments are cut at keyframes).'),
  hlsLiveWindow: field(integer(2, 100), 6, 'Number of segments in the live sliding HLS playlist.'),
  liveDvrWindow: field(integer(0, 86400), 7200, 'Seconds a live HLS playlist reaches back (or to the start of the push), so players can seek back in a live stream and return to the live edge; time-shift queries (`txTimeshift`) read the same window. Segments are written to disk under `DATA_DIR/live-dvr` while they are built, 128 KiB at a time, and read back through the page cache: a push holds at most 256 KiB of them in memory. `0`: the short sliding window only, packaged on the first request.'),
  hlsResumeWindow: field(integer(0, 1800), 0, 'Seconds a dropped push has to come back and continue the same HLS recording; `0` starts a new recording on every reconnect.'),
  databaseUrl: secret(databaseUrlOrEmpty(), '', "Catalog database: `''` uses the embedded SQLite file `DATA_DIR/livetape.db`; `postgres://user:pass@host/db` uses PostgreSQL (several LiveTape nodes may share it)."),
  appid: field(plainText(64), '', 'Tencent-compatible APPID: echoed as `appid` in callbacks and accepted by `/common_access`.'),
  apiKey: secret(keyList(), '', "Tencent-compatible API (\"CGI\") key: signs `/common_access` queries (`sign = md5(key + t)`, `t` at most 15 minutes ahead); callbacks use CALLBACK_KEY. `''` disables `/common_access`."),
  tencentApiSecrets: secret(idKeyPairs(), '', "Tencent Cloud API 3.0 credentials (`SecretId:SecretKey`, comma-separated) that sign requests to `POST /` and `GET /` (TC3-HMAC-SHA256), so a backend using Tencent's official SDK can drive LiveTape. `''` turns that endpoint off."),
  pushDomain: field(plainText(253), '', "The push domain LiveTape answers for in Tencent Cloud API 3.0 calls (`DomainName`); a call naming another domain gets `ResourceNotFound`. `''`: any `DomainName` is accepted (LiveTape has one push domain, whatever customers call it)."),
  apiTokens: secret(keyList(), '', "Bearer tokens accepted by the REST API (comma-separated). `''`: the API answers loopback clients and console sessions only."),
  adminPassword: secret(plainText(1024), '', "Password of the web console (`/console`). `''`: a random one is generated at first start, shown once in the start banner and log, and only its scrypt hash is stored in the catalog; `livetape reset-admin-password` makes a new one."),
  corsOrigins: field(keyList(), '*', "Origins allowed to read playback and API responses cross-site (comma-separated); `*` allows any."),
  callbackUrl: field(httpUrlOrEmpty(), '', "Receiver of every event callback (push, push end, new recording file); `''` sends none unless a per-event URL is set."),
  callbackUrlPush: field(httpUrlOrEmpty(), '', 'Receiver of push-started callbacks (event_type 1), instead of CALLBACK_URL.'),
  callbackUrlUnpush: field(httpUrlOrEmpty(), '', 'Receiver of push-ended callbacks (event_type 0), instead of CALLBACK_URL.'),
  callbackUrlRecord: field(httpUrlOrEmpty(), '', 'Receiver of new-recording callbacks (event_type 100), instead of CALLBACK_URL.'),
  callbackUrlSnapshot: field(httpUrlOrEmpty(), '', 'Receiver of snapshot callbacks (event_type 200: one per live snapshot, see SNAPSHOT_INTERVAL and the snapshot rules), instead of CALLBACK_URL.'),
  callbackKey: secret(keyList(), '', "Key for callback signatures (`sign = md5(key + t)` and the `X-LiveTape-Signature` HMAC); `''` signs with an empty key (a warning says so). Never defaults to API_KEY: a callback signature would then also sign `/common_access` calls."),
  callbackUrlRecordStatus: field(httpUrlOrEmpty(), '', "Receiver of recording-status callbacks (event_type 332: a recording started, ended or failed). Only this URL gets them (CALLBACK_URL does not); `''` sends none."),
  callbackStrict: field(boolean(), false, 'Count a delivery as successful only when the receiver answers HTTP 200 with body `{"code":0}` (the legacy contract); otherwise HTTP 200 is enough.'),
  callbackTimeout: field(decimal(0.1, 120), 20, 'Seconds to wait for a receiver to answer one delivery attempt.'),
  callbackRetryInterval: field(decimal(0.05, 86400), 60, 'Seconds between delivery attempts of a failed callback.'),
  callbackRetryCount: field(integer(0, 1000), 12, 'Retries after the first attempt before a callback is dead-lettered (visible and re-deliverable in the API).'),
  callbackConcurrency: field(integer(1, 1000), 16, 'Streams whose callbacks one node delivers at once (events of one stream always go one at a time, in order). Lower it to cap the connections each node opens to your receiver; with several nodes, each takes its share of a backlog.'),
  callbackBackoff: field(oneOf(['fixed', 'exponential']), 'fixed', '`fixed` waits CALLBACK_RETRY_INTERVAL between attempts; `exponential` doubles the wait each time (capped at 1 hour).'),
  nodeName: field(plainText(128), '', "This node's name or IP as reported in callbacks (`node`); `''` uses the host name."),
  retentionDays: field(decimal(0, 36500), 0, 'Delete recordings older than this many days; `0` keeps them forever.'),
  retentionMaxGb: field(decimal(0, 1_000_000), 0, 'Delete the oldest recordings while the total exceeds this many GB; `0` means no size limit.'),
  snapshotInterval: field(offOrInteger(2, 300), 0, 'Seconds between JPEG snapshots of each live stream (callback 200, live covers); `0` takes none. A snapshot rule (API 3.0) overrides it for the streams it names. Needs `ffmpeg` on the PATH.'),
  snapshotWidth: field(integer(0, 3000), 0, 'Snapshot width in pixels; `0` keeps the source width (or the aspect ratio when SNAPSHOT_HEIGHT is set).'),
  snapshotHeight: field(integer(0, 2000), 0, 'Snapshot height in pixels; `0` keeps the source height (or the aspect ratio when SNAPSHOT_WIDTH is set).'),
  watchPage: field(boolean(), true, "Serve /watch and /api/watch publicly: lists live rooms and the last 7 days' replays with playable (signed) URLs to anyone. `false` hides them (404)."),
  signatureMaxTtl: field(integer(60, 50 * 365 * 86400), 365 * 86400, 'Longest a push or play signature may be valid, in seconds from now: a `txTime` further ahead is refused, so a leaked URL cannot last for ever (see docs/security.md).'),
  rtmpMaxConnections: field(integer(1, 1_000_000), 1000, 'Most RTMP connections open at once (publishers, players and handshakes); more are closed at once.'),
  httpMaxConnections: field(integer(1, 1_000_000), 10_000, 'Most HTTP connections open at once (players, API clients); more are refused until some close.'),
  rtmpMaxConnectionsPerAddress: field(integer(1, 1_000_000), 100, 'Most RTMP connections open at once from one remote address.'),
  storage: field(oneOf(['local', 's3']), 'local', '`local` keeps recordings in `DATA_DIR/media`; `s3` writes them there first (the spool) and uploads each finished file, HLS segment and playlist to S3_BUCKET, then serves them from the bucket (see docs/scaling.md).'),
  s3Endpoint: field(baseUrlOrEmpty(), '', "S3 endpoint URL (MinIO, Ceph RGW, COS, R2, B2…); `''` is Amazon S3 in S3_REGION."),
  s3Bucket: field(plainText(63), '', 'Bucket that holds the recordings; required with STORAGE=s3 (it must exist).'),
  s3Region: field(plainText(64), 'us-east-1', 'Region of the bucket (signing region for other S3-compatible stores; R2 uses `auto`).'),
  s3AccessKeyId: secret(plainText(256), '', "Access key id; `''` (with S3_SECRET_ACCESS_KEY `''`) uses the AWS SDK's credential chain (environment, shared files, instance/task role)."),
  s3SecretAccessKey: secret(plainText(256), '', 'Secret access key; never written to logs.'),
  s3ForcePathStyle: field(boolean(), false, 'Address objects as `endpoint/bucket/key` instead of `bucket.endpoint/key` (MinIO and most self-hosted stores need `true`).'),
  s3Prefix: field(plainText(256), '', "Prefix of every object key (e.g. `livetape/`), so several deployments can share a bucket; `''` for none."),
  s3PublicUrl: field(baseUrlOrEmpty(), '', "Base URL of the bucket as viewers reach it (a CDN, or the bucket's own public URL): file URLs in APIs and callbacks then point there, unsigned, and `PLAY_KEY` no longer guards them (the CDN or bucket policy does). `''`: LiveTape's own `/vod/` URLs, which redirect to short-lived presigned URLs."),
  s3KeepLocal: field(boolean(), false, 'Keep the spool copy of each file after a verified upload (it is removed by default).'),
  s3UploadConcurrency: field(integer(1, 256), 8, 'Upload jobs (files, HLS segments, playlists) one node runs at once; a file larger than 8 MiB sends 2 of its parts at a time. Uploads read into this many 8 MiB buffers (at least 2), reused, so they hold at most that much memory. Jobs of one recording or live HLS folder still run one after another.'),
  nodeUrl: field(baseUrlOrEmpty(), '', "With PostgreSQL (several nodes): the HTTP address the other nodes reach this one at, to pull its live streams (e.g. `http://10.0.0.5:8080`). `''`: `http://<NODE_NAME or host name>:<HTTP_PORT>`."),
  vodProxy: field(boolean(), false, 'With STORAGE=s3: `/vod/` streams objects from the bucket itself (Range, ETag) instead of redirecting (302) to a short-lived presigned URL.'),
} as const;

export type ConfigKey = keyof typeof CONFIG_FIELDS;
type ValueOf<S> = S extends FieldSpec<infer T> ? T : never;
export type Config = { readonly [K in ConfigKey]: ValueOf<(typeof CONFIG_FIELDS)[K]> };

/** Pairs `[a, b]` that must satisfy `a ≤ b` once all sources are merged. */
export const ORDERED_KEYS: ReadonlyArray<readonly [ConfigKey, ConfigKey]> = [
  ['recordIntervalMin', 'recordInterval'],
  ['recordInterval', 'recordIntervalMax'],
  ['recordBacklogLow', 'recordBacklogHigh'],
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
