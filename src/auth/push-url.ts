import { formatTxTime, signTxSecret } from './tx-secret.js';

export interface PushUrlRequest {
  /** `rtmp://host:1935`; a trailing slash is tolerated. */
  readonly baseRtmpUrl: string;
  readonly app: string;
  readonly stream: string;
  /** The primary push key; without one the URL is unsigned. */
  readonly key?: string | undefined;
  readonly expiresInSeconds: number;
  readonly nowSeconds: number;
  /** Further query parameters (`record`, `record_interval`, …), in order, after txSecret and txTime. */
  readonly extraParams?: Readonly<Record<string, string>>;
}

export interface PushUrl {
  /** The whole URL, for ffmpeg. */
  readonly url: string;
  /** `rtmp://host:1935/app`, OBS's "Server" field. */
  readonly server: string;
  /** `stream?query`, OBS's "Stream key" field. */
  readonly streamKey: string;
  /** UNIX seconds after which the signature no longer admits a new push. */
  readonly expiresAt: number;
}

// Tencent's own URLs show `record=mp4|hls`; encoders pass `|` through and it stays readable.
function encodeParam(value: string): string {
  return encodeURIComponent(value).replaceAll('%7C', '|');
}

// RFC 3986 unreserved characters: a name made of them reads the same before and after URL decoding.
const URL_SAFE_NAME = /^[A-Za-z0-9._~-]+$/;

/** Throws RangeError for an app or stream name that would need percent-encoding. */
export function buildPushUrl(request: PushUrlRequest): PushUrl {
  const { baseRtmpUrl, app, stream, key, expiresInSeconds, nowSeconds, extraParams = {} } = request;
  for (const [kind, name] of [
    ['app', app],
    ['stream', stream],
  ] as const) {
    if (!URL_SAFE_NAME.test(name)) {
      throw new RangeError(`${kind} name "${name}" must use only letters, digits and . _ ~ -`);
    }
  }
  const expiresAt = Math.floor(nowSeconds) + Math.floor(expiresInSeconds);
  const params: Array<[string, string]> = [];
  if (key !== undefined && key !== '') {
    const txTime = formatTxTime(expiresAt);
    params.push(['txSecret', signTxSecret(key, stream, txTime)], ['txTime', txTime]);
  }
  params.push(...Object.entries(extraParams));
  const query = params.map(([name, value]) => `${encodeParam(name)}=${encodeParam(value)}`).join('&');
  // Names go in verbatim: the server hashes the stream name exactly as the encoder sends it.
  const streamKey = query === '' ? stream : `${stream}?${query}`;
  const server = `${baseRtmpUrl.replace(/\/+$/, '')}/${app}`;
  return { url: `${server}/${streamKey}`, server, streamKey, expiresAt };
}

/** Single-quoted for POSIX shells: the URL carries `&` and `|`. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A complete ffmpeg command that pushes a local file to `url`, re-encoded the way live streaming wants. */
export function ffmpegPushCommand(url: string): string {
  return `ffmpeg -re -i input.mp4 -c:v libx264 -preset veryfast -c:a aac -f flv ${shellQuote(url)}`;
}
