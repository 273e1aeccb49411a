import { KeyRing } from '../auth/key-ring.js';
import { buildPushUrl, ffmpegPushCommand } from '../auth/push-url.js';
import { isoSeconds } from '../auth/tx-secret.js';
import { subsetOf } from '../config/fields.js';
import { type Config, loadConfig, publicHost, RECORD_FORMATS } from '../config/index.js';
import { CONFIG_FLAGS, optionTokens, optionValue } from '../config/sources.js';
import { BadNameError, validateName } from '../rtmp/publish-request.js';
import { type CliContext, EXIT_OK, UsageError } from './context.js';
import { formatDuration, parseDuration } from './duration.js';
import { withExistingCatalog } from './existing-catalog.js';

/** Our own options; `--host`, `--record` and `--record-interval` shadow the server options of that name. */
const OWN_OPTIONS = [
  'app',
  'expires',
  'record',
  'record-interval',
  'record-type',
  'record-name',
  'host',
] as const;
type OwnOption = (typeof OWN_OPTIONS)[number];

const DEFAULT_EXPIRY = '24h';
const DEFAULT_RTMP_PORT = 1935;

interface Request {
  readonly positionals: readonly string[];
  readonly own: ReadonlyMap<OwnOption, string>;
  /** Everything else, handed to loadConfig (`--config`, `--push-key`, …). */
  readonly configArgv: readonly string[];
}

function isOwnOption(name: string): name is OwnOption {
  return (OWN_OPTIONS as readonly string[]).includes(name);
}

function parseRequest(args: readonly string[]): Request {
  // Server options are declared too, so that `--push-key k` keeps its value; loadConfig validates them.
  const tokens = optionTokens(args, [...OWN_OPTIONS, ...CONFIG_FLAGS]);
  const own = new Map<OwnOption, string>();
  const configArgv: string[] = [];
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const value = optionValue(token);
    if (!isOwnOption(token.name)) {
      configArgv.push(value === undefined ? token.rawName : `${token.rawName}=${value}`);
    } else if (value === undefined) {
      throw new UsageError(`${token.rawName}: missing value`);
    } else {
      own.set(token.name, value);
    }
  }
  return { positionals, own, configArgv };
}

function onlyStream(positionals: readonly string[]): string {
  const [stream, ...extra] = positionals;
  if (stream === undefined) throw new UsageError('push-url: missing <stream>; see livetape push-url --help');
  if (extra.length > 0) throw new UsageError(`push-url: unexpected argument "${extra[0]}"`);
  checkName('stream', stream);
  return stream;
}

/** The push-URL parameters a recording is asked for with (spec §2), validated before anyone pushes. */
function recordParams(own: Request['own'], config: Config, context: CliContext): Record<string, string> {
  const params: Record<string, string> = {};
  const record = own.get('record');
  if (record !== undefined) {
    const formats = subsetOf(RECORD_FORMATS).schema(context).safeParse(record);
    if (!formats.success || formats.data.length === 0) {
      throw new UsageError(`--record=${record}: expected ${RECORD_FORMATS.join(', ')} joined by | or ,`);
    }
    params.record = formats.data.join('|');
  }
  const interval = own.get('record-interval');
  if (interval !== undefined) {
    if (!/^\d{1,9}$/.test(interval) || Number(interval) === 0) {
      throw new UsageError(`--record-interval=${interval}: expected a positive number of seconds`);
    }
    const { recordIntervalMin: min, recordIntervalMax: max } = config;
    const clamped = Math.min(Math.max(Number(interval), min), max);
    if (clamped !== Number(interval)) {
      context.stderr(`note: the server will use record_interval=${clamped} (its limits are ${min}–${max})\n`);
    }
    params.record_interval = interval;
  }
  const type = own.get('record-type');
  if (type !== undefined) {
    if (type !== 'audio' && type !== 'video') {
      throw new UsageError(`--record-type=${type}: expected audio or video`);
    }
    params.record_type = type;
  }
  const name = own.get('record-name');
  if (name !== undefined) {
    if (name.trim() === '') throw new UsageError('--record-name: expected a non-empty name');
    params.record_name = name;
  }
  return params;
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`. */
const HOST_OPTION = /^(\[[0-9A-Fa-f:.]+\]|[^\s:/?#@[\]]+)(:\d{1,5})?$/;

function rtmpAuthority(hostOption: string | undefined, config: Config): string {
  const port = config.rtmpPort === 0 ? DEFAULT_RTMP_PORT : config.rtmpPort;
  if (hostOption === undefined) return `${publicHost(config)}:${port}`;
  const match = HOST_OPTION.exec(hostOption);
  if (match === null) throw new UsageError(`--host=${hostOption}: expected host, host:port or [IPv6]:port`);
  return match[2] === undefined ? `${hostOption}:${port}` : hostOption;
}

function checkName(kind: 'app' | 'stream', name: string): void {
  try {
    validateName(kind, name);
  } catch (error) {
    if (error instanceof BadNameError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Keys set in the console (stored in the catalog) override PUSH_KEY on the server, so a URL signed with
 * the configured key alone would be refused after a rotation. Before the server's first start there is
 * no catalog and the configuration is all there is.
 */
async function pushKeysInForce(config: Config): Promise<readonly string[]> {
  return withExistingCatalog(
    config,
    async (catalog) =>
      (await KeyRing.load(catalog.settings, { push: config.pushKey, play: config.playKey })).keys('push'),
    () => config.pushKey,
  );
}

export async function pushUrlCommand(args: readonly string[], context: CliContext): Promise<number> {
  const request = parseRequest(args);
  // Configuration first: an unknown option's value would otherwise be blamed as an extra argument.
  const config = loadConfig({ argv: request.configArgv, env: context.env, cwd: context.cwd });
  const stream = onlyStream(request.positionals);
  const app = request.own.get('app') ?? 'live';
  checkName('app', app);
  const expires = request.own.get('expires') ?? DEFAULT_EXPIRY;
  const expiresInSeconds = parseDuration(expires);
  if (expiresInSeconds > config.signatureMaxTtl) {
    throw new UsageError(
      `--expires ${expires} is longer than SIGNATURE_MAX_TTL (${config.signatureMaxTtl} s): the server would refuse the URL`,
    );
  }
  const key = (await pushKeysInForce(config))[0];
  const built = buildPushUrl({
    baseRtmpUrl: `rtmp://${rtmpAuthority(request.own.get('host'), config)}`,
    app,
    stream,
    key,
    expiresInSeconds,
    nowSeconds: context.now() / 1000,
    extraParams: recordParams(request.own, config, context),
  });
  if (key === undefined) {
    context.stderr(
      'note: push authentication is off (no PUSH_KEY, none set in the console), so this URL is unsigned\n',
    );
  }
  context.stdout(
    [
      built.url,
      '',
      ...(key === undefined
        ? []
        : [`Expires:        ${isoSeconds(built.expiresAt)} (${formatDuration(expiresInSeconds)} from now)`]),
      `OBS Server:     ${built.server}`,
      `OBS Stream key: ${built.streamKey}`,
      `ffmpeg:         ${ffmpegPushCommand(built.url)}`,
      '',
    ].join('\n'),
  );
  return EXIT_OK;
}
